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
from wordrep.representations.dense import DenseVectors


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


# ---- many queries at once --------------------------------------------------------------------

def brute_force_neighbours(vectors, row, topn):
    """Cosine in float64 over every row, the row itself left out, ties to the lower row."""
    x = vectors.astype(np.float64)
    norms = np.linalg.norm(x, axis=1)
    denominator = norms * norms[row]
    scores = np.divide(x @ x[row], denominator, out=np.zeros(len(x)), where=denominator != 0)
    scores[row] = -np.inf
    order = np.lexsort((np.arange(len(x)), -scores))[:min(topn, len(x) - 1)]
    return order, scores[order]


@pytest.fixture
def random_rep():
    """2,000 random 24-d vectors, with a zero row and three copies of row 7. Small whole numbers:
    every dot product is exact in float32 whatever order BLAS sums in, so ties are exact."""
    vectors = np.random.default_rng(3).integers(-5, 6, (2000, 24)).astype(np.float32)
    vectors[5] = 0
    vectors[[40, 41, 1500]] = vectors[7]
    return DenseVectors.from_arrays([f"w{i}" for i in range(2000)], vectors), vectors


@pytest.mark.parametrize("cells, block, first", [(1 << 23, 256, 4096), (1 << 23, 256, 16),
                                                 (1000, 3, 4096), (37, 2, 4096)])
def test_batch_neighbours_are_the_single_query_ones(random_rep, monkeypatch, cells, block,
                                                    first):
    from wordrep.representations import dense

    # Small blocks: the vocabulary in several row blocks (the first sets the bar, the best of
    # the others are merged in), the queries in several blocks.
    monkeypatch.setattr(dense, "SCORE_CELLS", cells)
    monkeypatch.setattr(dense, "QUERY_BLOCK", block)
    monkeypatch.setattr(dense, "FIRST_ROWS", first)
    rep, vectors = random_rep
    rows = [0, 5, 7, 40, 1500, 1999, 7, 999]
    words = [f"w{i}" for i in rows]
    batch = rep.most_similar_batch(words, topn=12)
    assert len(batch) == len(words)
    for row, word, got in zip(rows, words, batch):
        single = rep.most_similar(word, topn=12)
        assert [w for w, _ in got] == [w for w, _ in single]
        assert [s for _, s in got] == pytest.approx([s for _, s in single], abs=1e-6)
        ids, scores = brute_force_neighbours(vectors, row, 12)
        assert [w for w, _ in got] == [f"w{i}" for i in ids]
        assert [s for _, s in got] == pytest.approx(scores, abs=1e-6)
    # The copies of w7 come first for w7 (cosine 1), in row order; the zero row is 0 to all.
    assert [w for w, _ in batch[2][:3]] == ["w40", "w41", "w1500"]
    assert [w for w, _ in batch[1]] == [f"w{i}" for i in range(13) if i != 5]


def test_batch_on_a_tiny_model_and_bad_input(random_rep):
    rep = DenseVectors.from_arrays(["a", "b", "c"],
                                   np.array([[1, 0], [1, 1], [0, 1]], dtype=np.float32))
    assert [[w for w, _ in row] for row in rep.most_similar_batch(["a", "c"], topn=10)] == [
        ["b", "c"], ["b", "a"]]  # topn beyond the vocabulary: every other word
    assert rep.most_similar_batch([], topn=3) == []
    with pytest.raises(UnknownWordError, match="'zz'"):
        rep.most_similar_batch(["a", "zz"])
    with pytest.raises(UserError, match="topn"):
        rep.most_similar_batch(["a"], topn=0)
    # A huge topn shrinks the query blocks instead of growing the score block.
    big, _ = random_rep
    every = big.most_similar_batch(["w1", "w2"], topn=10**6)
    assert [len(row) for row in every] == [1999, 1999]


def test_batch_agrees_with_gensim(lee_vec):
    rep = wordrep.load(lee_vec)
    kv = KeyedVectors.load_word2vec_format(lee_vec)
    words = ["government", "fire", "the", "police", "minister"]
    for word, mine in zip(words, rep.most_similar_batch(words, topn=10)):
        theirs = kv.most_similar(word, topn=10)
        assert [w for w, _ in mine] == [w for w, _ in theirs]
        assert [s for _, s in mine] == pytest.approx([s for _, s in theirs], rel=1e-5)


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


def test_similar_answers_several_words_at_once(lee_vec, fasttext_path):
    result = CliRunner().invoke(main, ["similar", lee_vec, "government", "fire", "government",
                                       "--topn", "3"])
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    rep = wordrep.load(lee_vec)
    expected = [[word, neighbour, score] for word in ("government", "fire", "government")
                for neighbour, score in rep.most_similar(word, topn=3)]
    assert [row[:2] for row in rows] == [row[:2] for row in expected]
    assert [float(row[2]) for row in rows] == pytest.approx([row[2] for row in expected],
                                                           abs=1e-4)
    unknown = CliRunner().invoke(main, ["similar", lee_vec, "fire", "zzzz"])
    assert unknown.exit_code == 2 and unknown.stdout == "" and "'zzzz'" in unknown.stderr
    # fastText: unknown words get their subword neighbours, known ones the batch's.
    mixed = CliRunner().invoke(main, ["similar", fasttext_path, "governmentish", "fire",
                                      "--topn", "2"])
    assert mixed.exit_code == 0, mixed.output
    ft = wordrep.load(fasttext_path)
    assert [line.split("\t")[:2] for line in mixed.stdout.splitlines()] == [
        ["governmentish", w] for w, _ in ft.most_similar(ft.subword_vector("governmentish"), 2)
    ] + [["fire", w] for w, _ in ft.most_similar("fire", topn=2)]
    assert "'governmentish' is not in the vocabulary" in mixed.stderr


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


def _one_error_line(result):
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("rows, question", [
    ("man 1 0\nking 0 1\nwoman 1 1\n", ["man", "king", "woman"]),
    ("man 1 0\nking 0 1\n", ["man", "king", "man"]),
])
def test_analogy_with_no_candidate_left_is_an_error(tmp_path, rows, question):
    model = tmp_path / "small.vec"
    model.write_text(f"{rows.count(chr(10))} 2\n{rows}", encoding="utf-8")
    line = _one_error_line(CliRunner().invoke(main, ["analogy", str(model), *question]))
    assert f"no answer to {' : '.join(question[:2])} :: {question[2]} : ?" in line
    assert "all of them in the question" in line


def test_similar_with_no_other_word_is_an_error(tmp_path):
    model = tmp_path / "one.vec"
    model.write_text("1 2\nman 1 0\n", encoding="utf-8")
    for words in (["man"], ["man", "man"]):
        line = _one_error_line(CliRunner().invoke(main, ["similar", str(model), *words]))
        assert "no neighbour of 'man' in 'one'" in line


def test_fasttext_analogy_with_no_candidate_left_is_an_error(tmp_path):
    corpus = tmp_path / "two.txt"
    corpus.write_text("man king\n" * 20, encoding="utf-8")
    rep = wordrep.build("fasttext", wordrep.corpora.open_corpus(str(corpus)), dim=4, epochs=1,
                        workers=1, bucket=100, min_count=1)
    path = tmp_path / "ft.wr"
    wordrep.save(rep, path)
    result = CliRunner().invoke(main, ["analogy", str(path), "man", "king", "queenish"])
    assert result.exit_code == 2 and result.stdout == "", result.output
    note, error = result.stderr.strip().splitlines()  # the subword note, then the error
    assert "'queenish' is not in the vocabulary" in note
    assert error.startswith("Error: no answer to man : king :: queenish : ? in 'fasttext'")
