"""Sparse-times-dense products on several processes.

scipy's sparse products hold the GIL and run on one core, and in the randomized SVD they are
nearly all the work. Here the rows of the matrix (and of its transpose) are split between
worker processes by number of non-zeros. The workers are forked, so they share the matrices
with this process without a copy (and a caller's script needs no ``if __name__ ==
"__main__"`` guard, which spawned workers would require); the dense operands live in shared
memory, so a product costs one copy of the dense operand in and one out.

Forked workers never call BLAS or start threads: they only run scipy's sparse kernels, so the
parent's BLAS thread pool cannot deadlock them. Where fork does not exist, everything runs in
this process.

Workers end with their parent, however it ends (a SIGKILL from the OOM killer or a batch
scheduler runs no cleanup): on Linux the kernel kills them when the parent dies
(``PR_SET_PDEATHSIG``); elsewhere a worker holds no copy of its parent's end of the pipe, so
its ``recv`` sees end-of-file when the parent is gone.

The product is bound by the latency of gathering the dense operand's rows, one per non-zero.
So within a worker the dense operand is taken a few columns at a time, and each worker splits
its rows of the matrix into column panels (once, after the fork) whose slice of the operand
fits in a core's L2 cache: on the wiki17m PPMI matrix that makes a product about 30% faster
than gathering from the shared L3 cache.

The transposed product needs no transpose: ``a.T @ x`` is the sum over the workers of their
rows' transposes times their rows of ``x``, and a panel's transpose (a CSC view, no copy)
scatters into the same cache-sized slice of the result that the panel gathers from. Each
worker writes its own partial result and this process adds them up. So the matrix is held
once, by the workers together: 8 bytes a non-zero, half what a kept transpose would cost.
When even that does not fit in the memory it is given, the workers hold the rows that fit
and read the others from the matrix's files for every product, a block at a time (slower:
no panels, and a pass over those rows' files each time, from the page cache if it holds them).
"""
import contextvars
import ctypes
import logging
import multiprocessing as mp
import os
import signal
import sys
from multiprocessing import shared_memory

import numpy as np
import scipy.sparse as sp

from .. import budget
from .csr_files import read_slice

log = logging.getLogger(__name__)

COLUMN_BLOCK = 32
PARALLEL_MIN_NNZ = 2_000_000   # below this, starting processes costs more than it saves
PANEL_BYTES = 1 << 20   # the slice of the dense operand one column panel gathers from
BYTES_PER_NONZERO = 8   # a float32 value and an int32 column: the matrix as the workers hold it
ROW_BLOCK_NNZ = 1 << 22  # non-zeros read from the files at a time
WORKER_BYTES = 64 << 20  # a worker's own memory besides its rows: a block read, partial products


# Who multiplies, when not these processes: a callable (a, max_columns) -> an object with
# ParallelProducts' interface (wordrep.cluster sets one while a Dask cluster is in use).
BACKEND = contextvars.ContextVar("wordrep_products_backend", default=None)


def products(a, max_columns, workers=None, memory=None):
    """The products of ``a`` by the backend in force: :data:`BACKEND`, else
    :class:`ParallelProducts` on ``workers`` processes with ``memory`` bytes for the matrix."""
    backend = BACKEND.get()
    if backend is not None:
        return backend(a, max_columns)
    return ParallelProducts(a, max_columns=max_columns, workers=workers, memory=memory)


def workers_available():
    """How many worker processes are worth starting: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, mp.cpu_count())


def blocked_product(matrix, dense, out=None, block=COLUMN_BLOCK):
    """``matrix @ dense`` a block of columns at a time (the same result, less cache traffic):
    the product of a single column panel, the whole matrix."""
    if out is None:
        out = np.empty((matrix.shape[0], dense.shape[1]), dtype=np.result_type(matrix, dense))
    return paneled_product([(matrix, 0, matrix.shape[1])], dense, out, block)


def column_panels(matrix, block=COLUMN_BLOCK, panel_bytes=PANEL_BYTES):
    """``matrix`` cut into CSR column panels, as (panel, first column, last column + 1).

    A panel spans as many columns as rows of a ``block``-column float32 operand fit in
    ``panel_bytes``; empty panels are left out.
    """
    width = max(1, panel_bytes // (4 * block))
    panels = []
    for first in range(0, matrix.shape[1], width):
        panel = matrix[:, first:first + width].tocsr()
        if panel.nnz:
            panels.append((panel, first, min(first + width, matrix.shape[1])))
    return panels


def paneled_product(panels, dense, out, block=COLUMN_BLOCK):
    """``matrix @ dense`` into ``out`` from ``column_panels(matrix)``, a block of columns at a time."""
    for j in range(0, dense.shape[1], block):
        target = out[:, j:j + block]
        target[:] = 0
        for panel, first, last in panels:
            target += panel @ np.ascontiguousarray(dense[first:last, j:j + block])
    return out


def paneled_tproduct(panels, dense, out, block=COLUMN_BLOCK):
    """``matrix.T @ dense`` into ``out`` from ``column_panels(matrix)``, a block of columns at
    a time: each panel's transpose scatters into its own slice of ``out``."""
    out[:] = 0                     # columns of the matrix in no panel have no non-zero
    for j in range(0, dense.shape[1], block):
        operand = np.ascontiguousarray(dense[:, j:j + block])
        for panel, first, last in panels:
            out[first:last, j:j + block] = panel.T @ operand
    return out


def row_slice(matrix, start, stop):
    """Rows ``start:stop`` of a CSR matrix as views of its arrays.

    ``matrix[start:stop]`` copies them (about 2 s for the two slicings of a 20M-non-zero PPMI
    matrix), and so does the constructor, which copies a view of a much larger array; the
    arrays are set after construction instead.
    """
    lo, hi = matrix.indptr[start], matrix.indptr[stop]
    part = sp.csr_matrix((stop - start, matrix.shape[1]), dtype=matrix.dtype)
    part.data, part.indices = matrix.data[lo:hi], matrix.indices[lo:hi]
    part.indptr = (matrix.indptr[start:stop + 1] - lo).astype(matrix.indptr.dtype)
    return part


class _Shared:
    """A numpy array in a named shared-memory block."""

    def __init__(self, shape, dtype):
        size = max(1, int(np.prod(shape)) * np.dtype(dtype).itemsize)
        self.shm = shared_memory.SharedMemory(create=True, size=size)
        self.array = np.ndarray(shape, dtype=dtype, buffer=self.shm.buf)

    def close(self, unlink=False):
        self.array = None
        try:
            self.shm.close()
        except BufferError:
            pass  # a view is still alive in this process; the mapping goes with the process
        if unlink:
            self.shm.unlink()


class ParallelProducts:
    """``a @ x`` and ``a.T @ x`` for a fixed sparse ``a`` on ``workers`` processes.

    Use as a context manager; with one worker everything runs in this process. By default
    (``workers=None``) a matrix of ``PARALLEL_MIN_NNZ`` non-zeros or more gets one worker per
    core, a smaller one none. ``memory`` (bytes) is what they may hold in all; the rows of the
    matrix that do not fit in it (``BYTES_PER_NONZERO`` a non-zero, after ``WORKER_BYTES`` a
    worker and the shared operands) are read from its files for every product.

    Examples
    --------
    >>> a = sp.random(50, 40, density=0.2, format="csr", dtype=np.float32, random_state=0)
    >>> x = np.ones((40, 3), dtype=np.float32)
    >>> with ParallelProducts(a, max_columns=3, workers=2) as products:
    ...     np.allclose(products.dot(x), a @ x)
    True
    """

    def __init__(self, a, max_columns, workers=None, memory=None):
        self.a = sp.csr_matrix(a)
        if workers is None:
            workers = workers_available() if self.a.nnz >= PARALLEL_MIN_NNZ else 1
        self.workers = workers
        if "fork" not in mp.get_all_start_methods():
            self.workers = 1
        if memory is not None:   # less what the workers and the shared operands take
            rows, cols = self.a.shape
            memory -= self.workers * WORKER_BYTES + \
                4 * max_columns * (max(rows, cols) + rows + self.workers * cols)
            if memory < 0:   # rows read from disk cannot make up for it
                log.warning("the SVD's working memory besides the matrix (its dense blocks "
                            "and basis, the workers' own) goes %s over what the memory budget "
                            "leaves for it: this stage will use more than the budget (a larger "
                            "--memory or a smaller dim avoids it)", budget.format_size(-memory))
        self.held_nnz = self.a.nnz if memory is None else max(0, memory) // BYTES_PER_NONZERO
        self.resident = self.held_nnz >= self.a.nnz
        if not self.resident:
            log.info("the matrix (%s) does not fit in the %s the memory budget leaves for it: "
                     "%.0f%% of its non-zeros are read from disk for every product (slower; a "
                     "larger --memory avoids it)",
                     budget.format_size(BYTES_PER_NONZERO * self.a.nnz),
                     budget.format_size(BYTES_PER_NONZERO * self.held_nnz),
                     100 * (1 - self.held_nnz / self.a.nnz))
        self.max_columns = max_columns
        self._procs, self._pipes = [], []
        if self.workers > 1:
            self._start()
        else:
            self._rows = RowShare(self.a, 0, self.a.shape[0], self.held_nnz)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def dot(self, x, copy=True):
        """``a @ x``; with ``copy=False`` possibly a view that the next product overwrites."""
        return self._product(0, x, copy)

    def tdot(self, x, copy=True):
        """``a.T @ x``; with ``copy=False`` possibly a view that the next product overwrites."""
        return self._product(1, x, copy)

    def _product(self, which, x, copy=True):
        if not self._procs:
            out = np.empty((self.a.shape[which], x.shape[1]), np.result_type(self.a, x))
            return (self._rows.dot, self._rows.tdot)[which](x, out)
        cols = x.shape[1]
        if cols > self.max_columns:
            raise ValueError("more columns than the shared buffers hold")
        self._x.array[:x.shape[0], :cols] = x
        for pipe in self._pipes:
            pipe.send((which, cols))
        for pipe in self._pipes:
            if pipe.recv() != "done":
                raise RuntimeError("a product worker failed")
        if which == 0:
            result = self._y.array[:, :cols]
        else:   # the workers' parts of a.T @ x, summed into the first
            parts = self._yt.array[:, :, :cols]
            result = parts[0]
            for part in parts[1:]:
                result += part
        return result.copy() if copy else result

    def _start(self):
        rows, cols = self.a.shape
        self._x = _Shared((max(rows, cols), self.max_columns), np.float32)
        self._y = _Shared((rows, self.max_columns), np.float32)
        self._yt = _Shared((self.workers, cols, self.max_columns), np.float32)
        context = mp.get_context("fork")
        budget.release_free_memory()   # the workers would inherit the parent's freed pages
        # The matrix is not held here: each worker reads its rows (from the files of a
        # memory-mapped matrix, whose mapped pages would count in the resident memory of
        # every process that touched them).
        bounds = self._row_bounds(self.a.indptr)
        for w in range(self.workers):
            parent, child = context.Pipe()
            # The child closes its copies of this process's ends, its own and the earlier
            # workers': a pipe then reaches end-of-file when this process dies.
            theirs = [*self._pipes, parent]
            proc = context.Process(target=_worker, daemon=True,
                                   args=(child, self.a, (bounds[w], bounds[w + 1]),
                                         self.held_nnz // self.workers,
                                         self._x.array, self._y.array, self._yt.array[w],
                                         os.getpid(), theirs))
            proc.start()
            child.close()
            self._procs.append(proc)
            self._pipes.append(parent)

    def _row_bounds(self, indptr):
        """Row cuts giving each worker about the same number of non-zeros."""
        targets = np.linspace(0, indptr[-1], self.workers + 1)
        cuts = np.searchsorted(indptr, targets).clip(0, indptr.size - 1)
        cuts[0], cuts[-1] = 0, indptr.size - 1
        return np.maximum.accumulate(cuts).tolist()

    def close(self):
        for pipe in self._pipes:
            try:
                pipe.send(None)
            except (BrokenPipeError, OSError):
                pass
        for proc in self._procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
        for shared in (getattr(self, "_x", None), getattr(self, "_y", None),
                       getattr(self, "_yt", None)):
            if shared is not None:
                shared.close(unlink=True)
        self._procs, self._pipes = [], []
        self._x = self._y = self._yt = None


def die_with_parent(parent_pid):
    """Have the kernel SIGKILL this process when its parent dies (Linux; elsewhere nothing).

    The signal is bound to the parent *thread* that forked: a ``ParallelProducts`` must be
    closed by the thread that made it (a ``with`` block is). If the parent died before the
    request was made, this process was already re-parented and exits now.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        # this program's own symbols, libc's among them (find_library would run ldconfig)
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)   # 1 is PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return   # no prctl: the end-of-file on the pipe still ends this worker
    if os.getppid() != parent_pid:
        os._exit(0)


def _blocks(indptr, block_nnz=1 << 22):
    """(first, last) non-zero of consecutive row blocks of about ``block_nnz``."""
    nnz = int(indptr[-1])
    return [(lo, min(lo + block_nnz, nnz)) for lo in range(0, nnz, block_nnz)]


def _rows_of(a, start, stop):
    """Rows ``start:stop`` of the CSR matrix ``a``, a copy of their own."""
    lo, hi = int(a.indptr[start]), int(a.indptr[stop])
    indptr = np.asarray(a.indptr[start:stop + 1], dtype=np.int64) - lo
    return sp.csr_matrix((read_slice(a.data, lo, hi), read_slice(a.indices, lo, hi), indptr),
                         shape=(stop - start, a.shape[1]))


def row_blocks(indptr, start, stop, block_nnz=None):
    """Rows ``start:stop`` cut into (first, last + 1) blocks of about ``block_nnz`` non-zeros
    (default ``ROW_BLOCK_NNZ``; a row with more is a block of its own)."""
    block_nnz = block_nnz or ROW_BLOCK_NNZ
    targets = np.arange(indptr[start], indptr[stop], block_nnz)
    cuts = np.searchsorted(indptr, targets, "right") - 1
    cuts = sorted({start, stop, *(int(c) for c in cuts[1:] if start < c < stop)})
    return list(zip(cuts[:-1], cuts[1:]))


def streamed_product(a, start, stop, which, x, out):
    """Rows ``start:stop`` of ``a`` times ``x`` (``which`` 0, into ``out``'s rows), or their
    transpose times ``x``'s rows ``start:stop`` (``which`` 1, added to all of ``out``), the
    rows read a block at a time from ``a``'s files."""
    for lo, hi in row_blocks(np.asarray(a.indptr, dtype=np.int64), start, stop):
        rows = _rows_of(a, lo, hi)
        if which == 0:
            out[lo - start:hi - start] = rows @ x
        else:
            out += rows.T @ x[lo - start:hi - start]
    return out


class RowShare:
    """Rows ``start:stop`` of ``a``, the first ``held_nnz`` non-zeros' worth held as column
    panels, the rest read from ``a``'s files for every product."""

    def __init__(self, a, start, stop, held_nnz):
        indptr = np.asarray(a.indptr, dtype=np.int64)
        split = int(np.searchsorted(indptr[start:stop + 1], indptr[start] + held_nnz, "right"))
        self.a, self.start, self.split, self.stop = a, start, start + max(0, split - 1), stop
        self.panels = row_panels(a, start, self.split)

    def dot(self, x, out):
        """These rows times ``x``, into ``out`` (as many rows as these)."""
        held = self.split - self.start
        paneled_product(self.panels, x, out[:held])
        if self.split < self.stop:
            streamed_product(self.a, self.split, self.stop, 0, x[:self.a.shape[1]], out[held:])
        return out

    def tdot(self, x, out):
        """These rows' transpose times ``x`` (as many rows as these), into ``out``."""
        held = self.split - self.start
        paneled_tproduct(self.panels, x[:held], out)
        if self.split < self.stop:
            streamed_product(self.a, self.split, self.stop, 1, x[held:], out)
        return out


def row_panels(a, start, stop, block_nnz=None):
    """Rows ``start:stop`` of ``a`` as :func:`column_panels`, filled a block of rows at a
    time into arrays of their final size: the rows are never held twice (the first panel,
    of the most frequent contexts, holds a large share of them)."""
    width = max(1, PANEL_BYTES // (4 * COLUMN_BLOCK))
    firsts = np.arange(0, a.shape[1], width)
    indptr = np.asarray(a.indptr, dtype=np.int64)
    blocks = row_blocks(indptr, start, stop, block_nnz)
    sizes = np.zeros(firsts.size, np.int64)
    for lo, hi in blocks:
        columns = read_slice(a.indices, int(indptr[lo]), int(indptr[hi]))
        sizes += np.bincount(columns // width, minlength=firsts.size)
    data = [np.empty(n, a.dtype) for n in sizes]
    indices = [np.empty(n, a.indices.dtype) for n in sizes]
    pointers = [np.zeros(stop - start + 1, np.int64) for _ in sizes]
    filled = np.zeros(firsts.size, np.int64)
    for lo, hi in blocks:
        rows = _rows_of(a, lo, hi)
        for k, first in enumerate(firsts):
            piece = rows[:, first:first + width]
            end = filled[k] + piece.nnz
            data[k][filled[k]:end], indices[k][filled[k]:end] = piece.data, piece.indices
            pointers[k][lo - start + 1:hi - start + 1] = piece.indptr[1:] + filled[k]
            filled[k] = end
    return [(sp.csr_matrix((data[k], indices[k], pointers[k]), copy=False,
                           shape=(stop - start, min(width, a.shape[1] - first))),
             int(first), int(min(first + width, a.shape[1])))
            for k, first in enumerate(firsts) if sizes[k]]


def _worker(pipe, a, rows, held_nnz, x, y, yt, parent_pid, parent_ends):
    """Serve products of this worker's rows of ``a`` (into ``y``) and of their transpose
    (its part of ``a.T @ x``, into ``yt``) until told to stop (None) or orphaned; of its
    rows, ``held_nnz`` non-zeros' worth are held, the rest read for every product."""
    die_with_parent(parent_pid)
    for end in parent_ends:
        end.close()
    try:
        start, stop = rows
        share = RowShare(a, start, stop, held_nnz)
        while (task := pipe.recv()) is not None:
            which, cols = task
            if which == 0:
                share.dot(x[:, :cols], y[start:stop, :cols])
            else:
                share.tdot(x[start:stop, :cols], yt[:, :cols])
            pipe.send("done")
    except (EOFError, BrokenPipeError, ConnectionResetError, KeyboardInterrupt):
        pass   # the parent has gone (or was interrupted): nothing is waiting for a result
