"""word2vec, CBOW and fastText through gensim's corpus_file path."""
import logging
import re

import numpy as np
import pytest

from wordrep.corpora import open_corpus
from wordrep.errors import UserError
from wordrep.representations import build
from wordrep.representations.neural import FILLER, MAX_LINE, corpus_file


def test_corpus_file_holds_the_corpus_tokens_line_by_line():
    corpus = open_corpus("lee")
    text = corpus_file(corpus)
    lines = text.path.read_text(encoding="utf-8").splitlines()
    assert [line.split() for line in lines if FILLER not in line] == list(corpus)
    assert len(lines) == text.lines and text.tokens == sum(map(len, corpus))
    assert sum(len(line.split(" ")) for line in lines) == text.words


def _write_lines(path, lengths, seed=0):
    """A corpus of ``lengths[i]`` tokens on line i, words drawn from 40 (each seen often)."""
    rng = np.random.default_rng(seed)
    words = np.array([f"w{i}" for i in range(40)])
    path.write_text("".join(" ".join(words[rng.integers(0, 40, n)]) + "\n" for n in lengths))
    return path


def _epoch_counts(caplog):
    """(raw, effective) words of each epoch, from gensim's own "EPOCH n: training on" lines."""
    found = [re.search(r"EPOCH \d+: training on (\d+) raw words \((\d+) effective words\)",
                       r.getMessage()) for r in caplog.records]
    return [(int(m[1]), int(m[2])) for m in found if m]


@pytest.mark.parametrize("method", ["word2vec", "cbow", "fasttext"])
@pytest.mark.parametrize("lengths", [[25_000], [12_345, 30_001, 7, 999, 10_000, 10_001]],
                         ids=["one-line", "long-lines"])
def test_gensim_trains_every_token(method, lengths, tmp_path, caplog):
    # no subsampling and every word in the vocabulary: gensim must train each token once an
    # epoch (lines of 10,000 tokens lost most of every second line)
    corpus = open_corpus(_write_lines(tmp_path / "c.txt", lengths))
    params = dict(dim=8, epochs=2, workers=1, min_count=1, sample=0)
    if method == "fasttext":
        params["bucket"] = 1000
    caplog.set_level(logging.INFO, logger="gensim")
    rep = build(method, corpus, **params)
    text = corpus_file(corpus)
    assert _epoch_counts(caplog) == [(text.words, sum(lengths))] * 2
    counts = rep.metadata["gensim_counts"]
    assert counts["raw_words"] == 2 * text.words and counts["trained_fraction"] == 1.0


def test_training_text_cuts_long_lines_and_groups_them_under_gensims_batch(tmp_path):
    from gensim.models.word2vec_inner import MAX_WORDS_IN_BATCH
    corpus = open_corpus(_write_lines(tmp_path / "c.txt", [25_000, 3, 2_500]))
    lines = corpus_file(corpus).path.read_text(encoding="utf-8").splitlines()
    real = [len(line.split()) for line in lines if FILLER not in line]
    assert real == [MAX_LINE] * 25 + [3, MAX_LINE, MAX_LINE, 500]
    # corpus tokens between two filler lines: fewer than a batch; a filler line: longer than
    # the longest line ("\x1f" is whitespace to str.split, so count the spaces)
    groups, fillers = [0], []
    for line in lines:
        if FILLER in line:
            groups.append(0)
            fillers.append(len(line.split(" ")))
        else:
            groups[-1] += len(line.split())
    assert max(groups) < MAX_WORDS_IN_BATCH and len(groups) == 4
    assert fillers == [MAX_LINE + 1] * 3


def test_subsampled_training_keeps_what_subsampling_keeps(tmp_path, caplog):
    # one line: 3,000 rare words and one word of 20% that subsampling mostly drops; gensim's
    # trained count per epoch is, within chance, what subsampling keeps (about 80%)
    rng = np.random.default_rng(3)
    rare = np.char.add("w", rng.integers(0, 3000, 60_000).astype(str))
    words = np.where(rng.random(60_000) < 0.2, "the", rare)
    (tmp_path / "z.txt").write_text(" ".join(words) + "\n")
    caplog.set_level(logging.INFO, logger="gensim")
    rep = build("word2vec", open_corpus(tmp_path / "z.txt"), dim=8, epochs=3, workers=1,
                min_count=1, sample=1e-3)
    counts = np.asarray(rep.kv.expandos["count"], dtype=float)
    keep = np.minimum(np.asarray(rep.kv.expandos["sample_int"], dtype=float) / 2**32, 1)
    expected = counts @ keep
    assert 0.75 < expected / counts.sum() < 0.85
    trained = [effective for raw, effective in _epoch_counts(caplog)]
    assert len(trained) == 3 and all(abs(t / expected - 1) < 0.01 for t in trained)
    assert rep.metadata["gensim_counts"]["trained_fraction"] == pytest.approx(1, abs=0.01)


def test_a_short_raw_count_from_gensim_is_reported(tmp_path, caplog):
    from wordrep.representations.neural import TrainingText, _check_counts
    text = TrainingText(tmp_path / "corpus.txt", tokens=9_000, words=10_001, lines=10)
    with caplog.at_level(logging.WARNING, logger="wordrep"):
        figures = _check_counts("word2vec", text, 2, raw=20_002, trained=9_000, expected=4_500)
    assert not caplog.records and figures["trained_fraction"] == 1.0
    with caplog.at_level(logging.WARNING, logger="wordrep"):
        _check_counts("word2vec", text, 2, raw=15_000, trained=7_000, expected=4_500)
    assert "gensim read 15,000 of the 20,002 words" in caplog.text


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
    assert a.metadata["gensim_counts"]["raw_words"] == 2 * corpus_file(corpus).words


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


def _training_text_line_by_line(corpus, max_batch):
    """The training text as the whole-array writer made it: each line's words joined, a
    filler line after each group (the reference for the chunked writer)."""
    from wordrep.representations.neural import _groups
    arrays = corpus.token_ids()
    words = np.array(arrays.vocabulary.words, dtype=object)
    starts, ends = arrays.sentences(MAX_LINE)
    group, fill = _groups(ends - starts, max_batch)
    filler_after = np.append(group[1:] != group[:-1], False)
    out = []
    for start, end, filler in zip(starts, ends, filler_after):
        out.append(" ".join(words[np.asarray(arrays.ids[start:end])]) + "\n")
        if filler:
            out.append(" ".join([FILLER] * fill) + "\n")
    return "".join(out)


@pytest.mark.parametrize("chunk", [1 << 22, 4_999, 777, 1])
@pytest.mark.parametrize("name", ["lee", "enwiki-sample", "long-lines"])
def test_training_text_written_chunk_by_chunk_is_the_same(name, chunk, tmp_path, monkeypatch):
    from gensim.models.word2vec_inner import MAX_WORDS_IN_BATCH
    from wordrep.representations import neural
    if name == "long-lines":
        name = _write_lines(tmp_path / "c.txt", [25_000, 3, 0, 2_500, 1_000, 999, 1_001])
    elif name == "enwiki-sample" and chunk == 1:
        pytest.skip("a token at a time is slow on 2M tokens")
    corpus = open_corpus(name)
    monkeypatch.setattr(neural, "CHUNK", chunk)
    text = corpus_file(corpus)
    assert text.path.read_text(encoding="utf-8") == \
        _training_text_line_by_line(corpus, MAX_WORDS_IN_BATCH)
    # word ids in order of first occurrence
    ids = np.asarray(corpus.token_ids().ids)
    seen, first = np.unique(ids, return_index=True)
    np.testing.assert_array_equal(np.load(text.first_seen), seen[np.argsort(first)])


@pytest.mark.parametrize("method", ["word2vec", "fasttext"])
def test_gensim_vocabulary_from_wordrep_counts_is_gensims_own_scan(method):
    # the same words, counts and order (ties of count by first occurrence) as gensim's scan of
    # the training text, so the same vectors for the same seed
    from gensim.models import FastText, Word2Vec
    from wordrep.representations.neural import _build_vocabulary, _drop_filler
    corpus = open_corpus("lee")
    text = corpus_file(corpus)
    params = dict(vector_size=10, min_count=3, workers=1, seed=3)
    if method == "fasttext":
        params["bucket"] = 1000
    model_class = FastText if method == "fasttext" else Word2Vec
    scanned, ours = model_class(**params), model_class(**params)
    scanned.build_vocab(corpus_file=str(text.path), trim_rule=_drop_filler)
    _build_vocabulary(ours, corpus, text, method)
    assert ours.wv.index_to_key == scanned.wv.index_to_key
    for attribute in ("count", "sample_int"):
        np.testing.assert_array_equal(ours.wv.expandos[attribute],
                                      scanned.wv.expandos[attribute])
    np.testing.assert_array_equal(ours.wv.vectors, scanned.wv.vectors)
    assert ours.corpus_total_words == scanned.corpus_total_words == text.tokens


def test_vocabulary_is_capped_at_what_the_memory_budget_holds(caplog):
    from wordrep import budget
    corpus = open_corpus("lee")
    corpus_file(corpus)
    full = build("word2vec", corpus, dim=1000, epochs=1, workers=1)
    # 1000 dimensions: about 8.5 KB a word by gensim's estimate; 4 MB hold about 490 words
    with budget.limit(budget.resident() + (4 << 20)), \
            caplog.at_level(logging.WARNING, logger="wordrep"):
        capped = build("word2vec", corpus, dim=1000, epochs=1, workers=1)
    kept = len(capped.vocabulary)
    assert 100 < kept < 600 < len(full.vocabulary)
    assert f"kept the {kept:,} most frequent of the {len(full.vocabulary):,}" in caplog.text
    counts = dict(zip(full.kv.index_to_key, full.kv.expandos["count"]))
    assert min(counts[w] for w in capped.vocabulary) > max(
        c for w, c in counts.items() if w not in set(capped.vocabulary))


def test_a_budget_below_fasttexts_buckets_is_an_error():
    from wordrep import budget
    with budget.limit("200M"), pytest.raises(UserError, match="cannot hold gensim's model"):
        build("fasttext", open_corpus("lee"), dim=100, bucket=2_000_000, workers=1)
