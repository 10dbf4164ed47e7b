"""WordNet-derived representations on the real WordNet: measures, feature vectors, graph embedding."""
import math

import numpy as np
import pytest

from wordrep.errors import UserError
from wordrep.representations import build, representations
from wordrep.representations.dense import DenseVectors
from wordrep.representations.sparse import SparseVectors
from wordrep.representations.wordnet_measures import (MEASURES, information_content, measure,
                                                      is_measure_name)

pytestmark = pytest.mark.wordnet


@pytest.fixture(scope="module")
def wn(wordnet_dir):
    import os
    from wordrep import wordnet
    os.environ["WORDREP_WORDNET"] = str(wordnet_dir)
    try:
        return wordnet.load()
    finally:
        del os.environ["WORDREP_WORDNET"]


@pytest.fixture(scope="module")
def small_ic(wn):
    counts = {"dog": 20, "cat": 10, "animal": 5, "car": 8, "vehicle": 3, "run": 6, "walk": 4,
              "good": 9, "bad": 7, "house": 5}
    return information_content(counts, wn)


# -- measures -------------------------------------------------------------------------------

def test_path_similarity_of_dog_and_cat_is_nltks(wn):
    path = measure("wordnet:path", wordnet=wn)
    scores = path.similarity([("dog", "cat"), ("dog", "dog"), ("dog", "xyzzyq")])
    assert scores[0] == pytest.approx(0.2)
    assert scores[1] == 1.0
    assert math.isnan(scores[2]), "an unknown word is out of coverage, never 0"


@pytest.mark.parametrize("name", list(MEASURES))
def test_every_measure_equals_nltk_on_synset_pairs(wn, small_ic, name):
    ic = {"ic": small_ic} if name in ("res", "lin", "jcn") else {}  # the others take none
    rep = measure(name, wordnet=wn, **ic)
    words = ["dog", "cat", "car", "run", "walk", "good", "bad"]
    for a in words:
        for b in words:
            for s in wn.synsets(a)[:4]:
                for t in wn.synsets(b)[:4]:
                    try:
                        args = (t, small_ic) if name in ("res", "lin", "jcn") else (t,)
                        expected = getattr(s, f"{name}_similarity")(*args)
                    except Exception:  # NLTK raises on a part-of-speech mismatch
                        expected = None
                    got = rep.synset_similarity(s, t)
                    if expected is None:
                        assert got is None, (s, t)
                    else:
                        assert got == pytest.approx(expected, rel=1e-9), (s, t)


def test_word_score_is_the_maximum_over_synset_pairs(wn):
    wup = measure("wup", wordnet=wn)
    best = max(s.wup_similarity(t) or 0 for s in wn.synsets("car") for t in wn.synsets("bike"))
    assert wup.similarity([("car", "bike")])[0] == pytest.approx(best)
    first = measure("wup", aggregate="first", wordnet=wn)
    assert first.similarity([("car", "bike")])[0] == pytest.approx(
        wn.synsets("car")[0].wup_similarity(wn.synsets("bike")[0]))
    mean = measure("wup", aggregate="mean", wordnet=wn).similarity([("car", "bike")])[0]
    assert 0 < mean < best


def test_part_of_speech_mismatch_is_the_floor_or_nan(wn):
    # "quickly" is only an adverb, "dog" has no adverb sense: lch compares neither pair.
    assert measure("lch", wordnet=wn).similarity([("dog", "quickly")])[0] == 0.0
    assert math.isnan(measure("lch", incomparable="nan", wordnet=wn)
                      .similarity([("dog", "quickly")])[0])
    noun_only = measure("path", pos="n", wordnet=wn)
    assert "dog" in noun_only and "quickly" not in noun_only


def test_measure_names_are_checked(wn):
    assert is_measure_name("wordnet:path") and not is_measure_name("model.vec")
    assert measure("WordNet:Wu-Palmer", wordnet=wn).measure == "wup"
    with pytest.raises(UserError, match=r"unknown WordNet measure 'wordnet:pth'.*wordnet:path"):
        measure("wordnet:pth")
    with pytest.raises(UserError, match="aggregate"):
        measure("path", aggregate="median", wordnet=wn)


def test_simlex_scores_in_seconds_and_matches_the_reference(wn):
    import time
    from gensim.test.utils import datapath
    from scipy.stats import spearmanr
    rows = [line.split("\t") for line in open(datapath("simlex999.txt"), encoding="utf-8")
            if not line.startswith("#")][1:]
    pairs = [(r[0], r[1]) for r in rows]
    gold = [float(r[2]) for r in rows]
    started = time.perf_counter()
    scores = measure("path", wordnet=wn).similarity(pairs)
    assert time.perf_counter() - started < 5
    assert not np.isnan(scores).any()
    assert spearmanr(scores, gold)[0] == pytest.approx(0.476, abs=0.005)


# -- feature vectors ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def features(wn):
    return build("wordnet-features", None, wordnet=wn)


def test_feature_vectors_cover_every_lemma_and_rank_synonyms_first(features, wn):
    assert isinstance(features, SparseVectors)
    assert len(features) == len(set(wn.all_lemma_names()))
    assert "ice_cream" in features
    sims = features.similarity([("car", "automobile"), ("dog", "cat"), ("dog", "car"),
                                ("smart", "intelligent"), ("smart", "banana"), ("dog", "qqzx")])
    car_automobile, dog_cat, dog_car, smart_intelligent, smart_banana, unknown = sims
    assert car_automobile > dog_cat  # car has five senses, automobile one of them
    assert dog_cat > dog_car
    assert smart_intelligent > smart_banana
    assert math.isnan(unknown)
    assert features.metadata["method"] == "wordnet-features"


def test_feature_options(wn):
    dense = build("wordnet-features", None, pos="r", dim=20, wordnet=wn)
    assert isinstance(dense, DenseVectors) and dense.dim == 20
    assert "quickly" in dense and "dog" not in dense
    with pytest.raises(UserError, match="weighting"):
        build("wordnet-features", None, weighting="tfidf", wordnet=wn)
    with pytest.raises(UserError, match="relations = .*Did you mean 'hypernym' .not 'hypernyms'"):
        build("wordnet-features", None, relations=("hypernyms",), wordnet=wn)


# -- graph embedding ---------------------------------------------------------------------------

def test_graph_embedding_of_adverbs(wn):
    rep = build("wordnet-graph", None, pos="r", dim=50, wordnet=wn)
    assert isinstance(rep, DenseVectors) and rep.dim == 50
    assert "quickly" in rep and "dog" not in rep
    rapidly, slowly = rep.similarity([("quickly", "rapidly"), ("quickly", "reluctantly")])
    assert rapidly > slowly
    again = build("wordnet-graph", None, pos="r", dim=50, wordnet=wn)
    assert np.allclose(again.kv.vectors, rep.kv.vectors), "seeded: the same numbers twice"


def test_graph_parameters_are_checked(wn):
    with pytest.raises(UserError, match="alpha"):
        build("wordnet-graph", None, alpha=1.5, wordnet=wn)
    with pytest.raises(UserError, match="weights = .*Did you mean 'synonym' .not 'synonyms'"):
        build("wordnet-graph", None, weights={"synonyms": 1.0}, wordnet=wn)


def test_series_is_truncated_and_sparse():
    import scipy.sparse as sp
    from wordrep.representations.wordnet_graph import keep_largest, walk_series
    ring = sp.csr_array(np.roll(np.eye(6, dtype=np.float32), 1, axis=1)
                        + np.roll(np.eye(6, dtype=np.float32), -1, axis=1))
    walks = walk_series(ring, 0.5, 2, 10).toarray()
    p = ring.toarray() / 2
    assert np.allclose(walks, np.eye(6) + 0.5 * p + 0.25 * p @ p)
    kept = keep_largest(sp.csr_array(np.array([[1, 3, 2], [0, 5, 4]], np.float32)), 1)
    assert kept.toarray().tolist() == [[0, 3, 0], [0, 5, 0]]
    mixed = sp.csr_array(np.array([[1, -2, 3, 3, 0.5], [-1, -3, -2, 0, 0], [2, 2, 2, 0, 0]],
                                  np.float32))
    assert keep_largest(mixed, 2).toarray().tolist() == [[0, 0, 3, 3, 0], [-1, 0, -2, 0, 0],
                                                         [2, 2, 0, 0, 0]], "ties: first columns"


def test_pruned_product_by_blocks_equals_pruning_the_whole_product():
    import scipy.sparse as sp
    from wordrep.representations.wordnet_graph import keep_largest, pruned_product
    rng = np.random.default_rng(3)
    left = sp.random_array((500, 400), density=0.05, rng=rng, format="csr", dtype=np.float32)
    right = sp.random_array((400, 300), density=0.05, rng=rng, format="csr", dtype=np.float32)
    whole = (left @ right).toarray()
    pruned = pruned_product(left, right, 4, block_rows=64).toarray()
    assert np.array_equal(pruned, keep_largest(sp.csr_array(left @ right), 4).toarray())
    assert (np.count_nonzero(pruned, axis=1) == np.minimum(np.count_nonzero(whole, axis=1), 4)).all()
    kth = -np.sort(-whole, axis=1)[:, 3]
    assert (pruned[pruned > 0] >= np.repeat(kth, np.count_nonzero(pruned, axis=1)) - 1e-7).all(), \
        "what is kept is each row's four largest"


def test_builders_are_registered():
    for name in ("wordnet-features", "wordnet-graph", "retrofit"):
        assert name in representations


def test_the_wordnet_index_is_cached_on_disk_and_reads_back_equal(wn, monkeypatch):
    from wordrep import cache
    from wordrep.representations.wordnet_index import RELATIONS, WordNetIndex
    WordNetIndex._cache.clear()
    built = WordNetIndex.get(wn)
    cache.finish_writes()
    WordNetIndex._cache.clear()

    def no_parsing(self, wn):
        raise AssertionError("the cached index should have been read, not rebuilt")
    monkeypatch.setattr(WordNetIndex, "__init__", no_parsing)
    read = WordNetIndex.get(wn)
    assert read is not built
    assert read.lemmas == built.lemmas and read.synset_names == built.synset_names
    assert (read.synset_pos == built.synset_pos).all()
    assert read.lemma_index["dog"] == built.lemma_index["dog"]
    for relation in RELATIONS:
        assert (read.lemma_matrix(relation) != built.lemma_matrix(relation)).nnz == 0, relation
    assert (read.membership != built.membership).nnz == 0
