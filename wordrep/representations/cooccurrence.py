"""Stage 1 of the count pipeline: window co-occurrence counts over a token-id array.

Everything runs chunk by chunk over the token ids (the cached, memory-mapped array of
:mod:`wordrep.corpora.token_ids`), so memory depends on the chunk size and the number of
distinct pairs, never on the corpus length:

- preparing: each chunk's rare-word mask, subsampling draws and line numbers are computed for
  that chunk alone; the draw of the token at position i is the i-th number of the seed's
  stream (``np.random.default_rng(seed).random(n)[i]``), reached by jumping ahead
  (``PCG64.advance``), so the draws are those of one pass over the whole corpus;
- windowing: the last ``window`` kept tokens of the stream so far are carried into the next
  chunk, and a pair is counted in the chunk of its right-hand token, so pairs across chunk
  edges count exactly once;
- counting: for each distance d the pairs are two shifted views of the chunk. Weights are
  summed as integers (w_d times a common denominator: 1, L or lcm(1..L)) and divided once at
  the end, so the sums are exact: the counts do not depend on the chunk size nor on how chunks
  are shared among threads (a float32 running sum would, in its last bits);
- summing: the pairs go to a :class:`~.count_store.CountStore`, which keeps them within the
  memory budget, spills sorted runs to disk past it and merges them into a CSR matrix on
  disk: the same matrix, bit for bit, whatever the budget.

The hyperparameters are those of Levy, Goldberg & Dagan (2015):

- ``window``: L words on each side (or one side, see ``context``);
- ``weighting``: ``uniform`` (1), ``harmonic`` (1/d, as GloVe) or ``dynamic``, word2vec's
  dynamic window in expectation ((L - d + 1) / L, Levy et al.'s ``dyn``);
- ``subsample``: word2vec's threshold t; a token of relative frequency f is kept with
  probability min(1, sqrt(t/f) + t/f), drawn with ``seed``; applied before windowing;
- ``delete_rare`` (``del``): remove words below min_count before windowing ("dirty", so that
  windows reach further), or keep their positions and skip their pairs ("clean").
"""
import math
import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .. import budget
from ..errors import UserError
from .count_store import CountStore, open_csr

WEIGHTINGS = ("uniform", "harmonic", "dynamic")
CONTEXTS = ("symmetric", "left", "right")


def check_window(window, weighting, context, subsample):
    if not isinstance(window, (int, np.integer)) or window < 1:
        raise UserError(f"window must be a whole number >= 1, got {window!r}.",
                        "Use --window 5, the usual setting.")
    if weighting not in WEIGHTINGS:
        raise UserError(f"unknown weighting {weighting!r}.", f"Use one of {', '.join(WEIGHTINGS)}.")
    if context not in CONTEXTS:
        raise UserError(f"unknown context {context!r}.", f"Use one of {', '.join(CONTEXTS)}.")
    if subsample is not None and not 0 < subsample < 1:
        raise UserError(f"subsample must be a threshold between 0 and 1, got {subsample!r}.",
                        "Use 1e-5 (word2vec's default is 1e-3), or 0 / none to keep every token.")


def distance_weights(window, weighting):
    """Weight of a pair at distance d = 1..window."""
    d = np.arange(1, window + 1, dtype=np.float64)
    if weighting == "uniform":
        return np.ones_like(d)
    if weighting == "harmonic":
        return 1.0 / d
    return (window - d + 1) / window


def keep_probability(counts, threshold):
    """word2vec's subsampling: probability of keeping each word of the vocabulary."""
    freq = counts / counts.sum()
    ratio = threshold / np.maximum(freq, 1e-300)
    return np.minimum(1.0, np.sqrt(ratio) + ratio)


CHUNK_TOKENS = 1 << 21  # tokens of the corpus prepared at a time (8 MB of ids)
FLUSH_PAIRS = 1 << 22  # pairs a thread gathers, at least, before it combines them


PAIR_BYTES = 144  # a pair in flight: ids, weight, both directions, key, sum, sort temporaries
PIECE_TOKENS = 1 << 18  # at most, whatever the budget: bigger pieces only sort slower


def chunk_tokens_for(memory, window, workers=None):
    """Tokens to prepare at a time so that the pairs of the chunks in flight (one a thread,
    each token making at most 2 x ``window`` pairs) take about half of ``memory`` bytes."""
    workers = max(1, workers or os.cpu_count() or 1)
    tokens = memory // (2 * workers * 2 * window * PAIR_BYTES)
    return int(min(CHUNK_TOKENS, PIECE_TOKENS, max(1 << 12, tokens)))


def prepare_tokens(ids, lines, vocab_counts, vocab_size, subsample=None, delete_rare=True,
                   seed=0, chunk_tokens=CHUNK_TOKENS):
    """The token stream the windows run over: ids and the line number of each token.

    Words with id >= vocab_size (rarer than min_count: the vocabulary is in frequency order)
    are deleted ("dirty") or marked -1 ("clean"); subsampled tokens are always deleted. The
    whole stream at once, for small corpora and tests: :func:`corpus_counts` prepares it a
    chunk at a time (:func:`prepared_chunks`), with the same result.
    """
    ids = np.asarray(ids)
    chunks = ((start, ids[start:start + chunk_tokens])
              for start in range(0, ids.size, chunk_tokens))
    pieces = list(prepared_chunks(chunks, lines, vocab_counts, vocab_size, subsample,
                                  delete_rare, seed))
    if not pieces:
        return np.zeros(0, np.int32), np.zeros(0, np.int64)
    return tuple(np.concatenate(part) for part in zip(*pieces))


def prepared_chunks(chunks, lines, vocab_counts, vocab_size, subsample=None, delete_rare=True,
                    seed=0):
    """(ids, line numbers) of the tokens kept in each chunk of ``chunks``, pairs (start, ids)
    of consecutive pieces of the corpus; see :func:`prepare_tokens`."""
    lines = np.asarray(lines, dtype=np.int64)
    keep_p = None
    if subsample:
        keep_p = keep_probability(np.asarray(vocab_counts, dtype=np.float64), subsample)
    for start, ids in chunks:
        rare = ids >= vocab_size
        keep = ~rare if delete_rare else np.ones(ids.size, dtype=bool)
        if keep_p is not None:
            keep &= _draws(seed, start, ids.size) < keep_p[ids]
        out = np.where(rare, -1, ids).astype(np.int32)
        yield out[keep], _line_numbers(lines, start, ids.size)[keep]


def _draws(seed, start, size):
    """Numbers start..start+size-1 of ``np.random.default_rng(seed).random``'s stream: one
    64-bit step per float64, so jumping ``start`` steps ahead lands on the same numbers."""
    bits = np.random.PCG64(seed)
    bits.advance(start)
    return np.random.Generator(bits).random(size)


def _line_numbers(lines, start, size):
    """The line number of tokens start..start+size-1, where line j > 0 starts at lines[j]."""
    later = lines[1:]
    first = np.searchsorted(later, start, side="right")
    last = np.searchsorted(later, start + size, side="left")
    line_of = np.zeros(size, dtype=np.int64)
    line_of[later[first:last] - start] = 1
    np.cumsum(line_of, out=line_of)
    return line_of + first


def corpus_counts(arrays, vocab_size, window=5, weighting="harmonic", context="symmetric",
                  subsample=None, delete_rare=True, seed=0, chunk_tokens=None,
                  update=lambda n: None, workers=None, memory=None, store=None, out=None):
    """Co-occurrence counts of a corpus's token ids, prepared and counted chunk by chunk.

    Parameters
    ----------
    arrays : TokenIds
        The corpus (:mod:`wordrep.corpora.token_ids`): read ``chunk_tokens`` at a time.
    vocab_size : int
        The words counted: ids below it (the vocabulary trimmed to min_count).
    chunk_tokens : int, optional
        Tokens read and prepared at a time (default ``CHUNK_TOKENS``); the result does not
        depend on it, only the memory and time do.
    memory : int, optional
        Bytes the partial counts may take before they are spilled to disk (default: the
        run's budget, :func:`wordrep.budget.current`); the result does not depend on it.
    store : CountStore, optional
        Where to sum the pairs (:mod:`.count_store`), e.g. a folder kept for resuming: its
        ``meta`` must say what is counted, ``chunk_tokens`` included (pieces are its units).
    out : path, optional
        Write the matrix into this folder (:func:`.count_store.open_csr`) instead of
        returning it.

    Returns
    -------
    scipy.sparse.csr_matrix or None
        ``vocab_size`` x ``vocab_size``, float32; the same whatever ``chunk_tokens``,
        ``workers`` and ``memory``. None with ``out``.
    """
    counts = arrays.vocabulary.counts
    chunks = arrays.chunks(chunk_tokens or CHUNK_TOKENS)
    pieces = prepared_chunks(_counted(chunks, update), arrays.lines, counts,
                             vocab_size, subsample, delete_rare, seed)
    return _count_pieces(pieces, vocab_size, window, weighting, context,
                         int(counts.max(initial=0)), workers, store, out, memory)


def _counted(chunks, update):
    for start, ids in chunks:
        yield start, ids
        update(ids.size)


def window_counts(ids, line_of, vocab_size, window=5, weighting="harmonic", context="symmetric",
                  chunk_tokens=CHUNK_TOKENS, update=lambda n: None, workers=None, memory=None):
    """Co-occurrence counts of a prepared stream: a ``vocab_size`` x ``vocab_size`` float32 CSR
    matrix (see :func:`corpus_counts` for a whole corpus), summed within ``memory`` bytes.

    Rows are words, columns contexts; ``ids`` of -1 mark removed positions. A pair (i, i+d)
    counts only if both tokens are on the same line.
    """
    ids, line_of = np.asarray(ids), np.asarray(line_of)
    pieces = ((ids[start:start + chunk_tokens], line_of[start:start + chunk_tokens])
              for start in range(0, ids.size, chunk_tokens))
    counts = np.bincount(ids[ids >= 0]) if ids.size else np.zeros(1, np.int64)
    return _count_pieces(_counted_pieces(pieces, update), vocab_size, window, weighting,
                         context, int(counts.max(initial=0)), workers, memory=memory)


def _counted_pieces(pieces, update):
    for ids, line_of in pieces:
        yield ids, line_of
        update(ids.size)


def _count_pieces(pieces, vocab_size, window, weighting, context, max_count, workers=None,
                  store=None, out=None, memory=None):
    """Sum the pairs of a stream of prepared pieces, shared out among ``workers`` threads (all
    cores by default; numpy releases the GIL while sorting). Each thread takes the next piece,
    with the tokens carried over from the one before, and adds its pairs to an accumulator of
    the :class:`~.count_store.CountStore` (``store``, else one in a temporary folder within
    ``memory`` bytes), which spills sorted runs to disk when its share of the budget is full.
    A symmetric window's pairs go to a symmetric store (``store.symmetric``) in one direction
    only, the word on the left: the store adds the transpose.

    With ``out``, the matrix is written there (:func:`.count_store.open_csr` reads it) and
    None returned; else it is returned in memory. Pieces whose number is in ``store.done``
    (counted by an interrupted run, in its finished spills) are windowed but not counted.
    """
    numerators, denominator, dtype = _integer_weights(window, weighting, max_count)
    if dtype == np.float64:  # sums past int64: no exact integers to spill, summed in memory
        return _float_sums(pieces, vocab_size, window, context, numerators, workers)
    if store is None:
        with tempfile.TemporaryDirectory(prefix="wordrep-counts-") as tmp:
            store = CountStore(Path(tmp) / "runs", (vocab_size, vocab_size),
                               memory or budget.current(), symmetric=context == "symmetric")
            _count_pieces(pieces, vocab_size, window, weighting, context, max_count, workers,
                          store, Path(tmp) / "counts")
            return open_csr(Path(tmp) / "counts", mmap=False) if out is None else None
    windowed, done = enumerate(_windowed(pieces, window)), store.done
    lock = threading.Lock()

    def next_piece():
        with lock:  # the stream is read in order: the carry joins consecutive pieces
            return next(windowed, None)

    def count(acc):
        while (item := next_piece()) is not None:
            number, piece = item
            if number in done:
                continue
            rows, cols, weights = _piece_pairs(*piece, numerators, np.int64)
            if context == "symmetric" and not store.symmetric:  # each pair, and its transpose
                rows, cols = np.concatenate((rows, cols)), np.concatenate((cols, rows))
                weights = np.concatenate((weights, weights))
            elif context == "left":
                rows, cols = cols, rows
            acc.add(rows, cols, weights, unit=number)

    workers = max(1, workers or os.cpu_count() or 1)
    accumulators = [store.accumulator(1 / workers, FLUSH_PAIRS) for _ in range(workers)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(count, accumulators))
    store.finish(out, denominator)
    return None


def _float_sums(pieces, vocab_size, window, context, weights, workers):
    """The sums of float64 weights (windows whose integer weights would pass int64), in
    memory: exact only to float64 rounding, so they may differ in the last bits with the
    chunk size and threads."""
    sums = []
    lock = threading.Lock()
    windowed = _windowed(pieces, window)

    def next_piece():
        with lock:
            return next(windowed, None)

    def running_sum():
        total, pending, n_pending = None, [], 0
        while (piece := next_piece()) is not None:
            pending.append(_piece_pairs(*piece, weights, np.float64))
            n_pending += pending[-1][0].size
            if n_pending >= FLUSH_PAIRS:
                total, pending, n_pending = _add(total, pending, vocab_size), [], 0
        return _add(total, pending, vocab_size)

    workers = max(1, workers or os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        sums = [t for t in pool.map(lambda _: running_sum(), range(workers)) if t is not None]
    total = sum(sums[1:], sums[0]) if sums else sp.csr_matrix((vocab_size, vocab_size))
    if context == "symmetric":
        total = total + total.T.tocsr()
    elif context == "left":
        total = total.T.tocsr()
    total.sum_duplicates()
    total.sort_indices()
    return sp.csr_matrix(total, dtype=np.float32)


def _integer_weights(window, weighting, max_count):
    """Integer weights n_d = w_d * D, their common denominator D, and an integer type that
    holds any pair's sum: at most 2 * max_count * sum(n_d) (a word's occurrences each give a
    context at most once per distance and side). Past int64 (harmonic windows over ~20 at a
    billion tokens), float64 weights, whose sums are exact only to float64 rounding."""
    d = range(1, window + 1)
    if weighting == "uniform":
        numerators, denominator = [1] * window, 1
    elif weighting == "harmonic":
        denominator = math.lcm(*d)
        numerators = [denominator // k for k in d]
    else:
        numerators, denominator = [window - k + 1 for k in d], window
    bound = 2 * max(max_count, 1) * sum(numerators)  # Python integers: no overflow here
    for dtype in (np.int32, np.int64):
        if bound <= np.iinfo(dtype).max:
            return np.array(numerators, dtype=dtype), denominator, dtype
    return distance_weights(window, weighting), 1, np.float64


def _windowed(pieces, window):
    """(ids, line numbers, carried) of each piece, after the last ``window`` tokens of the
    stream before it (``carried`` of them): the left ends of the pairs it completes."""
    carry_ids, carry_lines = np.zeros(0, np.int32), np.zeros(0, np.int64)
    for ids, line_of in pieces:
        if ids.size == 0:
            continue
        ids, line_of = np.concatenate((carry_ids, ids)), np.concatenate((carry_lines, line_of))
        yield ids, line_of, carry_ids.size
        carry_ids, carry_lines = ids[-window:], line_of[-window:]


def _piece_pairs(ids, line_of, carried, numerators, dtype):
    """(rows, cols, weights) of the pairs (i, i+d) whose right end i+d is past the carry."""
    rows, cols, data = [], [], []
    n = ids.size
    for d, weight in enumerate(numerators.tolist(), start=1):
        lo = max(0, carried - d)
        if lo + d >= n:
            continue
        left, right = ids[lo:n - d], ids[lo + d:n]
        ok = (left >= 0) & (right >= 0) & (line_of[lo:n - d] == line_of[lo + d:n])
        rows.append(left[ok])
        cols.append(right[ok])
        data.append(np.full(rows[-1].size, weight, dtype=dtype))
    if not rows:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, dtype)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(data)


def _add(total, pending, vocab_size):
    """``total`` plus the pairs ``pending`` (exact: integer sums do not depend on the order)."""
    if not pending:
        return total
    rows, cols, data = (np.concatenate(part) for part in zip(*pending))
    part = sp.coo_matrix((data, (rows, cols)), shape=(vocab_size, vocab_size)).tocsr()
    return part if total is None else total + part
