"""Retrofitting word vectors to WordNet (Faruqui et al. 2015), with optional antonym repulsion.

Retrofitting moves each vector towards its WordNet neighbours while keeping it close to where
it started. With ``Q_hat`` the original (unit-length) vectors, ``A`` the lexicon's adjacency over
the model's words and ``beta_ij = beta / degree_i``, every iteration sets at once

    ``Q <- (alpha Q_hat + B Q) / (alpha + sum_j beta_ij)``,  ``B = diag(beta / degree) A``,

one sparse-dense product per iteration for the whole vocabulary: Faruqui et al.'s update, done
for all words simultaneously (Jacobi) instead of word after word; it converges to the same
fixed point. Words the lexicon does not link keep their vectors.

``antonyms=True`` adds counter-fitting's antonym repulsion (Mrkšić et al. 2016): after each
update, every WordNet antonym pair whose cosine distance is below ``delta`` is pushed apart by
a gradient step of size ``repel`` on ``max(0, delta - (1 - cos(u, v)))``.

``wordnet_vectors`` appends a WordNet embedding (a ``wordnet-graph`` model, say) to every
retrofitted vector, scaled by ``wordnet_weight``: the concatenation of text and WordNet vectors
that Goikoetxea, Agirre & Soroa (2016) found to beat either alone. Retrofitting only moves
words along WordNet's direct links; the graph embedding brings what the whole graph knows, and
unlike retrofitting it also separates words that text puts together for being related rather
than alike. Each half is unit-length before weighting, so ``wordnet_weight`` is the share of the
cosine that WordNet decides; words WordNet does not know get zeros there and are compared by
their text half alone.

Examples
--------
Three words, orthogonal to start with; WordNet makes *car* and *automobile* synonyms:

>>> from wordrep.representations.dense import DenseVectors
>>> vectors = DenseVectors.from_arrays(["car", "automobile", "banana"], np.eye(3), name="toy")
>>> hybrid = build_retrofit(vectors=vectors, relations=("synonym", "hypernym"))
>>> hybrid.metadata["parents"]
['toy', 'wordnet:synonym+hypernym']
>>> hybrid.similarity([("car", "automobile"), ("car", "banana")]).round(2)
array([0.8, 0. ])
"""
import numpy as np
import scipy.sparse as sp

from ..errors import UserError
from ..params import Bool, Float, Int, Names, Object, Representation
from .methods import representations
from .base import VectorRepresentation
from .wordnet_graph import _check_range
from .wordnet_index import RELATIONS, WordNetIndex, check_relations


@representations.register("retrofit", family="hybrid", corpus=False, params={
    "vectors": Representation(), "relations": Names(*RELATIONS),
    "alpha": Float(low=0, open_low=True), "beta": Float(low=0), "iterations": Int(low=1),
    "antonyms": Bool(), "repel": Float(low=0), "delta": Float(low=0, high=2),
    "lowercase": Bool(), "wordnet_vectors": Representation(optional=True),
    "wordnet_weight": Float(low=0, open_low=True), "allow_pickle": Bool(),
    "wordnet": Object(optional=True)})
def build_retrofit(corpus=None, vectors=None, relations=("synonym", "hypernym", "hyponym"),
                   alpha=1.0, beta=1.0, iterations=10, antonyms=False, repel=0.1, delta=1.0,
                   lowercase=True, wordnet_vectors=None, wordnet_weight=0.6, allow_pickle=False,
                   wordnet=None):
    """Retrofit a vector representation to WordNet: a new representation, both parents named.

    Parameters
    ----------
    corpus : ignored
        Retrofitting starts from vectors, not a corpus; accepted for the common signature.
    vectors : VectorRepresentation, gensim KeyedVectors, or str/Path
        The model to start from; a path is read with :func:`wordrep.storage.load`.
    relations : sequence of str
        The WordNet relations that link words (``synonym``, ``hypernym``, ``hyponym``...).
    alpha : float
        Weight of a word's original vector, > 0.
    beta : float
        Total weight of a word's neighbours (split evenly among them), >= 0.
    iterations : int
        Number of updates, >= 1 (Faruqui et al. use 10).
    antonyms : bool
        Push WordNet antonyms apart, as counter-fitting does.
    repel : float
        Step size of the antonym repulsion.
    delta : float
        Antonyms closer than this cosine distance are pushed apart (1: until orthogonal).
    lowercase : bool
        Match model words to WordNet lemmas case-insensitively (WordNet's lemmas are
        lower-cased), so *Paris* and *paris* both find ``paris``.
    allow_pickle : bool
        Allow a gensim pickle (.kv/.model) as ``vectors``: unpickling can run code stored in
        the file, so only for files you trust.
    wordnet_vectors : VectorRepresentation or str/Path, optional
        A WordNet embedding (e.g. a saved wordnet-graph model) appended to each retrofitted
        vector, as Goikoetxea et al. (2016) combine text and WordNet vectors.
    wordnet_weight : float
        Scale of the appended WordNet half, > 0 (0.6: chosen on the dev benchmarks, MEN,
        SimVerb-3500, RG-65 and the WS353 splits, for wiki17m PPMI-SVD + wordnet-graph).
    wordnet : WordNetCorpusReader, optional
        The located WordNet by default.

    Returns
    -------
    DenseVectors
        Retrofitted vectors, same vocabulary and order as ``vectors``: unit-length, or with
        ``wordnet_vectors`` a unit-length text half followed by the weighted WordNet half.

    Raises
    ------
    UserError
        Bad parameters, an unknown relation, or a lexicon that links none of the model's words.
    """
    if vectors is None:
        raise UserError("retrofit needs the vectors to start from.",
                        "Give vectors=PATH (a saved model or word2vec file) or a representation.")
    relations = [relations] if isinstance(relations, str) else list(relations)
    check_relations(relations)
    _check_range("alpha", alpha, 0, np.inf, open_low=True, open_high=True)
    _check_range("beta", beta, 0, np.inf, open_high=True)
    if not isinstance(iterations, int) or iterations < 1:
        raise UserError(f"iterations must be a whole number >= 1, got {iterations!r}.",
                        "Faruqui et al. use 10.")
    _check_range("wordnet_weight", wordnet_weight, 0, np.inf, open_low=True, open_high=True)
    source = _as_dense(vectors, allow_pickle)
    appended = None if wordnet_vectors is None else _as_dense(wordnet_vectors, allow_pickle)
    words = source.vocabulary
    index = WordNetIndex.get(wordnet)
    mapping = word_to_lemma(words, index, lowercase)
    adjacency = model_graph(mapping, [index.lemma_matrix(r) for r in relations])
    if adjacency.nnz == 0:
        raise UserError(f"the WordNet lexicon ({', '.join(relations)}) links none of the "
                        f"{len(words)} words of {source.name!r}.",
                        "Check that the model's words are English words (WordNet lemmas use "
                        "'_' for spaces), or add relations.")
    antonym_graph = model_graph(mapping, [index.lemma_matrix("antonym")]) if antonyms else None
    matrix = retrofit_matrix(np.asarray(source._matrix, dtype=np.float32), adjacency, alpha,
                             beta, iterations, antonym_graph, repel, delta)
    lexicon = "wordnet:" + "+".join(relations + (["-antonym"] if antonyms else []))
    metadata = {"method": "retrofit",
                "parents": [source.metadata.get("method") or source.name, lexicon],
                "parent_metadata": source.metadata,
                "linked_words": int(np.count_nonzero(np.diff(adjacency.indptr)))}
    if appended is not None:
        matrix, known = append_vectors(words, matrix, appended, wordnet_weight, lowercase)
        metadata["parents"].append(appended.metadata.get("method") or appended.name)
        metadata["appended"] = {"name": appended.name, "weight": wordnet_weight,
                                "dim": appended.dim, "known_words": known}
    return _dense().from_arrays(words, matrix, name="retrofit", metadata=metadata)


retrofit = build_retrofit


def word_to_lemma(words, index, lowercase=True):
    """``(n_words, n_lemmas)`` 0/1 matrix: which WordNet lemma each model word is."""
    rows, cols = [], []
    for i, word in enumerate(words):
        key = word.lower() if lowercase else word
        j = index.lemma_index.get(key)
        if j is not None:
            rows.append(i)
            cols.append(j)
    return sp.csr_array((np.ones(len(rows), np.float32), (rows, cols)),
                        shape=(len(words), len(index.lemmas)))


def model_graph(mapping, lemma_graphs):
    """Adjacency over the model's words: linked when their lemmas are linked by any graph."""
    lemmas = sum(lemma_graphs)
    linked = sp.csr_array(mapping @ lemmas @ mapping.T)
    linked.setdiag(0)
    linked.eliminate_zeros()
    linked.data[:] = 1.0
    return linked


def retrofit_matrix(vectors, adjacency, alpha=1.0, beta=1.0, iterations=10, antonyms=None,
                    repel=0.1, delta=1.0):
    """Retrofit the rows of ``vectors`` along ``adjacency``; see the module notes.

    Parameters
    ----------
    vectors : ndarray, shape (n, dim)
    adjacency : scipy.sparse, shape (n, n)
        1 where two words are neighbours in the lexicon.
    antonyms : scipy.sparse, shape (n, n), optional
        1 where two words are antonyms: pushed apart after each update.

    Returns
    -------
    ndarray, shape (n, dim), float32, rows of unit length
    """
    original = _unit_rows(vectors)
    degree = np.asarray(adjacency.sum(axis=1), dtype=np.float32).ravel()
    weight = np.divide(beta, degree, out=np.zeros_like(degree), where=degree > 0)
    neighbours = sp.csr_array(sp.diags_array(weight) @ adjacency, dtype=np.float32)
    denominator = (alpha + weight * degree)[:, None]  # alpha + sum_j beta_ij
    current = original
    for _ in range(iterations):
        current = (alpha * original + neighbours @ current) / denominator
        if antonyms is not None and antonyms.nnz:
            current = repel_antonyms(current, antonyms, repel, delta)
    return _unit_rows(current)


def append_vectors(words, matrix, other, weight, lowercase=True):
    """``[matrix | weight * other's unit vector]`` row by row, zeros where ``other`` lacks a word.

    Returns the joined matrix and how many of ``words`` ``other`` knows.
    """
    found = other._lookup([w.lower() for w in words] if lowercase else words)
    rows = np.flatnonzero(found >= 0)
    joined = np.zeros((len(words), matrix.shape[1] + other.dim), dtype=np.float32)
    joined[:, :matrix.shape[1]] = matrix
    joined[rows, matrix.shape[1]:] = weight * _unit_rows(
        np.asarray(other._matrix[found[rows]], dtype=np.float32))
    return joined, len(rows)


def repel_antonyms(vectors, antonyms, step, delta):
    """One gradient step pushing apart antonyms closer than ``delta`` in cosine distance."""
    unit = _unit_rows(vectors)
    coo = sp.coo_array(antonyms)
    cosine = np.einsum("ij,ij->i", unit[coo.row], unit[coo.col])
    close = (1.0 - cosine) < delta
    if not close.any():
        return vectors
    active = sp.csr_array((np.ones(close.sum(), np.float32),
                           (coo.row[close], coo.col[close])), shape=antonyms.shape)
    # d cos(u, v) / du for unit u is v - cos(u, v) u: step against it, for every violating pair.
    pull = active @ unit
    gradient = pull - np.einsum("ij,ij->i", pull, unit)[:, None] * unit
    return unit - step * gradient


def _unit_rows(matrix):
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def _as_dense(vectors, allow_pickle=False):
    if isinstance(vectors, VectorRepresentation):
        if vectors.kind != "dense":
            raise UserError(f"retrofit needs dense vectors; {vectors.name!r} is sparse.",
                            "Reduce it to dense vectors first (e.g. with an SVD).")
        return vectors
    if hasattr(vectors, "index_to_key") or hasattr(vectors, "wv"):
        return _dense()(vectors, name="vectors")
    from ..storage import load
    return _as_dense(load(vectors, allow_pickle=allow_pickle))


def _dense():
    # DenseVectors imports gensim (about a second): only when vectors are built, not on import.
    from .dense import DenseVectors
    return DenseVectors
