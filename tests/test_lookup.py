"""Lookup for programs (wordrep.load and the representation API) and people (similar, analogy),
including fastText's subword vectors for unknown words, kept by the native format."""
import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from gensim.models import KeyedVectors
from gensim.models.fasttext import FastTextKeyedVectors
from gensim.test.utils import datapath

import wordrep
from wordrep.cli import main
from wordrep.errors import UserError
from wordrep.representations.base import UnknownWordError


@pytest.fixture
def lee_vec(tmp_path):
    return str(shutil.copy(datapath("lee_fasttext.vec"), tmp_path / "lee.vec"))


@pytest.fixture(scope="module")
def fasttext():
    """A small fastText model trained on the lee corpus (10 dims, 5,000 n-gram buckets)."""
    corpus = wordrep.corpora.open_corpus("lee")
    return wordrep.build("fasttext", corpus, dim=10, epochs=1, workers=1, bucket=5000)


@pytest.fixture
def fasttext_path(tmp_path, fasttext):
    path = tmp_path / "ft.wr"
    wordrep.save(fasttext, path)
    return str(path)


def test_the_program_api_agrees_with_gensim(lee_vec):
    rep = wordrep.load(lee_vec)
    kv = KeyedVectors.load_word2vec_format(lee_vec)
    np.testing.assert_array_equal(rep["government"], kv["government"])
    np.testing.assert_array_equal(rep.vectors(["the", "government"]), kv[["the", "government"]])
    mine = rep.most_similar("government", topn=10)
    theirs = kv.most_similar("government", topn=10)
    assert [w for w, _ in mine] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in mine], [s for _, s in theirs], rtol=1e-5)
    assert rep.similarity("government", "minister") == pytest.approx(
        kv.similarity("government", "minister"), rel=1e-5)
    answer = rep.analogy("he", "government", "she", topn=3)
    expected = kv.most_similar(positive=["government", "she"], negative=["he"], topn=3)
    assert [w for w, _ in answer] == [w for w, _ in expected]


def test_similarity_takes_two_words_or_a_list_of_pairs(lee_vec):
    rep = wordrep.load(lee_vec)
    one = rep.similarity("government", "minister")
    assert isinstance(one, float)
    many = rep.similarity([("government", "minister"), ("government", "zzzz")])
    assert many[0] == pytest.approx(one) and np.isnan(many[1])  # the list form: NaN as before
    with pytest.raises(UnknownWordError, match="'zzzz'"):
        rep.similarity("government", "zzzz")  # one pair: say so, as gensim does
    with pytest.raises(KeyError):
        rep.similarity("zzzz", "government")
    with pytest.raises(UserError, match="needs a second word"):
        rep.similarity("government")
    with pytest.raises(UserError, match="word2"):
        rep.similarity([("a", "b")], "c")


def test_unknown_words_raise_one_clear_error(lee_vec):
    rep = wordrep.load(lee_vec)
    for call in (lambda: rep["zzzz"], lambda: rep.most_similar("zzzz"),
                 lambda: rep.analogy("he", "zzzz", "she"), lambda: rep.vectors(["zzzz"])):
        with pytest.raises(UnknownWordError, match="'zzzz' is not in the vocabulary of 'lee'"):
            call()
    assert not rep.has_subwords


def test_native_format_keeps_the_fasttext_subword_model(fasttext, fasttext_path):
    assert isinstance(fasttext.kv, FastTextKeyedVectors) and fasttext.has_subwords
    loaded = wordrep.load(fasttext_path)
    assert isinstance(loaded.kv, FastTextKeyedVectors) and loaded.has_subwords
    assert (loaded.kv.min_n, loaded.kv.max_n, loaded.kv.bucket) == (3, 6, 5000)
    assert loaded.vocabulary == fasttext.vocabulary
    np.testing.assert_array_equal(loaded["government"], fasttext["government"])
    for word in ("governmentish", "blorptastic", "xq"):  # unknown words
        assert word not in loaded
        vector = loaded.subword_vector(word)
        assert np.any(vector != 0)
        np.testing.assert_allclose(vector, fasttext.kv.get_vector(word), rtol=1e-6)
    # Known words keep their own vector; unknown ones still raise through rep[word].
    np.testing.assert_array_equal(loaded.subword_vector("government"), loaded["government"])
    with pytest.raises(UnknownWordError):
        loaded["governmentish"]
    # The n-gram matrix is memory-mapped like the vectors: a large model opens at once.
    assert isinstance(loaded.kv.vectors_ngrams, np.memmap)


def test_word2vec_text_drops_the_subword_model(tmp_path, fasttext):
    wordrep.save(fasttext, tmp_path / "ft.vec")
    plain = wordrep.load(tmp_path / "ft.vec")
    assert not plain.has_subwords
    with pytest.raises(UnknownWordError):
        plain.subword_vector("governmentish")


# ---- the command line ------------------------------------------------------------------------

def _rows(stdout):
    rows = [line.split("\t") for line in stdout.splitlines()]
    assert all(len(row) == 2 for row in rows), stdout
    return [(word, float(score)) for word, score in rows]


def test_similar_prints_word_tab_score(lee_vec):
    result = CliRunner().invoke(main, ["similar", lee_vec, "government", "--topn", "4"])
    assert result.exit_code == 0, result.output
    rows = _rows(result.stdout)
    expected = wordrep.load(lee_vec).most_similar("government", topn=4)
    assert [w for w, _ in rows] == [w for w, _ in expected]
    assert [s for _, s in rows] == pytest.approx([s for _, s in expected], abs=1e-4)
    assert result.stderr == ""


def test_analogy_prints_the_answer(lee_vec):
    result = CliRunner().invoke(main, ["analogy", lee_vec, "he", "government", "she",
                                       "--topn", "2"])
    assert result.exit_code == 0, result.output
    expected = wordrep.load(lee_vec).analogy("he", "government", "she", topn=2)
    assert [w for w, _ in _rows(result.stdout)] == [w for w, _ in expected]


@pytest.mark.parametrize("args", [["similar", "{m}", "zzzz"],
                                  ["analogy", "{m}", "he", "zzzz", "she"]])
def test_unknown_word_is_one_line_and_exit_2(lee_vec, args):
    result = CliRunner().invoke(main, [a.format(m=lee_vec) for a in args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "Error: the word 'zzzz' is not in the vocabulary of 'lee'. "
        "Check its spelling and case, or rebuild with a lower min_count."]


def test_bad_model_and_topn(tmp_path, lee_vec):
    runner = CliRunner()
    missing = runner.invoke(main, ["similar", str(tmp_path / "none.vec"), "the"])
    assert missing.exit_code == 2 and "none.vec does not exist" in missing.stderr
    zero = runner.invoke(main, ["similar", lee_vec, "the", "--topn", "0"])
    assert zero.exit_code == 2 and "--topn" in zero.stderr


def test_fasttext_offers_the_subword_neighbours_of_an_unknown_word(fasttext_path):
    result = CliRunner().invoke(main, ["similar", fasttext_path, "governmentish", "--topn", "3"])
    assert result.exit_code == 0, result.output
    rep = wordrep.load(fasttext_path)
    expected = rep.most_similar(rep.subword_vector("governmentish"), topn=3)
    assert [w for w, _ in _rows(result.stdout)] == [w for w, _ in expected]
    assert "'governmentish' is not in the vocabulary" in result.stderr
    assert "subword" in result.stderr
    quiet = CliRunner().invoke(main, ["-q", "similar", fasttext_path, "governmentish"])
    assert quiet.stderr == "" and len(_rows(quiet.stdout)) == 10


def test_fasttext_analogy_with_an_unknown_word(fasttext_path):
    result = CliRunner().invoke(main, ["analogy", fasttext_path, "man", "governmentish",
                                       "woman", "--topn", "3"])
    assert result.exit_code == 0, result.output
    words = [w for w, _ in _rows(result.stdout)]
    assert len(words) == 3 and not {"man", "woman", "governmentish"} & set(words)
    assert "'governmentish' is not in the vocabulary" in result.stderr
    # With every word known, the answer is the ordinary 3CosAdd one, and no note.
    known = CliRunner().invoke(main, ["analogy", fasttext_path, "he", "government", "she"])
    rep = wordrep.load(fasttext_path)
    assert _rows(known.stdout)[0][0] == rep.analogy("he", "government", "she")[0][0]
    assert known.stderr == ""
