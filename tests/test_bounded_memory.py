"""Reading a corpus and counting it in bounded memory give the same results as before.

The references below are the whole-corpus computations wordrep used before it worked chunk by
chunk (token ids renumbered in memory, the token stream prepared at once): the chunked ones
must give the same token ids, vocabulary, prepared stream and counts for every chunk size,
and their memory must not grow with the corpus.
"""
import math
from fractions import Fraction
import tracemalloc
from collections import defaultdict

import numpy as np
import pytest
import scipy.sparse as sp

from wordrep import cache
from wordrep.corpora import Corpus, open_corpus, reading, sources, token_ids
from wordrep.corpora.tokenize import NEWLINE
from wordrep.representations import count_based, cooccurrence as co

CHUNKS = (1_000, 4_099, None)  # tiny chunks force many chunk edges; None: the default


# -- the references: wordrep's computations before they were chunked ----------------------------

def build_in_memory(blocks):
    """Token ids, line starts and (words, counts) in vocabulary order, all in memory."""
    index = defaultdict()
    index.default_factory = index.__len__
    index[NEWLINE] = 0
    chunks, line_starts, n = [], [np.zeros(1, np.int64)], 0
    for tokens in blocks:
        ids = np.fromiter(map(index.__getitem__, tokens), dtype=np.int32, count=len(tokens))
        breaks = np.flatnonzero(ids == 0)
        line_starts.append(n + breaks - np.arange(breaks.size))
        chunks.append(ids[ids != 0])
        n += chunks[-1].size
    provisional = np.concatenate(chunks)
    words = list(index)
    counts = np.bincount(provisional, minlength=len(words))
    alphabetical = np.array(sorted(range(1, len(words)), key=words.__getitem__), dtype=np.int64)
    order = alphabetical[np.argsort(-counts[alphabetical], kind="stable")]
    renumber = np.empty(len(words), dtype=np.int32)
    renumber[order] = np.arange(len(order), dtype=np.int32)
    lines = np.unique(np.concatenate(line_starts))
    return renumber[provisional], lines[lines < n], [words[i] for i in order], counts[order]


def prepare_at_once(ids, lines, vocab_counts, vocab_size, subsample, delete_rare, seed):
    line_of = np.zeros(ids.size, dtype=np.int32)
    line_of[np.asarray(lines[1:], dtype=np.int64)] = 1
    np.cumsum(line_of, out=line_of)
    keep = np.ones(ids.size, dtype=bool)
    rare = ids >= vocab_size
    if delete_rare:
        keep &= ~rare
    if subsample:
        p = co.keep_probability(np.asarray(vocab_counts, dtype=np.float64), subsample)
        keep &= np.random.default_rng(seed).random(ids.size) < p[ids]
    return np.where(rare, -1, ids).astype(np.int32)[keep], line_of[keep]


def fractions(window, weighting):
    d = range(1, window + 1)
    return {"uniform": [Fraction(1)] * window, "harmonic": [Fraction(1, k) for k in d],
            "dynamic": [Fraction(window - k + 1, window) for k in d]}[weighting]


def distance_pairs(ids, line_of, vocab_size, d, context):
    left, right = ids[:-d], ids[d:]
    ok = (left >= 0) & (right >= 0) & (line_of[:-d] == line_of[d:])
    pairs = sp.coo_matrix((np.ones(int(ok.sum()), np.int64), (left[ok], right[ok])),
                          shape=(vocab_size, vocab_size)).tocsr()
    return {"symmetric": pairs + pairs.T, "left": pairs.T, "right": pairs}[context].tocsr()


def exact_counts(ids, line_of, vocab_size, window, weighting, context):
    """The counts in exact arithmetic: integer pair counts at each distance times the weights
    as fractions over their common denominator, divided once and rounded to float32."""
    weights = fractions(window, weighting)
    denominator = math.lcm(*(w.denominator for w in weights))
    total = sum(distance_pairs(ids, line_of, vocab_size, d, context) * int(w * denominator)
                for d, w in enumerate(weights, start=1))
    total.sum_duplicates()
    total.data = (total.data / denominator).astype(np.float32)
    return total


def float32_sum(ids, line_of, vocab_size, window, weighting, context):
    """The counts as wordrep summed them before: float32 weights, the corpus as one chunk."""
    weights = co.distance_weights(window, weighting).astype(np.float32)
    total = sum(distance_pairs(ids, line_of, vocab_size, d, context).astype(np.float32) * w
                for d, w in enumerate(weights, start=1))
    return total.tocsr()


def assert_same_matrix(got, want):
    assert got.dtype == np.float32 and want.dtype == np.float32 and got.shape == want.shape
    assert (got != want).nnz == 0


# -- token ids ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def lee():
    return open_corpus("lee")


@pytest.fixture(scope="module")
def enwiki():
    return open_corpus("enwiki-sample")


def reference_ids(corpus):
    blocks = token_ids.tokenize_blocks(corpus.source, corpus.tokenizer, sources.ReadStats(),
                                       lambda n: None)
    return build_in_memory(blocks)


@pytest.mark.parametrize("name", ["lee", "enwiki"])
def test_token_ids_written_as_read_equal_the_in_memory_build(name, request):
    corpus = request.getfixturevalue(name)
    arrays = corpus.token_ids()
    ids, lines, words, counts = reference_ids(corpus)
    assert np.array_equal(arrays.ids, ids) and np.array_equal(arrays.lines, lines)
    assert arrays.vocabulary.words == words and np.array_equal(arrays.vocabulary.counts, counts)
    assert arrays.ids.dtype == np.int32 and arrays.lines.dtype == np.int64
    # the entry holds only its arrays: the provisional files are gone before the checksums
    assert sorted(p.name for p in corpus.cache_folder.iterdir()) == [
        "checksums.json", "ids.npy", "info.json", "lines.npy", "vocab.json"]


def test_token_ids_across_tiny_blocks_and_chunks_with_blank_lines(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    lines = [" ".join(f"w{k}" for k in rng.zipf(1.3, size=n) % 5000) for n in
             rng.integers(0, 40, size=3000)]
    path = tmp_path / "c.txt"
    path.write_text("\n".join(lines) + "\n\n\n")   # blank lines, and breaks at the very end
    monkeypatch.setattr(reading, "BLOCK", 997)     # many blocks
    monkeypatch.setattr(token_ids, "CHUNK", 1000)  # many renumbering chunks
    corpus = Corpus(path)
    arrays = corpus.token_ids()
    ids, starts, words, counts = reference_ids(corpus)
    assert np.array_equal(arrays.ids, ids) and np.array_equal(arrays.lines, starts)
    assert arrays.vocabulary.words == words and np.array_equal(arrays.vocabulary.counts, counts)
    assert arrays.info["tokens"] == ids.size and arrays.info["lines"] == starts.size
    for size in (1, 999, 10**6):
        pieces = list(arrays.chunks(size))
        assert [start for start, _ in pieces] == list(range(0, ids.size, size))
        assert np.array_equal(np.concatenate([piece for _, piece in pieces]), ids)


# -- preparing and counting chunk by chunk ---------------------------------------------------

@pytest.mark.parametrize("subsample", [None, 1e-3])
@pytest.mark.parametrize("delete_rare", [True, False])
def test_prepared_stream_is_the_same_for_every_chunk_size(lee, subsample, delete_rare):
    arrays = lee.token_ids()
    ids = np.asarray(arrays.ids)
    want = prepare_at_once(ids, arrays.lines, arrays.vocabulary.counts, 1831, subsample,
                           delete_rare, seed=4)
    for chunk in (1, 1_000, 4_099, 10**7):
        got = co.prepare_tokens(ids, arrays.lines, arrays.vocabulary.counts, 1831, subsample,
                                delete_rare, seed=4, chunk_tokens=chunk)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


@pytest.mark.parametrize("weighting", co.WEIGHTINGS)
@pytest.mark.parametrize("context", co.CONTEXTS)
@pytest.mark.parametrize("subsample,delete_rare", [(None, True), (1e-3, True), (1e-3, False),
                                                   (None, False)])
def test_counts_are_exact_and_do_not_depend_on_the_chunk_size(lee, weighting, context,
                                                              subsample, delete_rare):
    arrays = lee.token_ids()
    vocab_size = len(arrays.vocabulary.trim(5))
    ids, line_of = prepare_at_once(np.asarray(arrays.ids), arrays.lines,
                                   arrays.vocabulary.counts, vocab_size, subsample,
                                   delete_rare, seed=2)
    want = exact_counts(ids, line_of, vocab_size, 5, weighting, context)
    # the same pairs as the float32 sums of before, which differ in their last bits at most
    before = float32_sum(ids, line_of, vocab_size, 5, weighting, context)
    assert (abs(before - want) > 2e-6 * abs(want)).nnz == 0
    assert np.array_equal(before.indptr, want.indptr)
    for chunk in CHUNKS:
        for workers in (1, 2):
            got = co.corpus_counts(arrays, vocab_size, 5, weighting, context, subsample,
                                   delete_rare, seed=2, chunk_tokens=chunk, workers=workers)
            assert_same_matrix(got, want)


@pytest.mark.parametrize("weighting,subsample,delete_rare", [
    ("dynamic", 1e-5, True), ("harmonic", None, True), ("uniform", 1e-4, False)])
def test_counts_on_a_wikipedia_sample_for_every_chunk_size(enwiki, weighting, subsample,
                                                           delete_rare):
    arrays = enwiki.token_ids()
    vocab_size = len(arrays.vocabulary.trim(5))
    ids, line_of = prepare_at_once(np.asarray(arrays.ids), arrays.lines,
                                   arrays.vocabulary.counts, vocab_size, subsample,
                                   delete_rare, seed=0)
    want = exact_counts(ids, line_of, vocab_size, 5, weighting, "symmetric")
    for chunk in CHUNKS:
        got = co.corpus_counts(arrays, vocab_size, 5, weighting, "symmetric", subsample,
                               delete_rare, seed=0, chunk_tokens=chunk)
        assert_same_matrix(got, want)


def test_the_count_matrix_of_the_builders_is_the_exact_one(lee, monkeypatch):
    monkeypatch.setattr(co, "CHUNK_TOKENS", 777)
    vocab, got = count_based.count_matrix(lee, min_count=5, window=3)   # defaults: dynamic, 1e-5
    arrays = lee.token_ids()
    ids, line_of = prepare_at_once(np.asarray(arrays.ids), arrays.lines,
                                   arrays.vocabulary.counts, len(vocab), 1e-5, True, seed=0)
    assert_same_matrix(got, exact_counts(ids, line_of, len(vocab), 3, "dynamic", "symmetric"))


def test_integer_weights_are_exact_and_wide_enough():
    numerators, denominator, dtype = co._integer_weights(5, "harmonic", 10**6)
    assert numerators.tolist() == [60, 30, 20, 15, 12] and denominator == 60
    assert dtype == np.int32                          # 2 * 1e6 * 137 < 2**31
    assert co._integer_weights(5, "harmonic", 10**7)[2] == np.int64
    numerators, denominator, _ = co._integer_weights(4, "dynamic", 10)
    assert numerators.tolist() == [4, 3, 2, 1] and denominator == 4
    # past int64, float weights (documented as exact only to float64 rounding)
    weights, denominator, dtype = co._integer_weights(60, "harmonic", 10**9)
    assert dtype == np.float64 and denominator == 1 and weights[1] == 0.5
    assert math.lcm(*range(1, 61)) * 2 * 10**9 > np.iinfo(np.int64).max


# -- memory ------------------------------------------------------------------------------------

def peak_bytes(action):
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def repeated_corpus(path, copies):
    """The same 100k-token text ``copies`` times: the vocabulary and pairs stay the same, only
    the number of tokens grows."""
    rng = np.random.default_rng(0)
    words = [f"w{k}" for k in rng.zipf(1.2, size=100_000) % 3000]
    text = "\n".join(" ".join(words[i:i + 25]) for i in range(0, len(words), 25)) + "\n"
    path.write_text(text * copies)
    return Corpus(path)


def test_reading_and_counting_memory_does_not_grow_with_the_corpus(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "BLOCK", 1 << 16)
    monkeypatch.setattr(token_ids, "CHUNK", 1 << 14, raising=False)
    monkeypatch.setattr(co, "CHUNK_TOKENS", 1 << 14, raising=False)
    monkeypatch.setattr(co, "FLUSH_PAIRS", 1 << 16, raising=False)
    # one counting thread: two would each hold a running sum that fills up at its own pace
    monkeypatch.setattr(co.os, "cpu_count", lambda: 1)
    peaks = {}
    for copies in (2, 8):
        corpus = repeated_corpus(tmp_path / f"c{copies}.txt", copies)
        read = peak_bytes(corpus.token_ids)
        # no subsampling: it would make new pairs in each copy, and the counts grow with them
        count = peak_bytes(lambda: (count_based.count_matrix(corpus, min_count=1, window=5,
                                                              subsample=0),
                                    cache.finish_writes()))
        peaks[copies] = read, count
    # 600k more tokens: 7 MB more of int32 ids held once, more than 10 MB prepared at once
    for small, large in zip(peaks[2], peaks[8]):
        assert large - small < 1_500_000, peaks
