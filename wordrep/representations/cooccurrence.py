"""Stage 1 of the count pipeline: window co-occurrence counts over a token-id array.

Vectorized over the id array: for each distance d the pairs are two shifted views of the same
chunk, so counting is a few array operations per distance, and the corpus is processed in
chunks whose partial count matrices are summed, so peak memory depends on the chunk size and
the number of distinct pairs, not on the corpus length.

The hyperparameters are those of Levy, Goldberg & Dagan (2015):

- ``window``: L words on each side (or one side, see ``context``);
- ``weighting``: ``uniform`` (1), ``harmonic`` (1/d, as GloVe) or ``dynamic``, word2vec's
  dynamic window in expectation ((L - d + 1) / L, Levy et al.'s ``dyn``);
- ``subsample``: word2vec's threshold t; a token of relative frequency f is kept with
  probability min(1, sqrt(t/f) + t/f), drawn with ``seed``; applied before windowing;
- ``delete_rare`` (``del``): remove words below min_count before windowing ("dirty", so that
  windows reach further), or keep their positions and skip their pairs ("clean").
"""
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

from ..errors import UserError

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


def prepare_tokens(ids, lines, vocab_counts, vocab_size, subsample=None, delete_rare=True,
                   seed=0):
    """The token stream the windows run over: ids and the line number of each token.

    Words with id >= vocab_size (rarer than min_count: the vocabulary is in frequency order)
    are deleted ("dirty") or marked -1 ("clean"); subsampled tokens are always deleted.
    """
    ids = np.asarray(ids)
    line_of = np.zeros(ids.size, dtype=np.int32)
    line_of[np.asarray(lines[1:], dtype=np.int64)] = 1
    np.cumsum(line_of, out=line_of)
    keep = np.ones(ids.size, dtype=bool)
    rare = ids >= vocab_size
    if delete_rare:
        keep &= ~rare
    if subsample:
        p = keep_probability(np.asarray(vocab_counts, dtype=np.float64), subsample)
        draws = np.random.default_rng(seed).random(ids.size)
        keep &= draws < p[ids]
    out = np.where(rare, -1, ids).astype(np.int32)
    return out[keep], line_of[keep]


def window_counts(ids, line_of, vocab_size, window=5, weighting="harmonic", context="symmetric",
                  chunk_tokens=2_000_000, update=lambda n: None, workers=None):
    """Co-occurrence counts: a ``vocab_size`` x ``vocab_size`` float32 CSR matrix.

    Rows are words, columns contexts; ``ids`` of -1 mark removed positions. A pair (i, i+d)
    counts only if both tokens are on the same line. The chunks are shared out among
    ``workers`` threads (all cores by default; numpy and scipy's sparse routines release the
    GIL), each keeping a running sum of its own chunks; the sums are added at the end.
    """
    weights = distance_weights(window, weighting).astype(np.float32)
    starts = list(range(0, ids.size, chunk_tokens))
    workers = max(1, min(workers or os.cpu_count() or 1, len(starts)))
    lock = threading.Lock()

    def count(start):
        stop = min(start + chunk_tokens, ids.size)
        part = _chunk_counts(ids[start:stop + window], line_of[start:stop + window],
                             stop - start, vocab_size, weights)
        with lock:
            update(stop - start)
        return part

    def running_sum(worker):
        total = None
        for start in starts[worker::workers]:
            part = count(start)
            total = part if total is None else total + part
        return total

    with ThreadPoolExecutor(max_workers=workers) as pool:
        sums = [t for t in pool.map(running_sum, range(workers)) if t is not None]
    total = sum(sums[1:], sums[0]) if sums else sp.csr_matrix((vocab_size, vocab_size),
                                                              dtype=np.float32)
    # `total` holds each pair once, word on the left; the other side is its transpose.
    if context == "symmetric":
        total = total + total.T.tocsr()
    elif context == "left":
        total = total.T.tocsr()
    total.sum_duplicates()
    return total


def _chunk_counts(ids, line_of, n_left, vocab_size, weights):
    rows, cols, data = [], [], []
    for d, weight in enumerate(weights, start=1):
        left, right = ids[:n_left], ids[d:d + n_left]
        m = min(left.size, right.size)
        left, right = left[:m], right[:m]
        ok = (left >= 0) & (right >= 0) & (line_of[:m] == line_of[d:d + m])
        rows.append(left[ok])
        cols.append(right[ok])
        data.append(np.full(int(ok.sum()), weight, dtype=np.float32))
    coo = sp.coo_matrix((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
                        shape=(vocab_size, vocab_size))
    return coo.tocsr()  # sums duplicate pairs
