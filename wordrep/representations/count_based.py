"""Count-based representations: counts -> PPMI (sparse vectors) -> SVD (dense vectors).

The stages are separate modules named after their mathematics (:mod:`.cooccurrence`,
:mod:`.pmi`, :mod:`.svd`); this module chains them, caches the counts and the PPMI matrix on
disk under the corpus fingerprint and their own parameters (a sweep over ``dim`` or ``eig``
never recounts), and registers the ``ppmi`` and ``svd`` builders.

Defaults follow Levy, Goldberg & Dagan (2015), "Improving distributional similarity with lessons
learned from word embeddings": a dynamic window of 5, dirty subsampling with t = 1e-5, context
distribution smoothing 0.75, no shift, eigenvalue weighting 0.5; they were not tuned here.
"""
import hashlib
import json
import time

import numpy as np
import scipy.sparse as sp

from .. import cache
from ..corpora.vocabulary import nonempty_vocabulary
from ..errors import UserError
from ..home import cache_dir
from ..params import Bool, Choice, Float, Int
from .methods import representations
from .cooccurrence import CONTEXTS, WEIGHTINGS, check_window, corpus_counts
from .pmi import check_pmi, pmi
from .sparse import SparseVectors
from .svd import SOLVERS, check_svd, embed, truncated_svd

# What the counts, and so both builders, take: declared once.
COUNT_PARAMS = {
    "min_count": Int(low=1), "max_vocab": Int(low=1, optional=True), "window": Int(low=1),
    "weighting": Choice(*WEIGHTINGS), "context": Choice(*CONTEXTS),
    "subsample": Float(low=0, high=1, open_high=True),  # 0: keep every token
    "delete_rare": Bool(), "cds": Float(low=0, open_low=True), "neg": Float(low=1),
    "seed": Int(low=0),
}
SVD_PARAMS = {
    "dim": Int(low=1), "eig": Float(low=0, high=1), "w_plus_c": Bool(),
    "solver": Choice(*SOLVERS), "power_iterations": Int(low=0, optional=True),
    "oversample": Int(low=0),
}


def _cache_folder(corpus, stage, params):
    key = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]
    fingerprint = getattr(corpus, "fingerprint", None)
    return cache_dir(stage, fingerprint) / key if fingerprint else None


def _cached(folder, compute, timings, stage):
    """A sparse matrix from its cache entry, or computed and cached (see :mod:`wordrep.cache`:
    checked on read, a damaged entry recomputed, one process computing at a time)."""
    started = time.perf_counter()
    computed = []

    def build():
        computed.append(True)
        return compute()

    if folder is None:
        matrix = build()
    else:
        # Written in the background while the next stage computes; atomic, so a kill leaves no
        # partial entry, and a failed write (a full disk) only warns.
        matrix = cache.cached(folder, load=_load_matrix, build=build, save=_save_matrix,
                              background=True, what=f"{stage} matrix")
    timings[stage] = {"seconds": round(time.perf_counter() - started, 3),
                      "cached": not computed}
    return matrix


def _save_matrix(folder, matrix):
    sp.save_npz(folder / "matrix.npz", matrix, compressed=False)


def _load_matrix(folder):
    return sp.load_npz(folder / "matrix.npz").tocsr()


def count_matrix(corpus, min_count=5, max_vocab=None, window=5, weighting="dynamic",
                 context="symmetric", subsample=1e-5, delete_rare=True, seed=0, timings=None):
    """The vocabulary and its word-by-context co-occurrence counts (cached).

    Returns
    -------
    (Vocabulary, scipy.sparse.csr_matrix)
    """
    check_window(window, weighting, context, subsample or None)
    vocab = nonempty_vocabulary(corpus, min_count, max_vocab)
    params = dict(min_count=min_count, max_vocab=max_vocab, window=window, weighting=weighting,
                  context=context, subsample=subsample or None, delete_rare=delete_rare,
                  seed=seed if subsample else None, stage="counts", version=2)

    def compute():  # chunk by chunk over the cached token ids: memory does not grow with them
        return corpus_counts(corpus.token_ids(), len(vocab), window, weighting, context,
                             subsample or None, delete_rare, seed)

    timings = {} if timings is None else timings
    return vocab, _cached(_cache_folder(corpus, "counts", params), compute, timings, "counts")


def association_matrix(corpus, cds=0.75, neg=1, kind="ppmi", timings=None, **count_params):
    """The vocabulary and its (P)PMI matrix (cached)."""
    check_pmi(cds, neg, kind)
    timings = {} if timings is None else timings
    vocab, counts = count_matrix(corpus, timings=timings, **count_params)
    if kind == "counts":
        return vocab, counts
    # version 2: counts summed exactly (version 1 summed float32 weights, chunk by chunk)
    params = dict(count_params, cds=cds, neg=neg, kind=kind, stage="pmi", version=2)
    matrix = _cached(_cache_folder(corpus, "pmi", params), lambda: pmi(counts, cds, neg, kind),
                     timings, "pmi")
    return vocab, matrix


# The builders' docstrings are assembled at the end of the module from one shared text.
@representations.register("ppmi", family="distributional", corpus=True, params=COUNT_PARAMS)
def build_ppmi(corpus, min_count: int = 5, max_vocab: int | None = None, window: int = 5,
               weighting: str = "dynamic", context: str = "symmetric",
               subsample: float = 1e-5, delete_rare: bool = True, cds: float = 0.75,
               neg: float = 1, seed: int = 0):
    timings = {}
    vocab, matrix = association_matrix(
        corpus, cds=cds, neg=neg, kind="ppmi", timings=timings, min_count=min_count,
        max_vocab=max_vocab, window=window, weighting=weighting, context=context,
        subsample=subsample, delete_rare=delete_rare, seed=seed)
    return SparseVectors(vocab.words, matrix, name="ppmi", metadata={"timings": timings})


@representations.register("svd", family="distributional", corpus=True,
                          params={**SVD_PARAMS, **COUNT_PARAMS})
def build_svd(corpus, dim: int = 300, eig: float = 0.5, w_plus_c: bool = False,
              solver: str = "krylov", power_iterations: int | None = None, oversample: int = 60,
              min_count: int = 5,
              max_vocab: int | None = None, window: int = 5, weighting: str = "dynamic",
              context: str = "symmetric", subsample: float = 1e-5, delete_rare: bool = True,
              cds: float = 0.75, neg: float = 1, seed: int = 0):
    check_svd(dim, len(nonempty_vocabulary(corpus, min_count, max_vocab)), eig, solver,
              power_iterations)
    timings = {}
    vocab, matrix = association_matrix(
        corpus, cds=cds, neg=neg, kind="ppmi", timings=timings, min_count=min_count,
        max_vocab=max_vocab, window=window, weighting=weighting, context=context,
        subsample=subsample, delete_rare=delete_rare, seed=seed)
    started = time.perf_counter()
    u, s, vt = truncated_svd(matrix, dim, solver, power_iterations, oversample, seed=seed,
                             right=w_plus_c)
    timings["svd"] = {"seconds": round(time.perf_counter() - started, 3)}
    vectors = embed(u, s, vt, eig, w_plus_c)
    from .dense import DenseVectors  # gensim: imported when a dense model is made, not before
    return DenseVectors.from_arrays(vocab.words, vectors, name="svd",
                                    metadata={"timings": timings,
                                              "singular_values": s[:10].round(4).tolist()})


# The count parameters mean the same for both builders: documented once.
_COUNT_PARAMS_DOC = """    min_count : int
        Words seen fewer times are left out (and are not contexts).
    max_vocab : int, optional
        Keep at most this many words, the most frequent.
    window : int
        Context words on each side.
    weighting : str
        How a context at distance d counts: uniform, harmonic (1/d) or dynamic ((L-d+1)/L).
    context : str
        symmetric, left or right context.
    subsample : float
        word2vec's subsampling threshold t, applied before windowing; 0 keeps every token.
    delete_rare : bool
        Remove rare words before windowing (Levy et al.'s dirty variant) instead of skipping them.
    cds : float
        Context distribution smoothing exponent.
    neg : float
        Shift PMI by log(neg).
"""
build_ppmi.__doc__ = """Sparse PPMI vectors: each word's row of the positive PMI matrix (Levy et al. 2015).

    Parameters
    ----------
    corpus : Corpus
        What to count in.
""" + _COUNT_PARAMS_DOC + """    seed : int
        Seed of the subsampling draws.
"""
build_svd.__doc__ = """Dense vectors from a truncated SVD of the PPMI matrix (Levy et al. 2015).

    Parameters
    ----------
    corpus : Corpus
        What to count in.
    dim : int
        Number of dimensions.
    eig : float
        Eigenvalue weighting p in [0, 1]: vectors are U S^p (Levy et al. try 0, 0.5 and 1).
    w_plus_c : bool
        Add the context vectors V S^p to the word vectors.
    solver : str
        krylov (randomized block Krylov, seeded), randomized (Halko et al.'s subspace
        iteration, seeded) or arpack (scipy's svds, exact, slower).
    power_iterations : int, optional
        Multiplications by A A^T. krylov stops by itself once the singular values change by
        less than 1e-5 between estimates (on wiki17m, dim 300: after about 42, matching
        ARPACK's to 1e-6); this is then its limit (by default enough for 10 dim columns,
        and at least 1,024). randomized takes 6.
    oversample : int
        Extra directions the randomized solver tracks beyond ``dim``; with 6 iterations and
        60 extra, the 300 vectors of wiki17m score within 0.001 of ARPACK's.
""" + _COUNT_PARAMS_DOC + """    seed : int
        Seed of the subsampling draws and of the randomized solvers.
"""
