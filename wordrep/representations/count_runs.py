"""Sorted runs of (key, sum) pairs: combined in memory as CSR sums, merged from disk.

A *key* is row * n_cols + col, a *sum* an exact int64 (see :mod:`.count_store`). Pairs are
combined in three ways, each linear or as fast as numpy sorts:

- fresh pairs (:func:`combine`): packed (key, weight) into one int64 and sorted by numpy's
  vectorized sort, equal keys added up;
- runs in memory: CSR matrices of int64 sums (:func:`to_csr`), added by scipy (a linear merge
  of each row's sorted columns, exact in int64) and transposed by scipy's linear counting
  sort (the symmetric half of a window's pairs; :func:`row_blocks`);
- runs on disk (:func:`merge`): read a buffer at a time (:class:`RunReader`), never more open
  at once than :func:`fan_in_limit` allows.
"""
import os

import numpy as np
import scipy.sparse as sp

try:
    import resource
except ImportError:  # Windows
    resource = None

PAIR = np.dtype([("key", "<i8"), ("sum", "<i8")])   # a run's record: row * n_cols + col, sum
READ_PAIRS = 1 << 10       # a merge reads at least this many records of a run at a time
MAX_FAN_IN = 128           # more open runs than this only make each read smaller
SPARE_FILES = 32           # descriptors left for everything else the process has open
OUTPUT_FILES = 2           # a merge pass writes one run, or data.npy and indices.npy
BLOCK_NNZ = 1 << 20        # entries of a row block taken out of an in-memory run at a time
INT32_MAX = np.iinfo(np.int32).max


def fan_in_limit(budget, max_open=None):
    """How many runs a merge pass may read at once: the files it may open (``max_open``,
    default the soft ``RLIMIT_NOFILE`` less what this process has open and a margin) less
    its outputs, and no more than the budget gives a read buffer of ``READ_PAIRS`` records
    each; at least 2."""
    if max_open is None:
        max_open = MAX_FAN_IN + OUTPUT_FILES
        if resource is not None:
            soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
            if soft != resource.RLIM_INFINITY:
                max_open = min(max_open, soft - _open_files() - SPARE_FILES)
    by_budget = budget // (4 * READ_PAIRS * PAIR.itemsize)
    return max(2, min(max_open - OUTPUT_FILES, by_budget, MAX_FAN_IN))


def _open_files():
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 0


def combine(keys, sums):
    """Sort ``keys`` and add up the ``sums`` of equal keys (exact: integers)."""
    keys, sums = sort_pairs(keys, sums)
    if keys.size == 0:
        return keys, sums
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    return keys[starts], np.add.reduceat(sums, starts)


def sort_pairs(keys, sums):
    """``keys`` in increasing order, ``sums`` in the same order. Small non-negative sums
    (fresh window weights) are packed below the key into one int64 and sorted with numpy's
    vectorized sort, ten times faster than an argsort; others are argsorted stably (timsort,
    which merges already sorted runs, such as a merge's inputs, in linear time)."""
    if keys.size == 0:
        return keys, sums
    shift = int(sums.max()).bit_length()
    if sums.min() >= 0 and int(keys.max()).bit_length() + shift <= 63:
        packed = np.sort((keys << shift) | sums)
        return packed >> shift, packed & ((1 << shift) - 1)
    order = np.argsort(keys, kind="stable")
    return keys[order], sums[order]


# -- runs in memory -----------------------------------------------------------------------------

def to_csr(keys, sums, shape):
    """The sorted, combined pairs (``keys``, int64 ``sums``) as a CSR matrix of ``shape``
    (sorted indices, no duplicates: scipy adds two such matrices by a linear merge)."""
    rows = keys // shape[1]
    index = np.int32 if max(shape[1], keys.size) <= INT32_MAX else np.int64
    indptr = np.zeros(shape[0] + 1, index)
    np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
    matrix = sp.csr_matrix((sums, (keys - rows * shape[1]).astype(index), indptr),
                           shape=shape, copy=False)
    matrix.has_sorted_indices = True
    return matrix


def empty_csr(shape):
    return sp.csr_matrix(shape, dtype=np.int64)


def add_all(matrices, shape):
    """The sum of CSR matrices (exact int64), the smaller ones first."""
    matrices = sorted(matrices, key=lambda m: m.nnz)
    total = matrices[0] if matrices else empty_csr(shape)
    for matrix in matrices[1:]:
        total = total + matrix
    return total


def row_blocks(matrix, symmetric=False, block_nnz=BLOCK_NNZ):
    """(rows, cols, sums) of ``matrix`` (plus its transpose if ``symmetric``), a row block of
    about ``block_nnz`` entries at a time, in (row, col) order: the sum of the two is never
    held whole (the transpose is, once: scipy's linear transposition)."""
    parts = [matrix, matrix.T.tocsr()] if symmetric else [matrix]
    indptr = sum(np.asarray(part.indptr, dtype=np.int64) for part in parts)
    first, n_rows = 0, matrix.shape[0]
    while first < n_rows:
        # the rows up to block_nnz entries past the block's start, at least one
        last = int(np.searchsorted(indptr, indptr[first] + block_nnz, side="right")) - 1
        last = min(max(first + 1, last), n_rows)
        block = add_all([part[first:last] for part in parts], (last - first, matrix.shape[1]))
        rows = np.repeat(np.arange(first, last), np.diff(block.indptr))
        yield rows, block.indices, block.data
        first = last


# -- runs on disk -------------------------------------------------------------------------------

class RunReader:
    """A run file read ``read_pairs`` records at a time, through one open file."""

    def __init__(self, path, read_pairs):
        self.file = open(path, "rb")
        self.size = os.fstat(self.file.fileno()).st_size // PAIR.itemsize
        self.left, self.step = self.size, read_pairs

    def read(self):
        n = min(self.step, self.left)
        records = np.fromfile(self.file, dtype=PAIR, count=n)
        if records.size != n:
            raise OSError(f"{self.file.name} ended early")
        self.left -= n
        return records["key"].copy(), records["sum"].copy(), self.left == 0

    def close(self):
        self.file.close()


def merge(sources):
    """The sum of sorted, combined sources, as (keys, sums) chunks in increasing key order.

    Each round takes from every source's buffer the keys up to the smallest last key among
    the buffers of the sources not yet read to the end: every record with such a key has
    been read (keys are unique within a source and increase), so they combine to final sums.
    """
    buffers = []
    for source in sources:
        keys, sums, ended = source.read()
        buffers.append([keys, sums, ended, source])
    while buffers:
        limits = [buf[0][-1] for buf in buffers if not buf[2]]
        bound = min(limits) if limits else np.iinfo(np.int64).max
        keys, sums = [], []
        for buf in buffers:
            cut = np.searchsorted(buf[0], bound, side="right")
            keys.append(buf[0][:cut])
            sums.append(buf[1][:cut])
            buf[0], buf[1] = buf[0][cut:], buf[1][cut:]
            while buf[0].size == 0 and not buf[2]:
                buf[0], buf[1], buf[2] = buf[3].read()
        buffers = [buf for buf in buffers if buf[0].size or not buf[2]]
        keys, sums = combine(np.concatenate(keys), np.concatenate(sums))
        if keys.size:
            yield keys, sums
