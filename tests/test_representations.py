"""The Representation types, the one-hot baseline and the builder registry."""
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from gensim.models import KeyedVectors, Word2Vec
from gensim.test.utils import common_texts, datapath

from wordrep.corpora.vocabulary import Vocabulary
from wordrep.errors import UserError
from wordrep.representations import (SparseVectors, UnknownWordError, build, build_onehot,
                                     representations)
from wordrep.representations.dense import DenseVectors


@pytest.fixture(scope="module")
def lee():
    """gensim's bundled fastText vectors trained on the Lee corpus: 1762 words, 10 dimensions."""
    kv = KeyedVectors.load_word2vec_format(datapath("lee_fasttext.vec"))
    return DenseVectors(kv, name="lee")


@pytest.fixture
def vocab():
    return Vocabulary.from_counts({"the": 50, "cat": 9, "sat": 9, "on": 7, "mat": 3, "rare": 1})


class FakeCorpus:
    """Just the part of the Corpus interface that builders use."""

    fingerprint = "sha256:abc+lower"

    def __init__(self, vocabulary):
        self._vocabulary = vocabulary

    def vocabulary(self, min_count=1, max_vocab=None):
        return self._vocabulary.trim(min_count, max_vocab)


def random_sparse(n=40, dim=25, seed=0):
    rng = np.random.default_rng(seed)
    matrix = sp.random_array((n, dim), density=0.2, rng=rng, format="csr", dtype=np.float64)
    matrix = matrix.tolil()
    matrix[3, :] = 0  # a word without features
    return sp.csr_array(matrix), [f"w{i}" for i in range(n)]


def dense_cosine(a, b):
    na, nb = np.linalg.norm(a, axis=-1), np.linalg.norm(b, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(na * nb > 0, np.sum(a * b, axis=-1) / (na * nb), 0.0)


# ---- unknown words ---------------------------------------------------------------------------

def test_unknown_word_error_is_a_user_error_and_a_key_error(lee):
    with pytest.raises(UnknownWordError) as info:
        lee["zzyzx"]
    assert isinstance(info.value, UserError) and isinstance(info.value, KeyError)
    assert info.value.exit_code == 2
    assert "'zzyzx'" in str(info.value) and "lee" in str(info.value)
    assert not str(info.value).startswith('"')  # not KeyError's repr of the message


def test_unknown_words_in_lookups_raise_and_name_the_word(lee):
    for call in (lambda: lee.vectors(["the", "zzyzx"]), lambda: lee.most_similar("zzyzx"),
                 lambda: lee.analogy("the", "zzyzx", "of")):
        with pytest.raises(UnknownWordError, match="zzyzx"):
            call()


# ---- one-hot ---------------------------------------------------------------------------------

def test_onehot_keeps_the_trimmed_vocabulary_in_frequency_order(vocab):
    rep = build_onehot(vocab, min_count=3)
    assert rep.vocabulary == ["the", "cat", "sat", "on", "mat"]
    assert build_onehot(vocab, min_count=1, max_vocab=2).vocabulary == ["the", "cat"]


def test_onehot_similarity_is_one_for_the_same_word_zero_otherwise_nan_if_unknown(vocab):
    rep = build_onehot(vocab, min_count=3)
    scores = rep.similarity([("cat", "cat"), ("cat", "sat"), ("mat", "the"),
                             ("cat", "rare"), ("dog", "cat"), ("dog", "dog")])
    np.testing.assert_array_equal(scores, [1.0, 0.0, 0.0, np.nan, np.nan, np.nan])


def test_onehot_stays_sparse(vocab):
    rep = build_onehot(vocab, min_count=1)
    assert sp.issparse(rep.matrix) and rep.matrix.format == "csr"
    assert rep.matrix.nnz == len(rep) == rep.dim
    assert sp.issparse(rep["cat"]) and rep["cat"].shape == (1, len(rep))
    assert sp.issparse(rep.vectors(["cat", "sat"]))


def test_onehot_large_vocabulary_is_fast_and_small():
    # 70k words: a dense identity would be 20 GB; this must take a few MB.
    words = {f"w{i}": 10 for i in range(70_000)}
    rep = build_onehot(Vocabulary.from_counts(words), min_count=1)
    assert rep.matrix.nnz == 70_000
    pairs = [(f"w{i}", f"w{(i * 7) % 70_000}") for i in range(5_000)]
    scores = rep.similarity(pairs)
    assert scores[0] == 1.0 and np.all(scores[1:] == 0.0)
    assert [s for _, s in rep.most_similar("w5", topn=3)] == [0.0, 0.0, 0.0]


def test_onehot_neighbours_are_all_zero_and_ties_go_to_frequent_words(vocab):
    rep = build_onehot(vocab, min_count=1)
    assert rep.most_similar("mat", topn=3) == [("the", 0.0), ("cat", 0.0), ("sat", 0.0)]


def test_onehot_takes_a_corpus_with_a_vocabulary_method(vocab):
    rep = build("onehot", FakeCorpus(vocab), min_count=5)
    assert rep.vocabulary == ["the", "cat", "sat", "on"]
    assert rep.metadata["corpus_fingerprint"] == "sha256:abc+lower"


def test_onehot_with_nothing_left_is_a_user_error(vocab):
    with pytest.raises(UserError, match="min.count"):
        build_onehot(vocab, min_count=1000)


# ---- the registry and build() ----------------------------------------------------------------

def test_onehot_is_registered():
    assert "onehot" in representations
    assert representations.get("onehot").func is build_onehot


def test_build_stamps_metadata(vocab):
    rep = build("onehot", vocab, min_count=2)
    meta = rep.metadata
    assert rep.name == "onehot" and meta["method"] == "onehot"
    assert meta["parameters"] == {"min_count": 2, "max_vocab": None}
    assert meta["corpus_fingerprint"] is None  # a bare Vocabulary has no fingerprint
    assert meta["wordrep_version"]
    assert meta["created"].endswith("+00:00")


def test_build_refuses_an_unknown_parameter_and_lists_the_allowed_ones(vocab):
    with pytest.raises(UserError) as info:
        build("onehot", vocab, min_cont=2)
    message = str(info.value)
    assert "'min_cont'" in message and "min_count, max_vocab" in message
    assert "Did you mean 'min_count'" in message


def test_build_refuses_an_unknown_representation(vocab):
    with pytest.raises(UserError, match="onehot"):
        build("no-such-thing", vocab)


# ---- sparse cosine against plain numpy --------------------------------------------------------

def test_sparse_similarity_equals_dense_numpy_cosine():
    matrix, words = random_sparse()
    rep = SparseVectors(words, matrix)
    dense = matrix.toarray()
    rng = np.random.default_rng(1)
    left, right = rng.integers(0, len(words), size=(2, 200))
    left[:5] = 3  # the all-zero row: similarity 0, not NaN
    pairs = [(words[i], words[j]) for i, j in zip(left, right)]
    np.testing.assert_allclose(rep.similarity(pairs), dense_cosine(dense[left], dense[right]),
                               rtol=1e-12, atol=1e-12)


def test_sparse_most_similar_and_analogy_equal_dense_numpy():
    matrix, words = random_sparse(seed=2)
    rep = SparseVectors(words, matrix)
    dense = matrix.toarray()
    unit = dense / np.maximum(np.linalg.norm(dense, axis=1, keepdims=True), 1e-300)

    scores = dense_cosine(dense, dense[7][None, :])
    scores[7] = -np.inf
    expected = np.argsort(-scores, kind="stable")[:5]
    got = rep.most_similar("w7", topn=5)
    assert [w for w, _ in got] == [words[i] for i in expected]
    np.testing.assert_allclose([s for _, s in got], scores[expected], rtol=1e-10)

    target = unit[2] - unit[0] + unit[1]
    scores = dense_cosine(dense, target[None, :])
    scores[[0, 1, 2]] = -np.inf
    expected = np.argsort(-scores, kind="stable")[:3]
    got = rep.analogy("w0", "w2", "w1", topn=3)
    assert [w for w, _ in got] == [words[i] for i in expected]


def test_sparse_most_similar_accepts_a_sparse_or_dense_vector():
    matrix, words = random_sparse(seed=3)
    rep = SparseVectors(words, matrix)
    by_row = rep.most_similar(rep["w9"], topn=4)
    assert by_row[0][0] == "w9" and by_row[0][1] == pytest.approx(1.0)
    assert rep.most_similar(rep["w9"].toarray().ravel(), topn=4) == by_row
    with pytest.raises(UserError, match="dimensions"):
        rep.most_similar(np.ones(3))


def test_sparse_rejects_mismatched_words_and_duplicates():
    matrix, words = random_sparse(n=4)
    with pytest.raises(ValueError):
        SparseVectors(words[:3], matrix)
    with pytest.raises(ValueError, match="duplicates"):
        SparseVectors(["a", "b", "a", "c"], matrix)


# ---- dense: the same answers as gensim -------------------------------------------------------

def test_dense_most_similar_matches_gensim(lee):
    for word in ("the", "government", "fire", "Australia", "Palestinian"):
        ours = lee.most_similar(word, topn=10)
        theirs = lee.kv.most_similar(word, topn=10)
        assert [w for w, _ in ours] == [w for w, _ in theirs]
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)


def test_dense_most_similar_by_vector_matches_gensim(lee):
    vector = lee["fire"] + lee["police"]
    ours = lee.most_similar(vector, topn=5)
    theirs = lee.kv.similar_by_vector(vector, topn=5)
    assert [w for w, _ in ours] == [w for w, _ in theirs]


def test_dense_analogy_is_3cosadd_like_gensim(lee):
    for a, b, c in [("Australia", "Sydney", "Israel"), ("government", "minister", "police"),
                    ("man", "he", "Palestinian")]:
        ours = lee.analogy(a, b, c, topn=5)
        theirs = lee.kv.most_similar(positive=[b, c], negative=[a], topn=5)
        assert [w for w, _ in ours] == [w for w, _ in theirs]


def test_dense_similarity_matches_gensim_and_is_nan_for_unknown(lee):
    words = lee.vocabulary[:60]
    pairs = [(words[i], words[(i * 13 + 5) % 60]) for i in range(60)]
    expected = [lee.kv.similarity(a, b) for a, b in pairs]
    np.testing.assert_allclose(lee.similarity(pairs), expected, atol=1e-6)
    scores = lee.similarity([("the", "zzyzx"), ("zzyzx", "the"), ("the", "the")])
    assert np.isnan(scores[:2]).all() and scores[2] == pytest.approx(1.0)
    assert lee.similarity([]).shape == (0,)


def test_dense_lookups(lee):
    assert "the" in lee and "zzyzx" not in lee and len(lee) == 1762 and lee.dim == 10
    np.testing.assert_array_equal(lee["fire"], lee.kv["fire"])
    np.testing.assert_array_equal(lee.vectors(["fire", "the"]), lee.kv[["fire", "the"]])


def test_topn_must_be_positive(lee):
    for topn in (0, -1, 2.5, None):
        with pytest.raises(UserError, match="topn"):
            lee.most_similar("the", topn=topn)


def test_dense_wraps_a_trained_gensim_model():
    model = Word2Vec(common_texts, vector_size=8, min_count=1, seed=1, workers=1, epochs=2)
    rep = DenseVectors(model, name="w2v")
    assert rep.kv is model.wv
    assert rep.vocabulary == model.wv.index_to_key
    assert rep.most_similar("system", topn=3) == [
        (w, pytest.approx(s, abs=1e-5)) for w, s in model.wv.most_similar("system", topn=3)]


def test_import_wordrep_does_not_import_gensim():
    code = ("import sys, wordrep, wordrep.representations; "
            "print('gensim' in sys.modules, callable(wordrep.build))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_sparse_counts_are_compared_as_floats():
    # Integer feature counts must not truncate the unit query vector to zeros.
    counts = sp.csr_array(np.array([[2, 1, 0], [1, 1, 0], [0, 0, 3], [4, 2, 0]], dtype=np.int64))
    rep = SparseVectors(["a", "b", "c", "d"], counts)
    assert rep.most_similar("a", topn=1) == [("d", pytest.approx(1.0))]
    assert rep.analogy("b", "a", "b", topn=1)[0][0] == "d"
    np.testing.assert_allclose(rep.similarity([("a", "b"), ("a", "c")]),
                               [3 / np.sqrt(10), 0.0])
