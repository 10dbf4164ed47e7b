#!/usr/bin/env python3
"""The cluster's overhead and answers (issue 15): count + PPMI (+ SVD) in one process against
``--cluster local:N`` on the same machine, each run in a fresh cache, one after the other.

- ``svd`` on CORPUS (default wiki17m) with wordrep's defaults: time and peak RSS of both, each
  worker's peak RSS against its memory limit, the count and PPMI matrices' digests (equal:
  identical matrices) and the WS353 / SimLex-999 / Google scores of both (bench.quality);
- with ``--scale CORPUS`` (the 1.7e8-token corpus of ``grow_corpus.py``): ``ppmi`` in one
  process against ``--cluster local:2``, and weak scaling: ``local:1`` on the first half of the
  corpus (by bytes, at a line break) against ``local:2`` on all of it, the budget split alike.

These machines are shared: times are of one run each, in the same session; only their ratios
compare. usage: python bench/bench_cluster.py [--corpus PATH] [--scale PATH] [--workers 2]
writes bench/results-cluster.json and .md (or --out).
"""
import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import DEFAULT_CORPUS, HERE, markdown, quality, run_once  # noqa: E402

CHILD = str(HERE / "cluster_svd.py")


def one(corpus, out_prefix, method, cluster=None, memory="8G"):
    """One child run in a fresh cache: seconds, peak RSS (this process) and what it printed."""
    argv = [CHILD, str(corpus), str(out_prefix), "--method", method]
    argv += ["--cluster", cluster] if cluster else []
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, WORDREP_HOME=home, WORDREP_MEMORY=memory)
        seconds, peak, out = run_once(argv, env)
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(peak), "output": out,
            **json.loads(out.splitlines()[-1])}


def compare(stage, single, clustered, goal, **extra):
    same = (single["counts_sha"] == clustered["counts_sha"]
            and single["pmi_sha"] == clustered["pmi_sha"])
    workers = clustered.get("workers", [])
    return {"stage": stage, "reference": "one process", "wordrep": clustered, "ref": single,
            "time_ratio": round(clustered["seconds"] / single["seconds"], 3), "goal": goal,
            "identical_matrices": same,
            "workers_within_limit": all(w["peak_rss_mb"] <= w["limit_mb"] for w in workers),
            **extra}


def half_corpus(source, target):
    """The first half of ``source`` by bytes, ended at a line break."""
    with open(source, "rb") as f, open(target, "wb") as out:
        left = os.path.getsize(source) // 2
        while left > 0:
            block = f.read(min(1 << 24, left))
            out.write(block)
            left -= len(block)
        out.write(f.readline())
    return target


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--scale", type=Path, help="the 1.7e8-token corpus (grow_corpus.py)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=HERE / "results-cluster.json")
    args = ap.parse_args()
    address = f"local:{args.workers}"
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        single = one(args.corpus, scratch / "single", "svd")
        clustered = one(args.corpus, scratch / "cluster", "svd", address)
        scores = {"single": quality(str(scratch / "single")),
                  "cluster": quality(str(scratch / "cluster"))}
        rows.append(compare(f"svd (defaults) on {args.corpus.name}: one process vs {address}",
                            single, clustered, "identical matrices; scores within 0.002",
                            quality=scores["cluster"], ref_quality=scores["single"]))
        if args.scale:
            single = one(args.scale, scratch / "s", "ppmi")
            clustered = one(args.scale, scratch / "c", "ppmi", address)
            rows.append(compare(f"ppmi (count + PPMI) on {args.scale.name}: one process vs "
                                f"{address}", single, clustered,
                                "time ratio <= 1.25, workers within their limits, identical"))
            half = half_corpus(args.scale, scratch / "half.txt")
            per_worker = f"{8 // args.workers}G"
            weak = one(half, scratch / "h", "ppmi", "local:1", memory=per_worker)
            rows.append({"stage": f"weak scaling: local:1 on half of {args.scale.name} vs "
                                  f"{address} on all of it", "reference": "local:1, half",
                         "wordrep": clustered, "ref": weak,
                         "time_ratio": round(clustered["seconds"] / weak["seconds"], 3),
                         "goal": "ratio near 1 (perfect weak scaling)"})
    checks = [{"stage": r["stage"], "identical matrices": r.get("identical_matrices", ""),
               "worker peak RSS / limit (MB)": ", ".join(
                   f"{w['peak_rss_mb']} / {w['limit_mb']}"
                   for w in r["wordrep"].get("workers", [])),
               "within limits": r.get("workers_within_limit", "")} for r in rows]
    results = {"rows": rows, "extra": {"answers and workers' memory": checks},
               "corpus": str(args.corpus), "quick": False,
               "repeat": 1, "machine": f"{os.cpu_count()} cores, shared"}
    args.out.write_text(json.dumps(results, indent=1))
    args.out.with_suffix(".md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
