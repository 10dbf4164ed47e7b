"""Reading a Wikipedia dump on every core against one process (issue 14, item 3).

``make``: a multistream MediaWiki dump of at least ``--tokens`` tokens, built from the pages of
gensim's sample dump (enwiki-sample: real pages, wiki markup and all) repeated, ``--per-stream``
pages a bzip2 stream as Wikipedia publishes its multistream dumps (the header and the footer are
streams of their own). Page ids are renumbered so that each page is a page of its own.

``run``: ``wordrep corpus info DUMP`` (token ids built from scratch: a fresh WORDREP_HOME each
time) with parallel reading and with ``parallel.WORKERS = 1`` (the single-process reader),
alternating, ``--runs`` of each; prints and writes (``--out``, Markdown and JSON) the medians
of tokens per second, the wall time, the CPU seconds of the parent process (its own: the part
no worker can take) and of its worker processes, and the load average before each run.

Examples
--------
python bench/bench_dump.py make /tmp/dump10m.xml.bz2 --tokens 1e7
python bench/bench_dump.py run /tmp/dump10m.xml.bz2 --runs 3 --out bench/results-dump
"""
import argparse
import bz2
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PAGE = re.compile(rb"<page>.*?</page>", re.S)
PAGE_ID = re.compile(rb"(<page>.*?<id>)\d+(</id>)", re.S)


def make(out, tokens, per_stream):
    """Write the dump; returns (pages, streams, copies)."""
    from wordrep.corpora import open_corpus
    corpus = open_corpus("enwiki-sample")
    xml = bz2.decompress(corpus.source.path.read_bytes())
    first, last = xml.index(b"<page>"), xml.rindex(b"</page>") + len(b"</page>")
    pages = PAGE.findall(xml[first:last])
    copies = -(-int(tokens) // corpus.token_ids().info["tokens"])
    number = iter(range(1, len(pages) * copies + 1))
    with open(out, "wb") as f:
        f.write(bz2.compress(xml[:first]))
        batch, streams = [], 2
        for _ in range(copies):
            for page in pages:
                batch.append(PAGE_ID.sub(lambda m: m[1] + str(next(number)).encode() + m[2],
                                         page, count=1))
                if len(batch) == per_stream:
                    f.write(bz2.compress(b"\n".join(batch) + b"\n"))
                    batch, streams = [], streams + 1
        if batch:
            f.write(bz2.compress(b"\n".join(batch) + b"\n"))
            streams += 1
        f.write(bz2.compress(xml[last:]))
    return len(pages) * copies, streams, copies


def one_run(dump, workers):
    """Run ``wordrep corpus info`` in a child process with its own cache; its figures."""
    home = tempfile.mkdtemp(prefix="bench-dump-")
    try:
        load = os.getloadavg()[0]
        child = subprocess.run([sys.executable, __file__, "_child", str(dump), str(workers)],
                               env=dict(os.environ, WORDREP_HOME=home), capture_output=True,
                               text=True, check=True)
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        return dict(figures, workers=workers or "all", load=load)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def child(dump, workers):
    """In the child: read the dump into token ids (as ``wordrep corpus info`` does), then
    print the figures as JSON."""
    from wordrep.corpora import open_corpus, parallel
    if workers:
        parallel.WORKERS = workers
    corpus = open_corpus(dump)
    started = time.perf_counter()
    tokens = corpus.token_ids().info["tokens"]
    wall = time.perf_counter() - started
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"tokens": tokens, "wall": wall, "tokens_per_s": tokens / wall,
                      "parent_cpu": me.ru_utime + me.ru_stime,
                      "workers_cpu": kids.ru_utime + kids.ru_stime,
                      "peak_rss_mb": me.ru_maxrss / 1024}))


def run(dump, runs, out):
    results = []
    for i in range(runs):
        for workers in (1, 0):  # alternating: the single process first, then every core
            results.append(one_run(dump, workers))
            print(json.dumps(results[-1]), flush=True)
    summary = {}
    for label in (1, "all"):
        mine = [r for r in results if r["workers"] == label]
        summary[str(label)] = {key: statistics.median(r[key] for r in mine)
                               for key in ("tokens_per_s", "wall", "parent_cpu", "workers_cpu",
                                           "peak_rss_mb", "load")}
    speedup = summary["all"]["tokens_per_s"] / summary["1"]["tokens_per_s"]
    print(f"speed-up (median tokens/s, every core / one process): {speedup:.2f}x")
    if out:
        write(Path(out), dump, results, summary, speedup)


def write(out, dump, results, summary, speedup):
    out.with_suffix(".json").write_text(json.dumps(
        {"dump": str(dump), "cores": len(os.sched_getaffinity(0)), "runs": results,
         "medians": summary, "speedup": speedup}, indent=1))
    rows = [f"| {label} | {s['tokens_per_s']:,.0f} | {s['wall']:.1f} | {s['parent_cpu']:.1f} | "
            f"{s['workers_cpu']:.1f} | {s['peak_rss_mb']:.0f} | {s['load']:.1f} |"
            for label, s in (("one process", summary["1"]), ("every core", summary["all"]))]
    out.with_suffix(".md").write_text("\n".join([
        f"# Reading a Wikipedia dump: {results[0]['tokens']:,} tokens, "
        f"{len(os.sched_getaffinity(0))} cores", "",
        "`python bench/bench_dump.py run DUMP` (medians of the alternating runs; CPU in "
        "seconds; load: the 1-minute load average before the run)", "",
        "| reader | tokens/s | wall s | parent CPU | workers CPU | peak RSS MB (parent) | load |",
        "|---|---|---|---|---|---|---|", *rows, "",
        f"Speed-up: **{speedup:.2f}x**", ""]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("make")
    p.add_argument("out", type=Path)
    p.add_argument("--tokens", type=float, default=1e7)
    p.add_argument("--per-stream", type=int, default=100)
    p = sub.add_parser("run")
    p.add_argument("dump", type=Path)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--out")
    p = sub.add_parser("_child")
    p.add_argument("dump")
    p.add_argument("workers", type=int)
    args = parser.parse_args()
    if args.command == "make":
        pages, streams, copies = make(args.out, args.tokens, args.per_stream)
        print(f"{args.out}: {pages:,} pages ({copies} copies of enwiki-sample's), "
              f"{streams:,} bzip2 streams, {args.out.stat().st_size / 2**20:.1f} MB")
    elif args.command == "run":
        run(args.dump, args.runs, args.out)
    else:
        child(args.dump, args.workers)


if __name__ == "__main__":
    main()
