#!/usr/bin/env python3
"""wordrep's speed and memory benchmark: each stage against its reference, in one run.

Every measurement runs in a child process (so its peak RSS is its own), several times; the
table reports medians and the ratio to the reference measured in the same run, because these
machines are noisy and only same-run ratios compare.

usage: python bench/bench.py [--corpus PATH] [--quick] [--repeat N] [--out bench/results.json]
"""
import argparse
import json
import lzma
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpora" / "wiki17m.txt.xz"
QUICK_TOKENS = 2_000_000

# The plainest Python pass over a corpus: the yardstick for reading one.
PLAIN_PASS = """
import bz2, gzip, lzma, sys
from collections import Counter
path = sys.argv[1]
opener = {".xz": lzma.open, ".gz": gzip.open, ".bz2": bz2.open}.get(path[path.rfind("."):], open)
with opener(path, "rt", encoding="utf-8") as f:
    tokens = f.read().split()
counts = Counter(tokens)
print(len(tokens), len(counts))
"""


def run_child(argv, env=None):
    """Wall seconds and stdout of one child process."""
    started = time.perf_counter()
    child = subprocess.run(argv, capture_output=True, env=env)
    seconds = time.perf_counter() - started
    if child.returncode:
        raise RuntimeError(f"{argv} failed:\n{child.stderr.decode()[-2000:]}")
    return seconds, child.stdout.decode()


def measure(argv, repeat, fresh_home=False):
    """Median wall time and the largest peak RSS over ``repeat`` runs of ``argv``."""
    times, peaks, out = [], [], ""
    for _ in range(repeat):
        env = dict(os.environ)
        with tempfile.TemporaryDirectory() as home:
            if fresh_home:
                env["WORDREP_HOME"] = home
            wrapped = [sys.executable, str(HERE / "peak.py")] + argv
            seconds, out = run_child(wrapped, env)
        result = json.loads(out.strip().splitlines()[-1])
        times.append(seconds)
        peaks.append(result["peak_rss_mb"])
        out = result["stdout"]
    return {"seconds": statistics.median(times), "runs": [round(t, 2) for t in times],
            "peak_rss_mb": max(peaks), "output": out.strip()}


def prefix_corpus(source, tokens, folder):
    """The first ``tokens`` tokens of a one-line corpus, as a plain file."""
    target = Path(folder) / f"prefix-{tokens}.txt"
    with lzma.open(source, "rt", encoding="utf-8") as f:
        words = f.read(tokens * 8).split()[:tokens]
    target.write_text(" ".join(words) + "\n", encoding="utf-8")
    return target


def bench_corpus(corpus, repeat):
    wordrep = [sys.executable, "-m", "wordrep.cli", "-q", "corpus", "info", str(corpus), "--json"]
    reference = measure([sys.executable, "-c", PLAIN_PASS, str(corpus)], repeat)
    ours = measure(wordrep, repeat, fresh_home=True)
    stats = json.loads(ours["output"])
    return {"stage": "corpus: read, tokenize, vocabulary, token-id array (first time)",
            "reference": "read whole + str.split() + Counter",
            "tokens": stats["tokens"], "wordrep": ours, "ref": reference,
            "time_ratio": round(ours["seconds"] / reference["seconds"], 3),
            "goal": "time ratio <= 1.5, peak RSS <= 1024 MB"}


def markdown(results):
    lines = [f"wordrep benchmark, {results['machine']}, corpus {results['corpus']}",
             "", "| stage | tokens | wordrep s (median) | ref s (median) | ratio | wordrep peak MB "
             "| ref peak MB | goal |", "|---|---|---|---|---|---|---|---|"]
    for row in results["rows"]:
        lines.append(f"| {row['stage']} | {row['tokens']:,} | {row['wordrep']['seconds']:.2f} "
                     f"| {row['ref']['seconds']:.2f} | {row['time_ratio']:.2f} "
                     f"| {row['wordrep']['peak_rss_mb']:.0f} | {row['ref']['peak_rss_mb']:.0f} "
                     f"| {row['goal']} |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--quick", action="store_true",
                    help=f"run on a {QUICK_TOKENS:,}-token prefix (proves the harness works)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=HERE / "results.json")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        corpus = prefix_corpus(args.corpus, QUICK_TOKENS, scratch) if args.quick else args.corpus
        rows = [bench_corpus(corpus, args.repeat)]
    results = {"machine": f"{os.cpu_count()} cores, {platform.machine()}, Python "
                          f"{platform.python_version()}", "corpus": str(args.corpus),
               "quick": args.quick, "repeat": args.repeat, "rows": rows}
    args.out.write_text(json.dumps(results, indent=1))
    table = markdown(results)
    args.out.with_suffix(".md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
