#!/usr/bin/env python3
"""Analogy speed: wordrep's batched 3CosAdd against gensim's ``evaluate_word_analogies``.

The Google questions on a 70,000-word, 300-d embedding (random vectors over the most frequent
words of a corpus prefix: speed does not depend on what the vectors mean), the same candidate
restriction for both, each timed ``--repeat`` times in this one process; then both on gensim's
real ``lee_fasttext.vec`` vectors, where the accuracies must be equal. Prints one JSON row per
measurement (the lead merges them into bench/bench.py).

usage: python bench/bench_evaluate.py [--corpus PATH] [--words 70000] [--dim 300]
                                      [--restrict 30000] [--repeat 3]
"""
import argparse
import json
import logging
import lzma
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpora" / "wiki17m.txt.xz"


def vocabulary(corpus, words, chars=60_000_000):
    """The ``words`` most frequent tokens of the first ``chars`` characters (frequency order)."""
    with lzma.open(corpus, "rt", encoding="utf-8") as f:
        counts = Counter(f.read(chars).split())
    return [w for w, _ in counts.most_common(words)]


def timed(func, repeat):
    runs, value = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        value = func()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), [round(r, 3) for r in runs], value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--words", type=int, default=70_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--restrict", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("gensim").setLevel(logging.WARNING)

    from wordrep.benchmarks import load_benchmark
    from wordrep.benchmarks.named import gensim_test_file
    from wordrep.evaluation import score_analogy
    from wordrep.representations.dense import DenseVectors
    from wordrep.storage import load

    questions = gensim_test_file("questions-words.txt")
    google = load_benchmark("google")
    words = vocabulary(args.corpus, args.words)
    vectors = np.random.default_rng(0).standard_normal((len(words), args.dim), dtype=np.float32)
    rep = DenseVectors.from_arrays(words, vectors, name="random")
    kv = rep.kv

    def ours():
        return score_analogy(rep, google, "add", args.restrict, bootstrap=0)

    def theirs():
        return kv.evaluate_word_analogies(questions, restrict_vocab=args.restrict)

    ours()  # warm-up: the case-folding map and BLAS threads, as gensim's norms below
    kv.fill_norms()
    t_ours, runs_ours, r = timed(ours, args.repeat)
    t_gensim, runs_gensim, (accuracy, sections) = timed(theirs, args.repeat)
    covered = sum(len(s["correct"]) + len(s["incorrect"]) for s in sections[:-1])
    print(json.dumps({"bench": "analogy 3CosAdd, google", "words": len(words), "dim": args.dim,
                      "restrict": args.restrict, "questions_covered": r.covered,
                      "wordrep_s": round(t_ours, 3), "wordrep_runs": runs_ours,
                      "gensim_s": round(t_gensim, 3), "gensim_runs": runs_gensim,
                      "speedup": round(t_gensim / t_ours, 2),
                      "same_accuracy": r.score == accuracy and r.covered == covered,
                      "accuracy": r.score}))

    lee = load(gensim_test_file("lee_fasttext.vec"))
    for restrict in (300_000, 1000):
        accuracy, sections = lee.kv.evaluate_word_analogies(questions, restrict_vocab=restrict)
        r = score_analogy(lee, google, "add", restrict, bootstrap=0)
        same_sections = [(s["section"], len(s["correct"])) for s in sections[:-1]] == \
            [(s["name"], s["correct"]) for s in r.sections]
        print(json.dumps({"bench": "analogy 3CosAdd accuracy check, lee_fasttext.vec",
                          "restrict": restrict, "wordrep": r.score, "gensim": accuracy,
                          "same_accuracy": r.score == accuracy, "same_sections": same_sections}))


if __name__ == "__main__":
    main()
