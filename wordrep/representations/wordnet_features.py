"""WordNet feature vectors: a word is the set of its synsets and their hypernyms, weighted.

Row ``w`` of the feature matrix has a column for every synset: the synsets ``w`` belongs to
and their hypernyms (instance hypernyms included) up to ``depth`` steps up. Two words are
similar when they share specific ancestors: *dog* and *cat* meet at *carnivore*, *dog* and
*car* only at *whole, unit* and *entity*.

Weighting
---------
- Senses: each of a word's synsets weighs ``1 / n_senses``, so a word with 30 senses is not
  30 times longer than a word with one.
- Distance: an ancestor ``d`` steps above a sense weighs ``decay ** d``: the closer a
  hypernym, the more it says about the word.
- ``weighting="idf"`` (default) multiplies each column by ``log(n_words / n_words_under)``, the
  information content of the synset estimated from how many lemmas it covers. Without it the
  top of the hierarchy (*entity*, *physical entity*, *object*), shared by every noun, dominates
  every cosine; with it, a shared specific ancestor counts more than a shared generic one,
  which is what Resnik's and Lin's measures do with corpus frequencies. Lemma counts are used
  rather than corpus counts so that the vectors need no corpus and cover every lemma.
  ``weighting="none"`` keeps the raw weights.

An optional truncated SVD (``dim``) turns the sparse rows into dense vectors.

Examples
--------
>>> rep = build_wordnet_features()
>>> rep.similarity([("dog", "cat"), ("dog", "car")]).round(2)
array([0.03, 0.  ])
"""
import numpy as np
import scipy.sparse as sp

from ..errors import UserError
from ..params import Choice, Float, Int, Letters, Names, Object
from .methods import representations
from .sparse import SparseVectors
from .wordnet_graph import _check_range, svd_vectors
from .wordnet_index import POS_NAMES, RELATIONS, WordNetIndex, check_pos, check_relations

WEIGHTINGS = ("idf", "none")


@representations.register("wordnet-features", family="WordNet-derived", corpus=False, params={
    "pos": Letters(letters="".join(POS_NAMES), optional=True), "depth": Int(low=0, optional=True),
    "decay": Float(low=0, high=1, open_low=True), "weighting": Choice(*WEIGHTINGS),
    "relations": Names(*RELATIONS), "dim": Int(low=1, optional=True), "eig": Float(low=0, high=1),
    "seed": Int(low=0), "wordnet": Object(optional=True)})
def build_wordnet_features(corpus=None, pos=None, depth=None, decay=0.7, weighting="idf",
                           relations=("hypernym", "similar"), dim=None, eig=0.5, seed=0,
                           wordnet=None):
    """Sparse synset/hypernym feature vectors for every WordNet lemma; optionally SVD-reduced.

    Parameters
    ----------
    corpus : ignored
        The features are WordNet's; a corpus is accepted for the builders' common signature.
    pos : str, optional
        Only these parts of speech (``"n"``, ``"nv"``...), for the words and their synsets;
        all by default.
    depth : int, optional
        How many hypernym steps above each sense to include; None: up to the root.
    decay : float
        Weight factor per step up, in (0, 1].
    weighting : {"idf", "none"}
        Column weighting, see the module notes.
    relations : sequence of str
        The relations followed upwards from each sense. ``hypernym`` builds the hierarchy of
        nouns and verbs; adjectives have none, and ``similar`` (a satellite adjective to its
        head, and the head to its satellites) gives them their cluster instead: without it,
        *smart* and *intelligent* share no feature.
    dim : int, optional
        Reduce to this many dense dimensions by truncated SVD; sparse vectors when None.
    eig : float
        With ``dim``: exponent of the singular values in the vectors.
    seed : int
        With ``dim``: seed of the randomized SVD.
    wordnet : WordNetCorpusReader, optional
        The located WordNet by default.

    Returns
    -------
    SparseVectors, or DenseVectors when ``dim`` is given
    """
    letters = check_pos(pos)
    if depth is not None and (not isinstance(depth, int) or depth < 0):
        raise UserError(f"depth must be a whole number >= 0 or None, got {depth!r}.",
                        "depth=0 keeps only the word's own synsets; None goes up to the root.")
    _check_range("decay", decay, 0, 1, open_low=True)
    if weighting not in WEIGHTINGS:
        raise UserError(f"unknown weighting {weighting!r}.", f"Use one of: {', '.join(WEIGHTINGS)}.")
    relations = [relations] if isinstance(relations, str) else list(relations)
    check_relations(relations)
    index = WordNetIndex.get(wordnet)
    words, features = feature_matrix(index, letters, depth, decay, weighting, relations)
    metadata = {"method": "wordnet-features", "n_features": features.shape[1]}
    if dim is None:
        return SparseVectors(words, features, name="wordnet-features", metadata=metadata)
    if not isinstance(dim, int) or not 1 <= dim < min(features.shape):
        raise UserError(f"dim must be a whole number in [1, {min(features.shape) - 1}], "
                        f"got {dim!r}.", "Or leave it out for sparse vectors.")
    vectors = svd_vectors(features, dim, eig, seed)
    return _dense().from_arrays(words, vectors, name="wordnet-features", metadata=metadata)


def feature_matrix(index, letters, depth, decay, weighting, relations=("hypernym",)):
    """The words and their ``(n_words, n_synsets)`` feature matrix (CSR, float32)."""
    synsets = np.isin(index.synset_pos, letters)
    member = index.membership[:, synsets]
    rows = np.flatnonzero(np.asarray(member.sum(axis=1)).ravel() > 0)
    member = member[rows]
    words = [index.lemmas[i] for i in rows]
    senses = np.asarray(member.sum(axis=1)).ravel()
    member = sp.csr_array(sp.diags_array(1.0 / senses) @ member)
    parents = sum(index.synset_matrix(rel) for rel in relations)
    closure = hypernym_closure(parents[synsets][:, synsets], depth, decay)
    features = sp.csr_array(member @ closure, dtype=np.float32)
    if weighting == "idf":
        covered = np.bincount(features.indices, minlength=features.shape[1])
        idf = np.log(len(words) / np.maximum(covered, 1)).astype(np.float32)
        features = sp.csr_array(features @ sp.diags_array(idf))
        features.eliminate_zeros()  # a synset covering every word carries no information
    return words, features


def hypernym_closure(parents, depth, decay):
    """``C[s, a] = decay ** d`` for each ancestor ``a`` that ``s`` reaches in ``d`` steps at least.

    Breadth-first over the whole hierarchy at once: one sparse product per level.
    """
    n = parents.shape[0]
    parents = sp.csr_array(parents, dtype=np.float32)
    reached = sp.eye_array(n, dtype=np.float32, format="csr")
    closure, frontier, d = reached.copy(), reached, 0
    while depth is None or d < depth:
        d += 1
        step = sp.csr_array(frontier @ parents)
        step.data[:] = 1.0
        new = step - step.multiply(reached)  # ancestors not reached by a shorter path
        new.eliminate_zeros()
        if new.nnz == 0:
            break
        reached = reached + new
        closure = closure + new * np.float32(decay ** d)
        frontier = new
    return sp.csr_array(closure)


def _dense():
    # DenseVectors imports gensim (about a second): only when vectors are built, not on import.
    from .dense import DenseVectors
    return DenseVectors
