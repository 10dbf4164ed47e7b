"""Retrofitting to WordNet: the update, antonym repulsion, provenance and bad input."""
import numpy as np
import pytest
import scipy.sparse as sp

from wordrep.errors import UserError
from wordrep.representations import build
from wordrep.representations.dense import DenseVectors
from wordrep.representations.retrofit import repel_antonyms, retrofit_matrix


def test_update_is_faruqui_et_al_for_every_word_at_once():
    vectors = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32)
    adjacency = sp.csr_array(np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]], dtype=np.float32))
    out = retrofit_matrix(vectors, adjacency, alpha=1.0, beta=1.0, iterations=1)
    # One step: q0 = (q0_hat + q1) / 2, q1 = (q1_hat + q0) / 2; the lone word 2 keeps its vector.
    assert np.allclose(out[0], [0.70710677, 0.70710677])
    assert np.allclose(out[2], vectors[2] / np.sqrt(2))
    many = retrofit_matrix(vectors, adjacency, iterations=50)
    # The fixed point: q0 = (2 e0 + e1) / 3, q1 = (e0 + 2 e1) / 3, cosine 4/5 (it was 0).
    assert many[0] @ many[1] == pytest.approx(0.8, abs=1e-4)
    assert many[0] @ np.array([1, 0]) > many[1] @ np.array([1, 0]), "each keeps its origin's pull"


def test_antonym_repulsion_pushes_antonyms_apart():
    vectors = np.array([[1, 0.2], [1, -0.2]], dtype=np.float32)
    antonyms = sp.csr_array(np.array([[0, 1], [1, 0]], dtype=np.float32))
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    before = unit[0] @ unit[1]
    pushed = repel_antonyms(vectors, antonyms, 0.2, 1.0)
    pushed /= np.linalg.norm(pushed, axis=1, keepdims=True)
    assert pushed[0] @ pushed[1] < before


@pytest.fixture(scope="module")
def lee(wordnet_dir):
    from gensim.test.utils import datapath
    from wordrep.storage import load
    return load(datapath("lee_fasttext.vec"))


@pytest.mark.wordnet
def test_retrofitting_pulls_wordnet_synonyms_together(lee):
    pairs = [("big", "large"), ("buy", "purchase"), ("start", "begin"), ("house", "home")]
    pairs = [p for p in pairs if p[0] in lee and p[1] in lee]
    assert len(pairs) >= 2
    hybrid = build("retrofit", None, vectors=lee, relations=("synonym",))
    before, after = lee.similarity(pairs), hybrid.similarity(pairs)
    assert (after > before + 0.1).all(), (pairs, before, after)
    assert hybrid.vocabulary == lee.vocabulary
    assert hybrid.metadata["parents"][1] == "wordnet:synonym"
    assert isinstance(hybrid, DenseVectors)


@pytest.mark.wordnet
def test_antonyms_end_further_apart_with_repulsion(lee):
    plain = build("retrofit", None, vectors=lee)
    repelled = build("retrofit", None, vectors=lee, antonyms=True, repel=0.5)
    pairs = [("good", "bad"), ("up", "down"), ("high", "low"), ("increase", "decrease")]
    pairs = [p for p in pairs if p[0] in lee and p[1] in lee]
    assert pairs
    assert (repelled.similarity(pairs) < plain.similarity(pairs)).all()


@pytest.mark.wordnet
def test_retrofit_reads_a_path_and_refuses_a_lexicon_that_links_nothing(lee, tmp_path):
    from gensim.test.utils import datapath
    hybrid = build("retrofit", None, vectors=datapath("lee_fasttext.vec"), iterations=2)
    assert len(hybrid) == len(lee)
    words = ["qqxa", "qqxb", "qqxc"]
    nonsense = DenseVectors.from_arrays(words, np.eye(3, dtype=np.float32), name="nonsense")
    with pytest.raises(UserError, match="links none of the 3 words of 'nonsense'"):
        build("retrofit", None, vectors=nonsense)
    with pytest.raises(UserError, match=r"relations = \('synonyms',\).*Did you mean 'synonym'"):
        build("retrofit", None, vectors=lee, relations=("synonyms",))
    with pytest.raises(UserError, match="iterations"):
        build("retrofit", None, vectors=lee, iterations=0)
    with pytest.raises(UserError, match="needs the vectors"):
        build("retrofit", None)


def test_appended_vectors_are_unit_halves_scaled_by_the_weight():
    from wordrep.representations.retrofit import append_vectors
    text = np.array([[1, 0], [0, 1], [0.6, 0.8]], dtype=np.float32)
    wordnet = DenseVectors.from_arrays(["cat", "dog", "pet"],
                                       np.array([[3, 4, 0], [0, 0, 2], [1, 1, 1]], np.float32))
    joined, known = append_vectors(["Dog", "xyzzy", "cat"], text, wordnet, 0.5)
    assert known == 2 and joined.shape == (3, 5)
    assert np.allclose(joined[:, :2], text), "the text half is kept as it is"
    assert np.allclose(joined[0, 2:], [0, 0, 0.5]), "Dog finds dog (case folded), unit * weight"
    assert np.allclose(joined[1, 2:], 0), "a word WordNet lacks gets zeros"
    assert np.allclose(joined[2, 2:], [0.3, 0.4, 0])


@pytest.mark.wordnet
def test_retrofit_with_a_wordnet_embedding_names_three_parents(lee):
    graph_words = ["big", "large", "small", "house", "home"]
    rng = np.random.default_rng(0)
    graph = DenseVectors.from_arrays(graph_words, rng.normal(size=(5, 8)).astype(np.float32),
                                     name="wordnet-graph", metadata={"method": "wordnet-graph"})
    hybrid = build("retrofit", None, vectors=lee, relations=("synonym",),
                   wordnet_vectors=graph, wordnet_weight=0.6)
    assert hybrid.dim == lee.dim + 8
    assert hybrid.metadata["parents"] == ["lee_fasttext", "wordnet:synonym", "wordnet-graph"]
    known = sum(w.lower() in graph_words for w in lee.vocabulary)  # "Big" and "big" both count
    assert hybrid.metadata["appended"]["known_words"] == known >= 5
    half = np.linalg.norm(hybrid.vectors(["big"])[:, lee.dim:], axis=1)
    assert half == pytest.approx(0.6, abs=1e-5)
    with pytest.raises(UserError, match="wordnet_weight"):
        build("retrofit", None, vectors=lee, wordnet_vectors=graph, wordnet_weight=0)
