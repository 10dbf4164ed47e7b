#!/usr/bin/env python3
"""Timings of the WordNet-derived and hybrid representations, one JSON row per measurement.

Rows: the WordNet index (one pass over all synsets, shared by the builders; then as the
builders get it, from the disk cache once it has been written), feature vectors
and the graph embedding for every lemma, each of the six measures over SimLex-999 (a fresh
measure each time, so its pair cache starts empty; the per-synset ancestor tables are shared
by all measures, so the first row, path, pays for building them), and retrofitting a 70,000 x 300 embedding (random
vectors over 70,000 WordNet lemmas, so that the lexicon links as many words as a real model's
would at most). Each row says whether the issue's goal is met.

usage: python bench/bench_wordnet.py [--skip-graph]
"""
import argparse
import json
import sys
import time

import numpy as np


def row(name, seconds, goal, **extra):
    print(json.dumps({"bench": name, "seconds": round(seconds, 2), "goal_seconds": goal,
                      "met": None if goal is None else seconds <= goal, **extra}), flush=True)


def timed(func):
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-graph", action="store_true", help="leave out the graph embedding")
    args = ap.parse_args()

    from gensim.test.utils import datapath
    from wordrep import wordnet
    from wordrep.representations import build
    from wordrep.representations.dense import DenseVectors
    from wordrep.representations.wordnet_index import WordNetIndex
    from wordrep.representations.wordnet_measures import (IC_MEASURES, MEASURES,
                                                       information_content, measure)

    seconds, wn = timed(wordnet.load)
    row("wordnet reader load", seconds, None)
    seconds, index = timed(lambda: WordNetIndex(wn))
    row("wordnet index built from WordNet's files (all synsets, relations)", seconds, None,
        lemmas=len(index.lemmas))
    seconds, index = timed(lambda: WordNetIndex.get(wn))
    row("wordnet index through the cache (read, or built and written)", seconds, None)

    seconds, rep = timed(lambda: build("wordnet-features", None, wordnet=wn))
    row("wordnet-features, all lemmas (index built)", seconds, 60, words=len(rep))
    if not args.skip_graph:
        seconds, rep = timed(lambda: build("wordnet-graph", None, wordnet=wn))
        row("wordnet-graph, all lemmas (index built)", seconds, 60, words=len(rep), dim=rep.dim)

    rows = [line.split("\t") for line in open(datapath("simlex999.txt"), encoding="utf-8")
            if not line.startswith("#")][1:]
    pairs = [(r[0], r[1]) for r in rows]
    seconds, ic = timed(lambda: information_content(None, wn))
    row("information content (NLTK ic() over enwiki-sample)", seconds, None)
    for name in MEASURES:
        options = {"ic": ic} if name in IC_MEASURES else {}  # the others take no ic
        seconds, _ = timed(lambda: measure(name, wordnet=wn, **options).similarity(pairs))
        row(f"wordnet:{name} over SimLex-999 ({len(pairs)} pairs)", seconds, 5)

    rng = np.random.default_rng(0)
    words = index.lemmas[:70_000]
    vectors = rng.standard_normal((len(words), 300)).astype(np.float32)
    base = DenseVectors.from_arrays(words, vectors, name="random-70k")
    seconds, _ = timed(lambda: build("retrofit", None, vectors=base, wordnet=wn))
    row("retrofit 70k x 300, synonym+hypernym+hyponym, 10 iterations", seconds, 10)
    seconds, _ = timed(lambda: build("retrofit", None, vectors=base, antonyms=True, wordnet=wn))
    row("retrofit 70k x 300, with antonym repulsion", seconds, 10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
