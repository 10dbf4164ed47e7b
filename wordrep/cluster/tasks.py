"""The cluster's tasks: functions the Dask workers run (see :mod:`wordrep.cluster`).

Each is a pure function of its arguments (the corpus path and range, the settings, results
of earlier tasks), so that Dask can run it again on another worker when one is lost.
"""
from collections import defaultdict

import numpy as np

SHARD_TOKENS = 1 << 22  # tokens a shard of a compressed file holds (a plain file: its ranges)
RANGES_PER_SHARD = 4    # the parallel reader's byte ranges (parallel.RANGE) a plain file's shard
PIECE_TOKENS = 1 << 19  # tokens windowed at a time inside a counting task (~160 MB of pairs)
FAN_IN = 8              # parts summed by one task (vocabularies, products)
BLOCKS_PER_WORKER = 4   # row blocks of the matrices per worker, at least (load balance)
BLOCK_TOKENS = 1 << 22  # corpus tokens whose rows make a block, at most (~4M pairs a block)


# -- reading (worker side) -----------------------------------------------------------------------

class Shard:
    """Tokens of one piece of the corpus, numbered locally: ``words[ids]`` are the tokens
    (line breaks removed), ``starts`` the positions after each line break (increasing)."""

    def __init__(self, blocks):
        """``blocks``: lists of tokens (the NEWLINE token for a line break), in corpus order,
        numbered one at a time (the token strings of a whole shard are never held)."""
        from ..corpora.tokenize import NEWLINE
        index = defaultdict()
        index.default_factory = index.__len__
        index[NEWLINE] = 0
        ids = np.concatenate([np.zeros(0, np.int32)] + [
            np.fromiter(map(index.__getitem__, tokens), dtype=np.int32, count=len(tokens))
            for tokens in blocks])
        breaks = np.flatnonzero(ids == 0)
        self.starts = np.unique(breaks - np.arange(breaks.size)).astype(np.int64)
        self.ids = ids[ids != 0]
        self.words = list(index)
        self.counts = np.bincount(self.ids, minlength=len(self.words))

    def summary(self):
        """(tokens, line starts, words, counts): what the vocabulary and offsets need."""
        return self.ids.size, self.starts.size, self.words[1:], self.counts[1:]


def _check_readable(path):
    """On a worker: None if it can read ``path``, else what went wrong."""
    try:
        with open(path, "rb") as f:
            f.read(1)
    except OSError as exc:
        return f"{type(exc).__name__}: {exc.strerror or exc}"
    return None


def _read_range(path, start, end, tokenizer):
    """The Shard of bytes [start, end) of a plain file: the parallel reader's tokens
    (:func:`wordrep.corpora.parallel._read_range`), without joining them for a pipe."""
    from ..corpora import parallel, reading
    with reading.still_there(path):
        return Shard(tokenizer.tokens_with_newlines(text)
                     for text in reading.text_of(parallel._chunks(path, start, end)))


def _read_whole(path, kind, tokenizer):
    """Shards of a file read whole by one task (gzip and xz streams decompress only from
    their start; a Wikipedia dump is parsed from its start), about SHARD_TOKENS each."""
    from pathlib import Path

    from ..corpora.sources import ReadStats, Source
    shards, tokens = [], []
    for text in Source(Path(path), kind, [Path(path)]).text_blocks(ReadStats()):
        tokens += tokenizer.tokens_with_newlines(text)
        if len(tokens) >= SHARD_TOKENS:
            shards.append(Shard([tokens]))
            tokens = []
    if tokens or not shards:
        shards.append(Shard([tokens]))
    return shards


# -- the vocabulary (worker side) ----------------------------------------------------------------

def _sum_counts(*parts):
    """The sum of ``(words, counts)`` parts, as (words, counts): lists and arrays travel
    between workers pickled whole, a dict entry by entry (Dask's serialization of plain
    dicts: 7 s for 250,000 words, against 0.1 s as a list)."""
    total = defaultdict(int)
    for words, counts in parts:
        for word, count in zip(words, counts.tolist()):
            total[word] += count
    return list(total), np.fromiter(total.values(), dtype=np.int64, count=len(total))


def _vocabulary(counts):
    """(words, counts) in vocabulary order: count descending, then the word."""
    words, counts = counts
    ordered = sorted(zip(words, counts.tolist()), key=lambda item: (-item[1], item[0]))
    return [w for w, _ in ordered], np.array([c for _, c in ordered], dtype=np.int64)


class WordIndex(dict):
    """{word: its id}: a dict that Dask pickles whole (not a plain dict: see _sum_counts)."""


def _word_index(vocabulary):
    return WordIndex((word, i) for i, word in enumerate(vocabulary[0]))


# -- counting (worker side) ----------------------------------------------------------------------

def _prepared(shard, index, vocab_counts, settings, offset, line_base):
    """(ids, global line numbers) of the tokens a shard keeps; see cooccurrence.prepared_chunks."""
    from ..representations.cooccurrence import prepared_chunks
    lookup = np.fromiter((index[w] for w in shard.words[1:]), dtype=np.int32,
                         count=len(shard.words) - 1)
    ids = np.concatenate(([-1], lookup)).astype(np.int32)[shard.ids]
    lines = np.concatenate(([0], offset + shard.starts))  # lines[0]: only lines[1:] are read
    (kept, line_of), = prepared_chunks([(offset, ids)], lines, vocab_counts,
                                       settings["vocab_size"], settings["subsample"],
                                       settings["delete_rare"], settings["seed"])
    return kept, line_of + line_base


def _tail(before, prepared, window):
    """The last ``window`` kept tokens of the stream up to and including this shard."""
    ids = np.concatenate((before[0], prepared[0]))[-window:]
    return ids, np.concatenate((before[1], prepared[1]))[-window:]


class _Sums:
    """What an :class:`~.count_store.Accumulator` needs of its store when it never spills:
    the matrix's shape (a task's pairs stay in its memory, a shard's worth)."""

    def __init__(self, n):
        self.shape = (n, n)


def _shard_pairs(prepared, carried, settings, bounds):
    """The shard's pairs summed: a CSR matrix of int64 sums a row block (``bounds``).

    As in one process (a symmetric :class:`~.count_store.CountStore`), a symmetric window's
    pairs are summed in one direction, the word on the left, and mirrored once summed (scipy's
    linear transposition): half the pairs to sort. The sums are in-memory runs merged by
    scipy's linear addition, as the single-process accumulators merge theirs."""
    from ..representations.cooccurrence import _piece_pairs, _windowed
    from ..representations.count_store import Accumulator, add_all
    ids, lines = prepared
    window, n = settings["window"], settings["vocab_size"]
    pieces = [(ids[s:s + PIECE_TOKENS], lines[s:s + PIECE_TOKENS])
              for s in range(0, ids.size, PIECE_TOKENS)]
    windowed = _windowed([carried] + pieces, window)
    if carried[0].size:
        next(windowed)   # the carried tokens alone: their pairs are the shards' before
    sums = Accumulator(_Sums(n), budget=np.iinfo(np.int64).max)
    for piece in windowed:
        rows, cols, weights = _piece_pairs(*piece, settings["numerators"], np.int64)
        if settings["context"] == "left":
            rows, cols = cols, rows
        sums.add(rows, cols, weights)
    total = sums.take()
    # a block of the mirrored sums at a time: the sum of both directions is never held whole
    parts = [total, total.T.tocsr()] if settings["context"] == "symmetric" else [total]
    del total
    return [add_all([part[a:b] for part in parts], (b - a, n))
            for a, b in zip(bounds[:-1], bounds[1:])]


def _block_sum(*parts):
    """The sum of CSR row blocks of int64 sums (sorted: scipy adds them by linear merges)."""
    from ..representations.count_store import add_all
    return add_all(list(parts), parts[0].shape)


def block_rows(block, first):
    """The row of each stored entry of a CSR row block starting at row ``first``."""
    return np.repeat(np.arange(first, first + block.shape[0]), np.diff(block.indptr))


def _ppmi_block(block, marginals, settings, first):
    """PPMI of a CSR row block of count sums (global marginals), as a float32 CSR block of
    the same rows: the entries in the same order, some removed (no sorting)."""
    import scipy.sparse as sp

    from ..representations.pmi import Scale
    rows = block_rows(block, 0)
    data = (block.data / settings["denominator"]).astype(np.float32)
    values = Scale(*marginals, settings["cds"], settings["neg"]).values(data, rows + first,
                                                                        block.indices)
    indices, indptr = block.indices, block.indptr
    if settings["kind"] == "ppmi":
        keep = values > 0
        values, indices = values[keep], indices[keep]
        indptr = np.concatenate(([0], np.cumsum(np.bincount(rows[keep],
                                                            minlength=block.shape[0]))))
    index = np.int32 if values.size <= np.iinfo(np.int32).max else np.int64
    return sp.csr_matrix((values, indices.astype(index, copy=False), indptr.astype(index)),
                         shape=block.shape)


def _stack(firsts, lasts, *blocks):
    """A worker's row blocks for the products: (first rows, last rows, CSR blocks)."""
    return firsts, lasts, blocks


def _dot_stack(stack, x):
    from ..representations.sparse_products import blocked_product
    firsts, lasts, blocks = stack
    return firsts, lasts, [blocked_product(block, x) for block in blocks]


def _tdot_stack(stack, x):
    firsts, lasts, blocks = stack
    # CSC views of the transposes: no transposed copy per product
    return _sum(*[block.T @ x[first:last] for first, last, block in zip(*stack)])


def _sum(*parts):
    return sum(parts[1:], parts[0].copy())
