"""Corpus prefixes (learning curves) read the cached token ids chunk by chunk, as the whole
corpus does (issue 14): no prefix-sized array in memory, and the same ids, vocabulary, lines
and counts as the in-memory prefixes they replace."""
import json
import tracemalloc

import numpy as np
import pytest

from wordrep.corpora import open_corpus, token_ids
from wordrep.corpora.token_ids import TokenIds
from wordrep.corpora.vocabulary import Vocabulary
from wordrep.representations import cooccurrence, count_based


def prefix_in_memory(arrays, n_tokens):
    """What ``TokenIds.prefix`` did before issue 14 (its ids renumbered into a new array): the
    reference the memory-mapped prefix must equal."""
    ids = np.asarray(arrays.ids[:n_tokens])
    counts = np.bincount(ids, minlength=len(arrays.vocabulary))
    words = arrays.vocabulary.words
    seen = np.flatnonzero(counts)
    order = seen[np.lexsort((np.array(words, dtype=object)[seen].astype(str), -counts[seen]))]
    renumber = np.full(len(words), -1, dtype=np.int32)
    renumber[order] = np.arange(order.size, dtype=np.int32)
    vocab = Vocabulary([words[i] for i in order.tolist()], counts[order])
    lines = np.asarray(arrays.lines)[np.asarray(arrays.lines) < max(n_tokens, 1)]
    info = dict(arrays.info, tokens=int(ids.size), types=len(vocab), lines=int(lines.size))
    return TokenIds(renumber[ids], lines, vocab, info)


def all_ids(arrays, size):
    pieces = list(arrays.chunks(size))
    assert [start for start, _ in pieces] == list(range(0, len(arrays.ids), size))
    assert all(ids.size <= size for _, ids in pieces)
    return np.concatenate([ids for _, ids in pieces])


def same_arrays(got, want):
    """Every part of two TokenIds equal, byte for byte."""
    assert got.vocabulary.words == want.vocabulary.words
    assert got.vocabulary.counts.tobytes() == want.vocabulary.counts.tobytes()
    assert np.asarray(got.lines).tobytes() == want.lines.tobytes()
    assert got.info == want.info and len(got.ids) == got.ids.size == want.ids.size
    assert all_ids(got, 7_001).tobytes() == want.ids.tobytes()
    assert np.asarray(got.ids).tobytes() == want.ids.tobytes()
    assert got.ids[123:4567].tobytes() == want.ids[123:4567].tobytes()
    for mine, theirs in zip(got.sentences(50), want.sentences(50)):
        assert mine.tobytes() == theirs.tobytes()


def csr_bytes(m):
    return [np.asarray(part).tobytes() for part in (m.data, m.indices, m.indptr)]


@pytest.mark.parametrize("fraction", [0.013, 0.5, 0.999])
def test_a_prefix_is_the_in_memory_prefix_byte_for_byte(fraction):
    arrays = open_corpus("lee").token_ids()
    n = int(round(fraction * arrays.ids.size))
    part = arrays.prefix(n)
    want = prefix_in_memory(arrays, n)
    same_arrays(part, want)
    # a prefix of a prefix: composed, not read into memory either
    same_arrays(part.prefix(n // 3), prefix_in_memory(want, n // 3))
    # the counts of the default count path (dynamic window, subsampling), byte for byte
    vocab_size = len(part.vocabulary.trim(3))
    mine, theirs = (csr_bytes(cooccurrence.corpus_counts(a, vocab_size, 5, "dynamic",
                                                         "symmetric", 1e-3, chunk_tokens=4_000))
                    for a in (part, want))
    assert mine == theirs


def test_learning_curve_counts_are_those_of_the_in_memory_prefix():
    """The counts a learning-curve point is built from (CorpusPrefix, cached), unchanged."""
    corpus = open_corpus("lee")
    part = corpus.prefix(0.5)
    vocab, counts = count_based.count_matrix(part, min_count=3)
    want = prefix_in_memory(corpus.token_ids(), part.n_tokens)
    assert vocab.words == want.vocabulary.trim(3).words
    chunk = cooccurrence.chunk_tokens_for(1 << 40, 5)
    reference = cooccurrence.corpus_counts(want, len(vocab), 5, "dynamic", "symmetric", 1e-5,
                                           chunk_tokens=chunk)
    assert csr_bytes(counts) == csr_bytes(reference)


def zipf_corpus(folder, n_tokens, line_length=20):
    """A cache entry of ``n_tokens`` Zipf-distributed tokens, as ``token_ids._build`` writes it
    (the ids written block by block by :func:`token_ids.build`), loaded by ``_load``."""
    rng = np.random.default_rng(0)
    words = np.array([f"w{i}" for i in range(5_000)], dtype=object)
    tokens = words[np.minimum(rng.zipf(1.3, n_tokens), words.size) - 1]
    lines = np.full(n_tokens // line_length, "\n", dtype=object)
    text = np.insert(tokens, np.arange(1, lines.size + 1) * line_length - 1, lines)
    blocks = (text[i:i + 100_000].tolist() for i in range(0, text.size, 100_000))
    n, n_lines, vocab = token_ids.build(blocks, folder)
    vocab.save(folder / "vocab.json")
    info = {"format": token_ids.FORMAT, "tokens": n, "types": len(vocab), "lines": n_lines}
    (folder / "info.json").write_text(json.dumps(info))
    return n, n_lines


def peak_bytes(function):
    """Peak bytes numpy and Python allocated while ``function`` ran (mapped pages excluded)."""
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_prefix_and_its_lines_stay_on_disk(tmp_path, monkeypatch):
    """The ids of a prefix of most of the corpus are read a chunk at a time, as the corpus's
    own; and the line starts are mapped, not loaded (400 MB at 1e9 tokens of 20-token lines)."""
    monkeypatch.setattr(token_ids, "CHUNK", 1 << 16)  # 256 KB of ids at a time
    n, n_lines = zipf_corpus(tmp_path, 2_000_000, line_length=4)  # 4 MB of line starts
    loaded = []
    assert peak_bytes(lambda: loaded.append(token_ids._load(tmp_path))) < n_lines * 8 // 4
    arrays = loaded[0]
    part = arrays.prefix(n - 1)

    def prefix_and_read():
        part = arrays.prefix(n - 1)
        for _ in part.chunks(1 << 16):
            pass
    assert peak_bytes(prefix_and_read) < n * 4 // 8   # not the 8 MB of the prefix's ids
    assert part.path == arrays.path and part.vocabulary.counts.sum() == n - 1
