"""CSR matrices written to disk a row block at a time, and read back memory-mapped.

:class:`CsrWriter` writes ``data.npy`` (float32), ``indices.npy``, ``indptr.npy`` and
``matrix.json`` into a folder without holding the matrix (the ``.npy`` files are appended
to, their headers written last); a count matrix gets its exact marginals too
(``row_sums.npy``, ``col_sums.npy``). :func:`open_csr` maps such a folder without reading it,
:func:`association_blocks` turns counts into (P)PMI a row block at a time. The counts come
from :mod:`.count_store`; the cluster (:mod:`wordrep.cluster`) writes the same files.
"""
import io
import json
import logging
import mmap
from pathlib import Path

import numpy as np
import scipy.sparse as sp

log = logging.getLogger(__name__)

INT32_MAX = np.iinfo(np.int32).max


class _NpyAppender:
    """A 1-d ``.npy`` file written a piece at a time: numpy leaves room in the header for
    the length to grow (21 digits), so the final header is written over the first."""

    def __init__(self, path, dtype):
        self.path, self.dtype, self.size = Path(path), np.dtype(dtype), 0
        self.file = open(self.path, "wb")
        self.header = self._header()
        self.file.write(self.header)

    def _header(self):
        buffer = io.BytesIO()
        np.lib.format.write_array_header_1_0(buffer, {
            "descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False,
            "shape": (self.size,)})
        return buffer.getvalue()

    def append(self, values):
        values = np.ascontiguousarray(values, dtype=self.dtype)
        self.file.write(values)
        self.size += values.size

    def close(self):
        header = self._header()
        if len(header) != len(self.header):  # numpy's growth padding makes this impossible
            raise RuntimeError(f"the header of {self.path} changed length")
        self.file.seek(0)
        self.file.write(header)
        self.file.close()


class CsrWriter:
    """A CSR matrix written row after row into a folder: ``data.npy`` (float32),
    ``indices.npy``, ``indptr.npy`` (int32 or int64, the same type) and ``matrix.json``
    (shape); the marginals too, for a count matrix (:meth:`add_sums`)."""

    def __init__(self, folder, shape, index_dtype=np.int32):
        self.folder, self.shape = Path(folder), shape
        self.folder.mkdir(parents=True, exist_ok=True)
        self.index_dtype = np.dtype(index_dtype)
        self.data = _NpyAppender(self.folder / "data.npy", np.float32)
        self.indices = _NpyAppender(self.folder / "indices.npy", self.index_dtype)
        self.row_nnz = np.zeros(shape[0], np.int64)
        self.row_sums = self.col_sums = None

    def add(self, rows, cols, values):
        """Entries in (row, col) order, after those added before."""
        self.data.append(values)
        self.indices.append(cols)
        self.row_nnz += np.bincount(rows, minlength=self.shape[0])

    def add_sums(self, keys, sums, denominator):
        """Integer sums of the entries ``keys`` (row * n_cols + col), divided by
        ``denominator``; see :meth:`add_entry_sums`."""
        rows, cols = np.divmod(keys, self.shape[1])
        self.add_entry_sums(rows, cols, sums, denominator)

    def add_entry_sums(self, rows, cols, sums, denominator):
        """Integer sums of entries (rows, cols), in (row, col) order, divided by
        ``denominator``; the marginals are summed too, exactly (float64 sums of integers
        below 2^53, so the order in which entries come does not change them)."""
        if self.row_sums is None:
            self.row_sums = np.zeros(self.shape[0])
            self.col_sums = np.zeros(self.shape[1])
        self.row_sums += np.bincount(rows, weights=sums, minlength=self.shape[0])
        self.col_sums += np.bincount(cols, weights=sums, minlength=self.shape[1])
        self.denominator = denominator
        self.add(rows, cols, (sums / denominator).astype(np.float32))

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        self.data.close()
        self.indices.close()
        if kind is not None:
            return
        if self.data.size > INT32_MAX and self.index_dtype != np.int64:
            raise RuntimeError("more non-zeros than int32 indices can address")
        indptr = np.zeros(self.shape[0] + 1, self.index_dtype)
        np.cumsum(self.row_nnz, out=indptr[1:])
        np.save(self.folder / "indptr.npy", indptr)
        if self.row_sums is not None:
            if max(self.row_sums.max(initial=0), self.col_sums.max(initial=0)) >= 2 ** 53:
                log.warning("Warning: marginals past 2^53 are rounded (float64).")
            np.save(self.folder / "row_sums.npy", self.row_sums / self.denominator)
            np.save(self.folder / "col_sums.npy", self.col_sums / self.denominator)
        (self.folder / "matrix.json").write_text(json.dumps(
            {"format": "csr", "shape": list(self.shape), "nnz": int(self.data.size)}))


def open_csr(folder, mmap=True):
    """The CSR matrix of a :class:`CsrWriter` folder, memory-mapped (nothing read until used:
    forked processes share its pages) or, with ``mmap=False``, read into memory."""
    folder = Path(folder)
    shape = tuple(json.loads((folder / "matrix.json").read_text())["shape"])
    mode = "r" if mmap else None
    data, indices, indptr = (np.load(folder / f"{name}.npy", mmap_mode=mode, allow_pickle=False)
                             for name in ("data", "indices", "indptr"))
    if indptr.shape != (shape[0] + 1,) or data.shape != indices.shape \
            or int(indptr[-1]) != data.size:
        raise ValueError(f"the matrix in {folder} is inconsistent")
    # Set the arrays directly: scipy's constructor may scan (and copy) index arrays to pick
    # their type, which would read the whole matrix.
    matrix = sp.csr_matrix(shape, dtype=np.float32)
    matrix.data, matrix.indices, matrix.indptr = data, indices, indptr
    matrix.has_sorted_indices = True
    matrix.has_canonical_format = True
    return matrix


def read_slice(array, lo, hi):
    """``array[lo:hi]`` in memory; read from the file of a memory-mapped array (or of a
    contiguous view of one, as scipy's constructors make), its map left untouched: mapped
    pages, once read, count in the resident memory of each process that read them until the
    map is closed, so one pass over a matrix would seem to hold it all."""
    root = array
    while isinstance(root, np.memmap) and not isinstance(root.base, mmap.mmap):
        root = root.base
    if isinstance(root, np.memmap) and root.filename and array.flags.c_contiguous:
        # a whole map starts at its offset in the file; a view, as far again as it starts
        offset = root.offset + array.ctypes.data - root.ctypes.data
        return np.fromfile(root.filename, dtype=array.dtype, count=hi - lo,
                           offset=offset + lo * array.dtype.itemsize)
    return np.array(array[lo:hi])


def read_marginals(folder):
    """(row sums, column sums), float64, of a count matrix written with
    :meth:`CsrWriter.add_sums`: the exact sums, divided once by the denominator."""
    folder = Path(folder)
    return (np.load(folder / "row_sums.npy", allow_pickle=False),
            np.load(folder / "col_sums.npy", allow_pickle=False))


def association_blocks(counts_folder, out, cds=0.75, neg=1, kind="ppmi", budget=256 << 20):
    """The (P)PMI of the count matrix in ``counts_folder``, written into the folder ``out``
    a row block at a time (blocks of about ``budget`` / 64 non-zeros: each costs about 32
    bytes a non-zero in temporaries, so half the budget, the rest being the process's) with
    the exact global marginals. Entry for entry the
    same as :func:`.pmi.pmi` of the whole matrix with those marginals."""
    from .pmi import Scale, check_pmi
    check_pmi(cds, neg, kind)
    counts = open_csr(counts_folder)
    scale = Scale(*read_marginals(counts_folder), cds, neg)
    indptr = np.asarray(counts.indptr, dtype=np.int64)
    block_nnz = max(1 << 10, budget // 64)
    with CsrWriter(out, counts.shape, counts.indptr.dtype) as writer:
        first = 0
        while first < counts.shape[0]:
            # the rows up to block_nnz non-zeros past the block's start, at least one
            last = max(first + 1, int(np.searchsorted(indptr, int(indptr[first]) + block_nnz,
                                                      side="right")) - 1)
            last = min(last, counts.shape[0])
            lo, hi = int(indptr[first]), int(indptr[last])
            rows = np.repeat(np.arange(first, last), np.diff(indptr[first:last + 1]))
            data = read_slice(counts.data, lo, hi)
            cols = read_slice(counts.indices, lo, hi)
            values = scale.values(data, rows, cols)
            if kind == "ppmi":
                keep = values > 0
                rows, cols, values = rows[keep], cols[keep], values[keep]
            writer.add(rows, cols, values)
            first = last
