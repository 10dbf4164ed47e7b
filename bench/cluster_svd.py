"""Child process of the benchmark: count + PPMI + SVD in one process or on a Dask cluster.

usage: cluster_svd.py CORPUS OUT_PREFIX [--cluster local:2] [--method svd|ppmi] [--dim 300]
                      [--min-count 5] [--window 5]
wordrep's defaults otherwise (dynamic window, subsampling 1e-5). Prints one JSON line: stage
times, SHA-256 of the count and PPMI matrices' files (equal digests: identical matrices), and
on a cluster each worker's peak RSS and memory limit; writes OUT_PREFIX.npy and
OUT_PREFIX.words.json.
"""
import argparse
import hashlib
import json
import resource
import time

started = time.perf_counter()

from wordrep import cluster  # noqa: E402  (wordrep first: it tunes OpenBLAS)
from wordrep.corpora import open_corpus  # noqa: E402
from wordrep.home import cache_dir  # noqa: E402
from wordrep.representations import build  # noqa: E402

import numpy as np  # noqa: E402


def digest(stage, fingerprint):
    """SHA-256 of the matrix files of every cache entry of ``stage`` for the corpus."""
    out = {}
    for entry in sorted(cache_dir(stage, fingerprint).glob("[!.]*")):
        h = hashlib.sha256()
        for name in ("data.npy", "indices.npy", "indptr.npy"):
            if (entry / name).is_file():
                h.update((entry / name).read_bytes())
        out[entry.name] = h.hexdigest()[:16]
    return out


def worker_memory(client):
    """Each worker's peak RSS and memory limit, in MB."""
    peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
    limits = {a: w.get("memory_limit", 0) for a, w in client.scheduler_info()["workers"].items()}
    return [{"peak_rss_mb": peaks[a], "limit_mb": round(limits.get(a, 0) / 2**20)} for a in peaks]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--cluster")
    ap.add_argument("--method", choices=("svd", "ppmi"), default="svd")
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--min-count", type=int, default=5)
    a = ap.parse_args()
    corpus = open_corpus(a.corpus)
    extra = {}
    with cluster.maybe(a.cluster) as on:
        dim = {"dim": a.dim} if a.method == "svd" else {}
        rep = build(a.method, cluster.on_cluster(corpus), window=a.window,
                    min_count=a.min_count, **dim)
        if on is not None:
            extra["workers"] = worker_memory(on.client)
    total = time.perf_counter() - started
    if a.method == "svd":
        np.save(a.out + ".npy", rep.kv.vectors)
        with open(a.out + ".words.json", "w") as f:
            json.dump(rep.vocabulary, f)
    timings = {k: v["seconds"] for k, v in rep.metadata["timings"].items()}
    print(json.dumps({**timings, "total_s": round(total, 2), "vocab": len(rep.vocabulary),
                      "counts_sha": digest("counts", corpus.fingerprint),
                      "pmi_sha": digest("pmi", corpus.fingerprint), **extra}))


if __name__ == "__main__":
    main()
