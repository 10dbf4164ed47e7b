"""Count-based representations: counts -> PPMI (sparse vectors) -> SVD (dense vectors).

The stages are separate modules named after their mathematics (:mod:`.cooccurrence`,
:mod:`.pmi`, :mod:`.svd`); this module chains them, caches the counts and the PPMI matrix on
disk under the corpus fingerprint and their own parameters (a sweep over ``dim`` or ``eig``
never recounts), and registers the ``ppmi`` and ``svd`` builders.

Defaults follow Levy, Goldberg & Dagan (2015), "Improving distributional similarity with lessons
learned from word embeddings": a dynamic window of 5, dirty subsampling with t = 1e-5, context
distribution smoothing 0.75, no shift, eigenvalue weighting 0.5; they were not tuned here.
"""
import atexit
import hashlib
import json
import shutil
import tempfile
import time
from pathlib import Path

from .. import budget, cache
from ..corpora.vocabulary import nonempty_vocabulary
from ..errors import UserError
from ..home import cache_dir
from ..params import Bool, Choice, Float, Int
from .methods import representations
from . import cooccurrence
from .cooccurrence import CONTEXTS, WEIGHTINGS, check_window
from .count_store import SPILLS, CountStore, association_blocks, open_csr
from .pmi import check_pmi
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


def _cached(folder, build, timings, stage):
    """A sparse matrix from its cache entry (memory-mapped), or built into it: ``build(tmp)``
    writes the entry's files (:mod:`.count_store`'s CSR folder) into the folder ``tmp``. See
    :mod:`wordrep.cache`: checked on read, a damaged entry rebuilt, one process building at a
    time, a kill leaving no partial entry. Without a folder (a corpus without a fingerprint)
    the matrix is built in a temporary folder, kept until the process ends."""
    started = time.perf_counter()
    computed = []

    def build_into(tmp):
        computed.append(True)
        build(Path(tmp))
        budget.release_free_memory()

    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix=f"wordrep-{stage}-"))
        atexit.register(shutil.rmtree, folder, True)
        build_into(folder)
        matrix = open_csr(folder)
    else:
        matrix = cache.cached(folder, load=open_csr, build=build_into, what=f"{stage} matrix")
    timings[stage] = {"seconds": round(time.perf_counter() - started, 3),
                      "cached": not computed}
    return folder, matrix


def count_matrix(corpus, min_count=5, max_vocab=None, window=5, weighting="dynamic",
                 context="symmetric", subsample=1e-5, delete_rare=True, seed=0, timings=None,
                 memory=None):
    """The vocabulary and its word-by-context co-occurrence counts (cached).

    Parameters
    ----------
    memory : int, optional
        Bytes the partial counts may hold before they are spilled to disk (default: the
        run's budget, :func:`wordrep.budget.current`, which reads ``WORDREP_MEMORY``). The
        counts do not depend on it. Spills go beside the cache entry
        (``.KEY.spills``) and stay there if the count is interrupted: the next run resumes
        from them.

    Returns
    -------
    (Vocabulary, scipy.sparse.csr_matrix)
        The matrix memory-mapped from the cache entry (read-only).
    """
    vocab, folder, matrix = _count_entry(corpus, min_count, max_vocab, window, weighting,
                                         context, subsample, delete_rare, seed, timings, memory)
    return vocab, matrix


def _count_entry(corpus, min_count, max_vocab, window, weighting, context, subsample,
                 delete_rare, seed, timings, memory):
    """count_matrix, and the folder the counts are in (their marginals too)."""
    check_window(window, weighting, context, subsample or None)
    vocab = nonempty_vocabulary(corpus, min_count, max_vocab)
    # version 3: the counts entry is a CSR folder with its exact marginals (count_store)
    params = dict(min_count=min_count, max_vocab=max_vocab, window=window, weighting=weighting,
                  context=context, subsample=subsample or None, delete_rare=delete_rare,
                  seed=seed if subsample else None, stage="counts", version=3)
    entry = _cache_folder(corpus, "counts", params)

    def build(tmp):  # chunk by chunk over the cached token ids, within the memory budget
        if hasattr(corpus, "count_into"):  # a corpus on a Dask cluster counts there (cluster.py)
            return corpus.count_into(tmp, len(vocab), window, weighting, context,
                                     subsample or None, delete_rare, seed)
        spills = (cache.work_folder(entry, SPILLS) if entry is not None
                  else tmp / SPILLS)
        size = memory if memory is not None else budget.current()
        chunk = cooccurrence.chunk_tokens_for(size, window)
        store = CountStore(spills, (len(vocab), len(vocab)), size,
                           meta=dict(params, chunk_tokens=chunk, vocab_size=len(vocab)),
                           symmetric=context == "symmetric")
        cooccurrence.corpus_counts(corpus.token_ids(), len(vocab), window, weighting, context,
                                   subsample or None, delete_rare, seed, chunk_tokens=chunk,
                                   store=store, out=tmp)
        store.remove()

    timings = {} if timings is None else timings
    folder, matrix = _cached(entry, build, timings, "counts")
    return vocab, folder, matrix


def association_matrix(corpus, cds=0.75, neg=1, kind="ppmi", timings=None, memory=None,
                       **count_params):
    """The vocabulary and its (P)PMI matrix (cached), computed a row block at a time with the
    exact marginals of the counts (:func:`.count_store.association_blocks`)."""
    check_pmi(cds, neg, kind)
    timings = {} if timings is None else timings
    vocab, counts_folder, counts = _count_entry(
        corpus, timings=timings, memory=memory,
        **{key: count_params.get(key, value) for key, value in COUNT_DEFAULTS.items()})
    if kind == "counts":
        return vocab, counts
    # version 3: marginals summed exactly (version 2 summed float32 counts in float32)
    params = dict(count_params, cds=cds, neg=neg, kind=kind, stage="pmi", version=3)
    _, matrix = _cached(
        _cache_folder(corpus, "pmi", params),
        lambda tmp: getattr(corpus, "association_into", association_blocks)(
            counts_folder, tmp, cds, neg, kind,
            memory if memory is not None else budget.current()),
        timings, "pmi")
    return vocab, matrix


COUNT_DEFAULTS = dict(min_count=5, max_vocab=None, window=5, weighting="dynamic",
                      context="symmetric", subsample=1e-5, delete_rare=True, seed=0)


# The builders' docstrings are assembled at the end of the module from one shared text.
@representations.register("ppmi", family="distributional", corpus=True, params=COUNT_PARAMS)
def build_ppmi(corpus, min_count: int = 5, max_vocab: int | None = None, window: int = 5,
               weighting: str = "dynamic", context: str = "symmetric",
               subsample: float = 1e-5, delete_rare: bool = True, cds: float = 0.75,
               neg: float = 1.0, seed: int = 0):
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
              cds: float = 0.75, neg: float = 1.0, seed: int = 0):
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
