"""Child process of the benchmark: word2vec skip-gram, through wordrep or through raw gensim.

usage: train_word2vec.py wordrep|gensim CORPUS OUT_PREFIX [--dim 100] [--epochs 5] ...
wordrep: `wordrep.build("word2vec", corpus)` (corpus file written from the token-id cache).
gensim: `gensim.models.Word2Vec` on CORPUS through corpus_file (the bench gives it the same
tokens decompressed, in lines of 1,000, which lose nothing when subsampling drops over 10%).
Prints one JSON line: training seconds, words/second, and gensim's own counts (raw words read,
words trained, the share of what subsampling keeps); writes OUT_PREFIX.npy/.words.json.
"""
import argparse
import json
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("side", choices=["wordrep", "gensim"])
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--negative", type=int, default=5)
    ap.add_argument("--sample", type=float, default=1e-3)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--min-count", type=int, default=5)
    a = ap.parse_args()
    params = dict(window=a.window, negative=a.negative, sample=a.sample, epochs=a.epochs,
                  workers=a.workers, min_count=a.min_count, seed=1)
    if a.side == "wordrep":
        from wordrep.corpora import open_corpus
        from wordrep.representations import build
        from wordrep.representations.neural import corpus_file
        corpus = open_corpus(a.corpus)
        corpus_file(corpus)                      # written once per corpus, then cached
        started = time.perf_counter()
        rep = build("word2vec", corpus, dim=a.dim, **params)
        seconds = time.perf_counter() - started
        kv, tokens = rep.kv, int(corpus.token_ids().ids.size)
        counts = rep.metadata["gensim_counts"]
    else:
        from gensim.models import Word2Vec
        from wordrep.representations.neural import expected_effective_words
        started = time.perf_counter()
        # what Word2Vec(corpus_file=...) does, keeping what train returns
        model = Word2Vec(vector_size=a.dim, sg=1, hs=0, alpha=0.025, **params)
        model.build_vocab(corpus_file=a.corpus)
        trained, raw = model.train(corpus_file=a.corpus, total_examples=model.corpus_count,
                                   total_words=model.corpus_total_words, epochs=a.epochs,
                                   start_alpha=model.alpha, end_alpha=model.min_alpha)
        seconds = time.perf_counter() - started
        kv, tokens = model.wv, model.corpus_total_words
        expected = expected_effective_words(kv, a.sample) * a.epochs
        counts = {"raw_words": raw, "file_words": tokens * a.epochs, "trained_words": trained,
                  "expected_trained_words": round(expected),
                  "trained_fraction": round(trained / expected, 4)}
    np.save(a.out + ".npy", kv.vectors)
    with open(a.out + ".words.json", "w") as f:
        json.dump(list(kv.index_to_key), f)
    print(json.dumps({"train_s": round(seconds, 2), "tokens": int(tokens),
                      "words_per_s": round(tokens * a.epochs / seconds),
                      "gensim_counts": counts}))


if __name__ == "__main__":
    main()
