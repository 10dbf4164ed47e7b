"""word2vec (skip-gram, CBOW) and fastText, trained by gensim.

Training goes through gensim's ``corpus_file`` path: the corpus is written once as a
whitespace-token file (cached under its fingerprint) and gensim's compiled readers stream it
on every worker thread, which avoids the Python iterator that otherwise caps training speed
and lets it scale with cores.

Parameters keep word2vec's names and defaults (window 5, negative 5, sample 1e-3, 5 epochs,
alpha 0.025 for skip-gram and 0.05 for CBOW as in the original tool).
"""
import logging
import time

import numpy as np

from .. import cache
from ..corpora.vocabulary import check_min_count, nonempty_vocabulary
from ..errors import UserError
from ..home import cache_dir
from . import representations

log = logging.getLogger(__name__)
MAX_LINE = 10_000  # gensim's corpus_file reader cuts longer lines anyway


def corpus_file(corpus):
    """The corpus as whitespace-separated tokens, one sentence a line (written once, cached;
    checked against its checksums on every read, see :mod:`wordrep.cache`)."""
    return cache.cached(cache_dir("text") / corpus.fingerprint,
                        load=lambda folder: folder / "corpus.txt",
                        build=lambda folder: _write_corpus(corpus, folder / "corpus.txt"),
                        what=f"training text of {corpus.name}")


def _write_corpus(corpus, path):
    arrays = corpus.token_ids()
    words = np.array(arrays.vocabulary.words, dtype=object)
    starts, ends = arrays.sentences(MAX_LINE)
    with open(path, "w", encoding="utf-8") as out:
        for start, end in zip(starts.tolist(), ends.tolist()):
            out.write(" ".join(words[arrays.ids[start:end]].tolist()))
            out.write("\n")


def _check(dim, window, min_count, negative, hs, sample, epochs, alpha, workers):
    checks = [
        (isinstance(dim, int) and dim >= 1, f"dim must be a whole number >= 1, got {dim!r}."),
        (isinstance(window, int) and window >= 1, f"window must be >= 1, got {window!r}."),
        (isinstance(negative, int) and negative >= 0,
         f"negative (noise words per example) must be >= 0, got {negative!r}."),
        (negative > 0 or hs, "negative is 0 and hs is off: nothing would be trained."),
        (sample >= 0, f"sample (subsampling threshold) must be >= 0, got {sample!r}."),
        (isinstance(epochs, int) and epochs >= 1, f"epochs must be >= 1, got {epochs!r}."),
        (alpha is None or alpha > 0, f"alpha (learning rate) must be > 0, got {alpha!r}."),
        (isinstance(workers, int) and workers >= 1, f"workers must be >= 1, got {workers!r}."),
    ]
    check_min_count(min_count)
    for ok, message in checks:
        if not ok:
            raise UserError(message, "See `wordrep train word2vec --help` for the ranges.")


def train(model_class, corpus, name, echo_progress=True, **params):
    """Train a gensim model on ``corpus`` through corpus_file; return DenseVectors."""
    nonempty_vocabulary(corpus, params["min_count"])
    path = corpus_file(corpus)
    gensim_log = logging.getLogger("gensim.models")
    level = gensim_log.level
    if echo_progress and logging.getLogger().isEnabledFor(logging.INFO):
        gensim_log.setLevel(logging.INFO)  # gensim's "EPOCH n - PROGRESS: at x%" lines
    started = time.perf_counter()
    try:
        model = model_class(corpus_file=str(path), **params)
    finally:
        gensim_log.setLevel(level)
    seconds = time.perf_counter() - started
    from .dense import DenseVectors
    tokens = int(corpus.token_ids().ids.size)
    speed = tokens * params["epochs"] / seconds
    log.info("%s: trained on %s tokens x %d epochs in %.1f s: %.0f words/s",
             name, f"{tokens:,}", params["epochs"], seconds, speed)
    return DenseVectors(model.wv, name=name,
                        metadata={"timings": {"train": {"seconds": round(seconds, 3)}},
                                  "words_per_second": round(speed)})


def _word2vec(corpus, sg, dim, window, min_count, negative, hs, sample, epochs, alpha,
              workers, seed, name):
    from gensim.models import Word2Vec
    _check(dim, window, min_count, negative, hs, sample, epochs, alpha, workers)
    return train(Word2Vec, corpus, name, sg=int(sg), vector_size=dim, window=window,
                 min_count=min_count, negative=negative, hs=int(hs), sample=sample,
                 epochs=epochs, alpha=alpha if alpha else (0.025 if sg else 0.05),
                 workers=workers, seed=seed)


_PARAMS_DOC = """
    Parameters
    ----------
    corpus : Corpus
        What to train on.
    dim : int
        Number of dimensions.
    window : int
        Maximum distance between a word and its context (word2vec shrinks it at random).
    min_count : int
        Words seen fewer times are ignored.
    negative : int
        Noise words per example for negative sampling (0: none).
    hs : bool
        Use hierarchical softmax.
    sample : float
        Subsampling threshold for frequent words (0: off).
    epochs : int
        Passes over the corpus.
    alpha : float
        Initial learning rate (default 0.025 for skip-gram, 0.05 for CBOW).
    workers : int
        Training threads.
    seed : int
        Random seed (results repeat exactly only with workers=1).
"""


@representations.register("word2vec", family="distributional")
def build_word2vec(corpus, dim: int = 100, window: int = 5, min_count: int = 5,
                   negative: int = 5, hs: bool = False, sample: float = 1e-3, epochs: int = 5,
                   alpha: float | None = None, workers: int = 2, seed: int = 1):
    return _word2vec(corpus, True, dim, window, min_count, negative, hs, sample, epochs,
                     alpha, workers, seed, "word2vec")


@representations.register("cbow", family="distributional")
def build_cbow(corpus, dim: int = 100, window: int = 5, min_count: int = 5, negative: int = 5,
               hs: bool = False, sample: float = 1e-3, epochs: int = 5,
               alpha: float | None = None, workers: int = 2, seed: int = 1):
    return _word2vec(corpus, False, dim, window, min_count, negative, hs, sample, epochs,
                     alpha, workers, seed, "cbow")


@representations.register("fasttext", family="distributional")
def build_fasttext(corpus, dim: int = 100, window: int = 5, min_count: int = 5,
                   negative: int = 5, hs: bool = False, sample: float = 1e-3, epochs: int = 5,
                   alpha: float | None = None, workers: int = 2, seed: int = 1,
                   min_n: int = 3, max_n: int = 6, bucket: int = 2_000_000):
    from gensim.models import FastText
    _check(dim, window, min_count, negative, hs, sample, epochs, alpha, workers)
    if not 1 <= min_n <= max_n:
        raise UserError(f"character n-grams need 1 <= min_n <= max_n, got {min_n}, {max_n}.",
                        "Use --min-n 3 --max-n 6 (fastText's defaults).")
    return train(FastText, corpus, "fasttext", sg=1, vector_size=dim, window=window,
                 min_count=min_count, negative=negative, hs=int(hs), sample=sample,
                 epochs=epochs, alpha=alpha or 0.025, workers=workers, seed=seed,
                 min_n=min_n, max_n=max_n, bucket=bucket)


build_word2vec.__doc__ = ("Skip-gram word2vec (Mikolov et al. 2013), trained by gensim.\n"
                          + _PARAMS_DOC)
build_cbow.__doc__ = "CBOW word2vec (Mikolov et al. 2013), trained by gensim.\n" + _PARAMS_DOC
build_fasttext.__doc__ = ("fastText skip-gram with character n-grams (Bojanowski et al. 2017), "
                          "trained by gensim.\n" + _PARAMS_DOC + """    min_n : int
        Shortest character n-gram.
    max_n : int
        Longest character n-gram.
    bucket : int
        Hash buckets for n-gram vectors.
""")
