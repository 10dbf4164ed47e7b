"""Child process of the benchmark: wordrep's count + PPMI + SVD with the reference's settings,
or with wordrep's own defaults (``--defaults``: dynamic window, subsampling 1e-5), which is
what a user's first ``wordrep train svd`` runs.

usage: train_svd.py CORPUS OUT_PREFIX [--window 5] [--dim 300] [--min-count 5] [--defaults]
Prints one JSON line of stage times; writes OUT_PREFIX.npy and OUT_PREFIX.words.json.
"""
import argparse
import json
import time

started = time.perf_counter()

from wordrep.corpora import open_corpus  # noqa: E402  (wordrep first: it tunes OpenBLAS)
from wordrep.representations import build  # noqa: E402

import numpy as np  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--defaults", action="store_true",
                    help="wordrep's count settings instead of the reference's")
    a = ap.parse_args()
    corpus = open_corpus(a.corpus)
    corpus.token_ids()
    read = time.perf_counter() - started
    # The reference's settings: harmonic window, every token kept, rare words deleted before
    # windowing, cds 0.75, no shift, eig 0.5. wordrep's defaults differ in the first two only.
    counting = {} if a.defaults else dict(weighting="harmonic", subsample=0)
    rep = build("svd", corpus, dim=a.dim, window=a.window, min_count=a.min_count,
                delete_rare=True, cds=0.75, neg=1, eig=0.5, **counting)
    total = time.perf_counter() - started
    np.save(a.out + ".npy", rep.kv.vectors)
    with open(a.out + ".words.json", "w") as f:
        json.dump(rep.vocabulary, f)
    timings = {k: v["seconds"] for k, v in rep.metadata["timings"].items()}
    print(json.dumps({"read_s": round(read, 2), **timings, "total_s": round(total, 2),
                      "vocab": len(rep.vocabulary)}))


if __name__ == "__main__":
    main()
