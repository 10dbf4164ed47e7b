"""A graph embedding of WordNet's lemmas, after Saedi et al. 2018 ("WordNet Embeddings").

Every WordNet lemma is a node; WordNet's relations are weighted edges between lemmas (two lemmas
are linked when they share a synset, when a lexical relation links them, or when a semantic
relation links synsets they belong to). Following the paper, a lemma's vector summarizes how
easily a random walk reaches every other lemma:

1. ``A``: the weighted adjacency matrix (an edge takes the largest weight of the relations
   that make it); ``P = D^-1 A``, the transition matrix of a random walk.
2. ``G = sum_{r=0..R} (alpha P)^r``: walks of every length up to ``R``, a longer walk counting
   less (``alpha < 1``). The paper's limit, ``(I - alpha P)^-1``, is a dense 147k x 147k
   matrix (170 GB); the series is truncated at ``R`` and, after each product, each row keeps
   only its ``max_row_nonzeros`` largest entries, so every matrix stays sparse.
3. PPMI of ``G`` (as if ``G`` were a co-occurrence matrix), then a truncated SVD:
   ``vectors = U_k S_k^eig``.

Examples
--------
>>> rep = build_wordnet_graph(dim=50, pos="r")      # the adverbs: seconds (all lemmas: a minute)
>>> rep.dim, "quickly" in rep, "dog" in rep
(50, True, False)
>>> near, far = rep.similarity([("quickly", "rapidly"), ("quickly", "reluctantly")])
>>> bool(near > far)
True
"""
import logging
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

from ..errors import UserError
from ..params import Float, Int, Letters, Object, Weights
from .methods import representations
from .pmi import pmi
from .svd import randomized_svd
from .wordnet_index import POS_NAMES, RELATIONS, WordNetIndex, check_relations

log = logging.getLogger(__name__)

# Saedi et al.'s weights: synonymy, hypernymy, hyponymy and antonymy 1; meronymy and holonymy
# 0.8; every other relation 0.5.
DEFAULT_WEIGHTS = {rel: 0.5 for rel in RELATIONS}
DEFAULT_WEIGHTS.update(synonym=1.0, hypernym=1.0, hyponym=1.0, antonym=1.0,
                       meronym=0.8, holonym=0.8)


@representations.register("wordnet-graph", family="WordNet-derived", corpus=False, params={
    "alpha": Float(low=0, high=1, open_low=True, open_high=True), "R": Int(low=1),
    "dim": Int(low=1), "eig": Float(low=0, high=1),
    "weights": Weights(*RELATIONS, optional=True), "pos": Letters(letters="".join(POS_NAMES),
                                                                   optional=True),
    "max_row_nonzeros": Int(low=1), "seed": Int(low=0), "wordnet": Object(optional=True)})
def build_wordnet_graph(corpus=None, alpha=0.75, R=3, dim=300, eig=0.5, weights=None,
                        pos=None, max_row_nonzeros=30, seed=0, wordnet=None):
    """Dense vectors for every WordNet lemma from random walks over the WordNet graph.

    Parameters
    ----------
    corpus : ignored
        The graph is WordNet's; a corpus is accepted for the builders' common signature.
    alpha : float
        Decay per step of a walk, in (0, 1).
    R : int
        Longest walk counted (the series is truncated after ``R`` products), >= 1.
    dim : int
        Dimensions of the vectors (the SVD rank).
    eig : float
        Exponent of the singular values in the vectors (0: ``U`` alone, 1: ``U S``).
    weights : dict, optional
        Relation -> edge weight; replaces the defaults of the relations it names (weight 0
        drops a relation). Relations: see :data:`wordrep.representations.wordnet_index.RELATIONS`.
    pos : str, optional
        Only lemmas of these parts of speech (``"n"``, ``"nv"``...); all by default.
    max_row_nonzeros : int
        Each row of each power of ``P`` keeps only its largest entries, to stay sparse.
    seed : int
        Seed of the randomized SVD.
    wordnet : WordNetCorpusReader, optional
        The located WordNet by default.

    Returns
    -------
    DenseVectors
    """
    _check_range("alpha", alpha, 0, 1, open_low=True, open_high=True)
    if not isinstance(R, int) or R < 1:
        raise UserError(f"R must be a whole number >= 1, got {R!r}.", "R is the longest walk.")
    if not isinstance(dim, int) or dim < 1:
        raise UserError(f"dim must be a whole number >= 1, got {dim!r}.", "Try dim=300.")
    index = WordNetIndex.get(wordnet)
    relation_weights = dict(DEFAULT_WEIGHTS)
    if weights:
        check_relations(weights)
        relation_weights.update(weights)
    keep = np.flatnonzero(index.lemma_mask(pos))
    words = [index.lemmas[i] for i in keep]
    if dim >= len(words):
        raise UserError(f"dim={dim} is not below the number of lemmas ({len(words)}).",
                        "Use a smaller dim.")
    adjacency = lemma_graph(index, relation_weights)[keep][:, keep]
    walks = walk_series(adjacency, alpha, R, max_row_nonzeros)
    # Saedi et al. take plain PPMI of the walk matrix: no context smoothing, no shift.
    vectors = svd_vectors(pmi(walks, cds=1, neg=1, kind="ppmi"), dim, eig, seed)
    return _dense().from_arrays(words, vectors, name="wordnet-graph",
                                    metadata={"method": "wordnet-graph",
                                              "relation_weights": relation_weights})


def lemma_graph(index, weights):
    """Weighted lemma adjacency: each edge takes the largest weight of the relations making it."""
    graph = None
    for relation, weight in weights.items():
        if weight <= 0:
            continue
        edges = index.lemma_matrix(relation) * np.float32(weight)
        graph = edges if graph is None else graph.maximum(edges)
    if graph is None:
        raise UserError("every relation weight is 0, so the WordNet graph has no edges.",
                        "Give at least one relation a positive weight.")
    # Lexical pointers are not all mirrored in WordNet; a walk should go both ways.
    return sp.csr_array(graph.maximum(graph.T))


def walk_series(adjacency, alpha, R, max_row_nonzeros):
    """``sum_{r=0..R} (alpha P)^r`` with ``P`` the row-normalized ``adjacency``, kept sparse."""
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    inverse = np.divide(alpha, degree, out=np.zeros_like(degree, dtype=np.float64),
                        where=degree > 0)
    step = sp.csr_array(sp.diags_array(inverse.astype(np.float32)) @ adjacency)
    total = sp.eye_array(adjacency.shape[0], dtype=np.float32, format="csr")
    power = total
    for r in range(R):
        power = pruned_product(power, step, max_row_nonzeros)
        total = total + power
        log.info("walk series: power %d, %d non-zeros", r + 1, power.nnz)
    return sp.csr_array(total)


def pruned_product(left, right, k, block_rows=8192):
    """``keep_largest(left @ right, k)``, a block of rows at a time, on every core.

    The unpruned product of the third power holds about 100 million entries, twenty times
    what is kept: by blocks it never exists whole, and the blocks' sparse products and sorts
    (which release the GIL) run on threads side by side.
    """
    left, right = sp.csr_array(left), sp.csr_array(right)
    starts = range(0, left.shape[0], block_rows)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        blocks = list(pool.map(lambda i: keep_largest(left[i:i + block_rows] @ right, k),
                               starts))
    return sp.csr_array(sp.vstack(blocks, format="csr"))


def keep_largest(matrix, k):
    """``matrix`` with only the ``k`` largest entries of each row (CSR, vectorized).

    Sorting every entry is the slow way (a third walk power holds 100 million). Instead a
    histogram of each row's values on a log scale finds the bin that holds its ``k``-th
    largest; only entries from that bin up are candidates, and only they are sorted. Ties are
    kept in column order, as a stable sort of the whole row would.
    """
    matrix = sp.csr_array(matrix)
    counts = np.diff(matrix.indptr)
    if counts.max(initial=0) <= k:
        return matrix
    rows = np.repeat(np.arange(matrix.shape[0], dtype=np.int32), counts)
    data = matrix.data
    level = _log_levels(data)
    candidate = level >= _level_of_kth_largest(rows, level, counts, k)[rows]
    rows, data, columns = rows[candidate], data[candidate], matrix.indices[candidate]
    order = np.lexsort((-data, rows))  # by row, largest first within a row, ties stable
    starts = np.searchsorted(rows, np.arange(matrix.shape[0]))
    rank = np.arange(len(order)) - starts[rows[order]]
    kept = order[rank < k]
    return sp.csr_array((data[kept], (rows[kept], columns[kept])), shape=matrix.shape)


def _log_levels(data):
    """Bins of a log scale, four to a doubling, from the float32 bits; 0 for values <= 0.

    A positive float32 read as an int32 grows with the value; dropping all but the exponent
    and the two leading mantissa bits leaves about a quarter octave per bin, without a log.
    """
    bits = np.asarray(data, dtype=np.float32).view(np.int32) >> 21
    low = max(int(bits.min(initial=1)), 1)
    return np.maximum(bits - (low - 1), 0)


def _level_of_kth_largest(rows, level, counts, k):
    """Per row, the level that holds its ``k``-th largest entry (0 for rows of <= k)."""
    n_levels = int(level.max()) + 1
    # int64: rows x levels passes int32's range for a matrix of a few million rows.
    histogram = np.bincount(rows.astype(np.int64) * n_levels + level,
                            minlength=len(counts) * n_levels)
    at_or_above = histogram.reshape(len(counts), n_levels)[:, ::-1].cumsum(axis=1)
    return np.where(counts > k, n_levels - 1 - np.argmax(at_or_above >= k, axis=1), 0)


def svd_vectors(matrix, dim, eig, seed, n_iter=4):
    """``U_dim S_dim^eig`` of ``matrix``, with a sign convention that makes it reproducible."""
    u, s, _ = randomized_svd(matrix, dim, power_iterations=n_iter, oversample=10, seed=seed)
    # An SVD's signs are arbitrary: make each column's largest entry positive.
    signs = np.sign(u[np.abs(u).argmax(axis=0), np.arange(u.shape[1])])
    signs[signs == 0] = 1
    return np.ascontiguousarray(u * signs * (s ** eig).astype(np.float32))


def _check_range(name, value, low, high, open_low=False, open_high=False):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok:
        ok = (value > low if open_low else value >= low) and \
             (value < high if open_high else value <= high)
    if not ok:
        left, right = "(" if open_low else "[", ")" if open_high else "]"
        raise UserError(f"{name} must be in {left}{low}, {high}{right}, got {value!r}.",
                        f"Choose a {name} in that range.")


def _dense():
    # DenseVectors imports gensim (about a second): only when vectors are built, not on import.
    from .dense import DenseVectors
    return DenseVectors
