"""The cluster's tasks: functions the Dask workers run (see :mod:`wordrep.cluster`).

Each is a pure function of its arguments (the corpus path and range, the settings, results
of earlier tasks), so that Dask can run it again on another worker when one is lost.
"""
from collections import defaultdict

import numpy as np

SHARD_TOKENS = 1 << 22  # tokens a shard of a compressed file holds (a plain file: its ranges)
PIECE_TOKENS = 1 << 19  # tokens windowed at a time inside a counting task (~160 MB of pairs)
FAN_IN = 8              # parts summed by one task (vocabularies, products)
BLOCKS_PER_WORKER = 4   # row blocks of the matrices per worker, at least (load balance)
BLOCK_TOKENS = 1 << 22  # corpus tokens whose rows make a block, at most (~4M pairs a block)


# -- reading (worker side) -----------------------------------------------------------------------

class Shard:
    """Tokens of one piece of the corpus, numbered locally: ``words[ids]`` are the tokens
    (line breaks removed), ``starts`` the positions after each line break (increasing)."""

    def __init__(self, tokens):
        from ..corpora.tokenize import NEWLINE
        index = defaultdict()
        index.default_factory = index.__len__
        index[NEWLINE] = 0
        ids = np.fromiter(map(index.__getitem__, tokens), dtype=np.int32, count=len(tokens))
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
    from ..corpora import parallel
    blocks, _ = parallel._read_range(path, start, end, tokenizer)
    return Shard([token for joined in blocks for token in parallel._decode(joined)])


def _read_whole(path, kind, tokenizer):
    """Shards of a file read whole by one task (gzip and xz streams decompress only from
    their start; a Wikipedia dump is parsed from its start), about SHARD_TOKENS each."""
    from pathlib import Path

    from ..corpora.sources import ReadStats, Source
    shards, tokens = [], []
    for text in Source(Path(path), kind, [Path(path)]).text_blocks(ReadStats()):
        tokens += tokenizer.tokens_with_newlines(text)
        if len(tokens) >= SHARD_TOKENS:
            shards.append(Shard(tokens))
            tokens = []
    if tokens or not shards:
        shards.append(Shard(tokens))
    return shards


# -- the vocabulary (worker side) ----------------------------------------------------------------

def _sum_counts(*parts):
    """A {word: count} sum of ``(words, counts)`` or dict parts."""
    total = defaultdict(int)
    for part in parts:
        items = part.items() if isinstance(part, dict) else zip(part[0], part[1].tolist())
        for word, count in items:
            total[word] += count
    return dict(total)


def _vocabulary(counts):
    """(words, counts) in vocabulary order: count descending, then the word."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [w for w, _ in ordered], np.array([c for _, c in ordered], dtype=np.int64)


def _word_index(vocabulary):
    return {word: i for i, word in enumerate(vocabulary[0])}


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


def _shard_pairs(prepared, carried, settings, bounds):
    """The shard's pairs, summed (int64 keys row * n + col, sums) and cut by row block."""
    from ..representations.cooccurrence import _piece_pairs, _windowed
    from ..representations.count_store import combine
    ids, lines = prepared
    window, n = settings["window"], settings["vocab_size"]
    pieces = [(ids[s:s + PIECE_TOKENS], lines[s:s + PIECE_TOKENS])
              for s in range(0, ids.size, PIECE_TOKENS)]
    windowed = _windowed([carried] + pieces, window)
    if carried[0].size:
        next(windowed)   # the carried tokens alone: their pairs are the shards' before
    keys, sums = np.zeros(0, np.int64), np.zeros(0, np.int64)
    for piece in windowed:
        rows, cols, weights = _piece_pairs(*piece, settings["numerators"], np.int64)
        if settings["context"] == "symmetric":   # each pair once, word on the left; mirrored
            rows, cols = np.concatenate((rows, cols)), np.concatenate((cols, rows))
            weights = np.concatenate((weights, weights))
        elif settings["context"] == "left":
            rows, cols = cols, rows
        keys, sums = combine(np.concatenate((keys, rows.astype(np.int64) * n + cols)),
                             np.concatenate((sums, weights)))
    cuts = np.searchsorted(keys, np.asarray(bounds, dtype=np.int64) * n)
    return [(keys[a:b], sums[a:b]) for a, b in zip(cuts[:-1], cuts[1:])]


def _block_sum(*parts):
    from ..representations.count_store import combine
    return combine(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))


def _ppmi_block(block, marginals, settings, first, last):
    """PPMI of a row block of counts (global marginals): (rows, cols, values) and its CSR."""
    import scipy.sparse as sp

    from ..representations.pmi import Scale
    keys, sums = block
    n = settings["n_cols"]
    rows, cols = np.divmod(keys, n)
    data = (sums / settings["denominator"]).astype(np.float32)
    values = Scale(*marginals, settings["cds"], settings["neg"]).values(data, rows, cols)
    if settings["kind"] == "ppmi":
        keep = values > 0
        rows, cols, values = rows[keep], cols[keep], values[keep]
    csr = sp.csr_matrix((values, (rows - first, cols)), shape=(last - first, n))
    return rows, cols, values, csr


def _csr_part(block):
    return block[3]


def _entries(block):
    return block[:3]


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
