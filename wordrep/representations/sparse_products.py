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
"""
import contextvars
import ctypes
import multiprocessing as mp
import os
import signal
import sys
from multiprocessing import shared_memory

import numpy as np
import scipy.sparse as sp

from .csr_files import read_slice

COLUMN_BLOCK = 32
PARALLEL_MIN_NNZ = 2_000_000   # below this, starting processes costs more than it saves
PANEL_BYTES = 1 << 20   # the slice of the dense operand one column panel gathers from


# Who multiplies, when not these processes: a callable (a, max_columns) -> an object with
# ParallelProducts' interface (wordrep.cluster sets one while a Dask cluster is in use).
BACKEND = contextvars.ContextVar("wordrep_products_backend", default=None)


def products(a, max_columns, workers=None):
    """The products of ``a`` by the backend in force: :data:`BACKEND`, else
    :class:`ParallelProducts` on ``workers`` processes."""
    backend = BACKEND.get()
    if backend is not None:
        return backend(a, max_columns)
    return ParallelProducts(a, max_columns=max_columns, workers=workers)


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
    core, a smaller one none.

    Examples
    --------
    >>> a = sp.random(50, 40, density=0.2, format="csr", dtype=np.float32, random_state=0)
    >>> x = np.ones((40, 3), dtype=np.float32)
    >>> with ParallelProducts(a, max_columns=3, workers=2) as products:
    ...     np.allclose(products.dot(x), a @ x)
    True
    """

    def __init__(self, a, max_columns, workers=None):
        self.a, self.at = sp.csr_matrix(a), None
        if workers is None:
            workers = workers_available() if self.a.nnz >= PARALLEL_MIN_NNZ else 1
        self.workers = workers
        if "fork" not in mp.get_all_start_methods():
            self.workers = 1
        self.max_columns = max_columns
        self._procs, self._pipes = [], []
        if self.workers > 1:
            self._start()
        else:
            self.at = self.a.T.tocsr()

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
            return blocked_product((self.a, self.at)[which], x)
        cols = x.shape[1]
        if cols > self.max_columns:
            raise ValueError("more columns than the shared buffers hold")
        self._x.array[:x.shape[0], :cols] = x
        for pipe in self._pipes:
            pipe.send((which, cols))
        for pipe in self._pipes:
            if pipe.recv() != "done":
                raise RuntimeError("a product worker failed")
        result = self._y.array[:self.a.shape[which], :cols]
        return result.copy() if copy else result

    def _start(self):
        n = max(self.a.shape)
        self._x = _Shared((n, self.max_columns), np.float32)
        self._y = _Shared((n, self.max_columns), np.float32)
        context = mp.get_context("fork")
        # Neither the transpose nor the matrix is held here: each worker reads its rows of
        # both (from the files of a memory-mapped matrix, whose mapped pages would count in
        # the resident memory of every process that touched them).
        column_counts = np.zeros(self.a.shape[1], np.int64)
        for lo, hi in _blocks(self.a.indptr):
            column_counts += np.bincount(read_slice(self.a.indices, lo, hi),
                                         minlength=self.a.shape[1])
        bounds = [self._row_bounds(indptr) for indptr in
                  (self.a.indptr, np.concatenate(([0], np.cumsum(column_counts))))]
        for w in range(self.workers):
            parent, child = context.Pipe()
            parts = [(b[w], b[w + 1]) for b in bounds]
            # The child closes its copies of this process's ends, its own and the earlier
            # workers': a pipe then reaches end-of-file when this process dies.
            theirs = [*self._pipes, parent]
            proc = context.Process(target=_worker, daemon=True,
                                   args=(child, self.a, column_counts, parts, self._x.array,
                                         self._y.array,
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
        for shared in (getattr(self, "_x", None), getattr(self, "_y", None)):
            if shared is not None:
                shared.close(unlink=True)
        self._procs, self._pipes = [], []
        self._x = self._y = None


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


def _columns_of(a, start, stop, column_counts):
    """Rows ``start:stop`` of the transpose of ``a`` (its columns, ``column_counts[j]``
    entries in column j), filled a block of ``a`` at a time into arrays of their final size
    (a counting sort: no coordinate copy). Blocks come in row order, so each of their rows
    comes out sorted, as scipy's transposition gives them."""
    counts = np.asarray(column_counts[start:stop], dtype=np.int64)
    indptr = np.concatenate(([0], np.cumsum(counts)))
    indices = np.empty(int(indptr[-1]), a.indices.dtype)
    data = np.empty(int(indptr[-1]), a.data.dtype)
    cursor = indptr[:-1].copy()
    a_indptr = np.asarray(a.indptr, dtype=np.int64)
    for lo, hi in _blocks(a_indptr):
        cols = read_slice(a.indices, lo, hi)
        keep = np.flatnonzero((cols >= start) & (cols < stop))
        cols = cols[keep] - start
        order = np.argsort(cols, kind="stable")   # by column, rows in order within each
        cols, keep = cols[order], keep[order]
        first = np.searchsorted(a_indptr, lo, side="right") - 1
        rows = first + np.searchsorted(a_indptr[first:], lo + keep, side="right") - 1
        group = np.concatenate(([0], np.flatnonzero(np.diff(cols)) + 1))
        rank = np.arange(cols.size) - np.repeat(group, np.diff(np.append(group, cols.size)))
        where = cursor[cols] + rank
        indices[where] = rows
        data[where] = read_slice(a.data, lo, hi)[keep]
        cursor += np.bincount(cols, minlength=stop - start)
    return sp.csr_matrix((data, indices, indptr), shape=(stop - start, a.shape[0]))


def _worker(pipe, a, column_counts, parts, x, y, parent_pid, parent_ends):
    """Serve products of this worker's rows of ``a`` and of its transpose until told to stop
    (None) or orphaned."""
    die_with_parent(parent_pid)
    for end in parent_ends:
        end.close()
    try:
        (a_lo, a_hi), (t_lo, t_hi) = parts
        parts = [(column_panels(_rows_of(a, a_lo, a_hi)), a_lo, a_hi),
                 (column_panels(_columns_of(a, t_lo, t_hi, column_counts)), t_lo, t_hi)]
        del a
        while (task := pipe.recv()) is not None:
            which, cols = task
            panels, start, stop = parts[which]
            paneled_product(panels, x[:, :cols], out=y[start:stop, :cols])
            pipe.send("done")
    except (EOFError, BrokenPipeError, ConnectionResetError, KeyboardInterrupt):
        pass   # the parent has gone (or was interrupted): nothing is waiting for a result
