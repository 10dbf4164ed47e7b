"""word2vec, CBOW and fastText through gensim's corpus_file path."""
import numpy as np
import pytest

from wordrep.corpora import open_corpus
from wordrep.errors import UserError
from wordrep.representations import build
from wordrep.representations.neural import corpus_file


def test_corpus_file_holds_the_corpus_tokens_line_by_line():
    corpus = open_corpus("lee")
    lines = corpus_file(corpus).read_text(encoding="utf-8").splitlines()
    assert [line.split() for line in lines] == list(corpus)


@pytest.mark.parametrize("method", ["word2vec", "cbow", "fasttext"])
def test_training_is_seeded_and_reports_its_speed(method):
    corpus = open_corpus("lee")
    params = dict(dim=20, epochs=2, workers=1, seed=7)
    if method == "fasttext":
        params["bucket"] = 5000
    a, b = build(method, corpus, **params), build(method, corpus, **params)
    assert set(a.vocabulary) == set(corpus.vocabulary(min_count=5).words)
    np.testing.assert_array_equal(a.kv.vectors, b.kv.vectors)
    assert a.kv.vector_size == 20 and a.metadata["words_per_second"] > 0
    assert a.metadata["parameters"]["seed"] == 7


def test_word2vec_learns_something_on_a_wikipedia_sample():
    rep = build("word2vec", open_corpus("enwiki-sample"), dim=50, epochs=3, workers=2)
    sims = rep.similarity([("king", "queen"), ("king", "carbon")])
    assert sims[0] > sims[1]


@pytest.mark.parametrize("params,message", [
    (dict(negative=0), "nothing would be trained"),
    (dict(negative=-1), "negative"),
    (dict(window=0), "window"),
    (dict(epochs=0), "epochs"),
    (dict(min_count=0), "min_count"),
    (dict(dim=0), "dim"),
])
def test_bad_parameters_fail_before_training(params, message):
    with pytest.raises(UserError, match=message):
        build("word2vec", open_corpus("lee"), **params)
