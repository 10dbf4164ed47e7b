"""Co-occurrence counts summed in bounded memory: sorted runs spilled to disk, then merged.

Counting adds (row, column, weight) triples, in any order and with any number of repeats;
:class:`CountStore` sums them within a memory budget and writes the sum as a CSR matrix on
disk, which :func:`open_csr` memory-maps (GloVe's ``cooccur`` and hyperwords' external sort
are the precedents):

- each counting thread has an :class:`Accumulator`: the triples it is given wait in memory;
  when they reach its share of the budget they are sorted by (row, column) and combined, and
  if the combined pairs still take half the share they are spilled to a *run* file (sorted,
  one record per pair) in the store's folder;
- :meth:`CountStore.finish` merges the runs, at most ``fan_in`` open at a time: more runs than
  that are merged ``fan_in`` at a time into longer runs first (several passes if need be), so
  the open files never exceed the limit (the per-process limit ``RLIMIT_NOFILE``, and the
  budget, which pays for a read buffer per open run). The last pass writes ``data.npy``
  (float32), ``indices.npy``, ``indptr.npy``, ``row_sums.npy`` and ``col_sums.npy`` (the exact
  marginals, float64), one row after the other, without holding the matrix.

Exact sums. Window weights are 1 (uniform), 1/d (harmonic) or (L-d+1)/L (dynamic), for
d = 1..L; the caller scales them by a common denominator D (1, lcm(1..L) or L) into
integers, this store sums those as int64 and divides each sum once, at the end, by D
(float64 division, then rounded to float32). Integer sums do not depend on the order of
the additions, so the matrix is bit for bit the same whatever the budget, the spills, the
merge order and the threads. The limit: a pair's integer sum must stay below 2^63 (the caller
checks it: :func:`wordrep.representations.cooccurrence._integer_weights` bounds it by
2 x max word count x sum of the scaled weights; harmonic windows past about 20 words at a
billion tokens exceed it and fall back to float64 weights, whose sums are then exact only
to float64 rounding), and the marginals, summed as float64, are exact while a row's or
column's integer sum stays below 2^53 (about 9e15: 60 x 2 x 1e9 tokens x 2.3 is 3e11 for a
harmonic window of 5 at a billion tokens).

Resuming. A run is written to a temporary name and renamed; then the folder's
``manifest.json`` (written atomically) lists it with its size, SHA-256 and the *units* it
covers (the caller's pieces of the corpus, e.g. token ranges). A store opened on a folder
whose manifest has the same ``meta`` keeps the runs that match their checksums (through
:func:`wordrep.cache.sha256_once`, as cache entries are checked), drops the others and any
file not listed, and tells the caller which units are done (:attr:`CountStore.done`): a
re-run after a kill counts only the rest, and gives the same matrix.
"""
import hashlib
import json
import logging
import os
import shutil
import threading
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..atomic import atomic_path
from ..cache import sha256_once

try:
    import resource
except ImportError:  # Windows
    resource = None

log = logging.getLogger(__name__)

PAIR = np.dtype([("key", "<i8"), ("sum", "<i8")])   # a run's record: row * n_cols + col, sum
MANIFEST = "manifest.json"
MIN_PAIRS = 1 << 10        # an accumulator holds at least this many pairs whatever its share
COMPACT_PAIRS = 1 << 22    # pairs waiting before they are combined, at least (64 MB)
READ_PAIRS = 1 << 10       # a merge reads at least this many records of a run at a time
MAX_FAN_IN = 128           # more open runs than this only make each read smaller
SPARE_FILES = 32           # descriptors left for everything else the process has open
OUTPUT_FILES = 2           # a merge pass writes one run, or data.npy and indices.npy
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


class CountStore:
    """The sum of (row, col, weight) triples, kept in ``budget`` bytes, spilled to ``folder``.

    Parameters
    ----------
    folder : path
        Where runs and the manifest go; kept between runs of the program (resuming), removed
        by :meth:`remove`.
    shape : (int, int)
        The matrix's shape.
    budget : int
        Bytes for the pairs waiting in memory, all accumulators together, and later for the
        merge's read buffers.
    meta : dict
        What the counts are of (JSON); runs of a folder whose manifest has other ``meta`` are
        discarded rather than resumed.
    max_open : int, optional
        Files a merge pass may have open at once (see :func:`fan_in_limit`).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     store = CountStore(Path(tmp) / "runs", (2, 3), budget=1 << 20)
    ...     acc = store.accumulator()
    ...     acc.add(np.array([1, 0, 1]), np.array([2, 0, 2]), np.array([3, 4, 5]))
    ...     store.finish(Path(tmp) / "out", denominator=2)
    ...     open_csr(Path(tmp) / "out").toarray()
    array([[2., 0., 0.],
           [0., 0., 4.]], dtype=float32)
    """

    def __init__(self, folder, shape, budget, meta=None, max_open=None):
        self.folder = Path(folder)
        self.shape = tuple(int(n) for n in shape)
        self.budget = int(budget)
        self.meta = dict(meta or {}, shape=list(self.shape))
        self.fan_in = fan_in_limit(self.budget, max_open)
        self.accumulators = []
        self.lock = threading.Lock()
        self.runs = self._resume()

    @property
    def done(self):
        """The units covered by the runs on disk: counted already, not to be added again."""
        return {unit for run in self.runs for unit in run["units"]}

    def accumulator(self, share=1.0, compact_pairs=COMPACT_PAIRS):
        """A new accumulator with ``share`` of the budget (one per counting thread)."""
        acc = Accumulator(self, int(self.budget * share), compact_pairs)
        self.accumulators.append(acc)
        return acc

    # -- runs ---------------------------------------------------------------------------------

    def _resume(self):
        """The runs of a previous, interrupted count that can be kept (checked); the folder
        is emptied of everything else."""
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            manifest = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
            runs = manifest["runs"] if manifest.get("meta") == self.meta else []
        except (OSError, ValueError, KeyError, TypeError):
            runs = []
        kept = [run for run in runs if self._intact(run)]
        if kept:
            log.info("Resuming the count from %d finished spill%s in %s.", len(kept),
                     "s" * (len(kept) != 1), self.folder)
        names = {run["name"] for run in kept} | {MANIFEST}
        for path in self.folder.iterdir():
            if path.name not in names:
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        self._write_manifest(kept)
        return kept

    def _intact(self, run):
        path = self.folder / str(run.get("name"))
        try:
            ok = path.stat().st_size == run["size"] and sha256_once(path) == run["sha256"]
        except (OSError, KeyError, TypeError):
            ok = False
        if not ok:
            log.warning("Warning: the spilled counts %s are damaged or missing; counting "
                        "their part again.", path)
        return ok

    def _write_manifest(self, runs):
        with atomic_path(self.folder / MANIFEST) as tmp:
            Path(tmp).write_text(json.dumps({"meta": self.meta, "runs": runs}, indent=1),
                                 encoding="utf-8")

    def write_run(self, chunks, units):
        """Write the sorted, combined (keys, sums) ``chunks`` as one run covering ``units``,
        and list it in the manifest once it is whole."""
        name = f"run-{os.getpid()}-{os.urandom(6).hex()}.pairs"
        digest, size = hashlib.sha256(), 0
        with atomic_path(self.folder / name) as tmp, open(tmp, "wb") as out:
            for keys, sums in chunks:
                records = np.empty(keys.size, PAIR)
                records["key"], records["sum"] = keys, sums
                digest.update(memoryview(records).cast("B"))
                out.write(records)
                size += records.nbytes
        run = {"name": name, "size": size, "sha256": digest.hexdigest(),
               "units": sorted(set(units))}
        with self.lock:  # counting threads spill at the same time
            self.runs = self.runs + [run]
            self._write_manifest(self.runs)
        return run

    def _merge_runs(self, group):
        """Replace the runs ``group`` by their merge (one pass of at most ``fan_in``)."""
        sources = [_RunReader(self.folder / run["name"], self._read_pairs()) for run in group]
        try:
            units = [unit for run in group for unit in run["units"]]
            merged = self.write_run(merge(sources), units)
        finally:
            for source in sources:
                source.close()
        names = {run["name"] for run in group}
        self.runs = [run for run in self.runs if run["name"] not in names]
        self._write_manifest(self.runs)  # before removing them: a kill keeps a valid list
        for name in names:
            (self.folder / name).unlink(missing_ok=True)
        return merged

    def _read_pairs(self):
        return max(READ_PAIRS, self.budget // (4 * (self.fan_in + 1) * PAIR.itemsize))

    # -- the result ----------------------------------------------------------------------------

    def finish(self, out, denominator=1):
        """Write the matrix (sums / ``denominator``) into the folder ``out`` (see
        :class:`CsrWriter`). Everything is merged from memory when nothing was spilled, else
        the accumulators spill what they hold and the runs are merged, ``fan_in`` at a time."""
        if self.runs:
            for acc in self.accumulators:
                acc.spill()
        if not self.runs:
            sources = []
            for acc in self.accumulators:  # the runs of each, merged with the others' at once
                acc._compact()
                sources += [_MemorySource(keys, sums) for keys, sums in acc.runs]
        else:
            while len(self.runs) > self.fan_in:
                self._merge_runs(self.runs[:self.fan_in])
            sources = [_RunReader(self.folder / run["name"], self._read_pairs())
                       for run in self.runs]
        self.accumulators = []
        try:
            with CsrWriter(out, self.shape, _index_dtype(sources)) as writer:
                for keys, sums in merge(sources):
                    writer.add_sums(keys, sums, denominator)
        finally:
            for source in sources:
                source.close()

    def remove(self):
        """Delete the folder of runs (once the result is safely elsewhere)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def _index_dtype(sources):
    """int32 indices and indptr while the pairs, at most the records of the sources, fit."""
    return np.int32 if sum(s.size for s in sources) <= INT32_MAX else np.int64


class Accumulator:
    """One thread's pairs in memory, spilled when they fill its share of the budget.

    Pairs waiting are sorted and combined into an in-memory run once there are
    ``compact_pairs`` of them; runs of similar sizes are merged (as a binary counter
    carries: each pair is merged O(log) times, never the largest run at each step), so
    memory follows the distinct pairs more than the pairs added."""

    def __init__(self, store, budget, compact_pairs=COMPACT_PAIRS):
        self.store = store
        # Pending triples cost 16 bytes a pair (key, weight); sorting them takes about as much
        # again (the order and the sorted copies), so a quarter of the budget is for pairs.
        self.limit = max(MIN_PAIRS, budget // (4 * PAIR.itemsize))
        self.compact_pairs = min(compact_pairs, self.limit)
        self.keys, self.sums, self.units, self.pending = [], [], [], 0
        self.runs = []   # sorted, combined (keys, sums), largest first

    def add(self, rows, cols, weights, unit=None):
        """Add ``weights[i]`` to entry (rows[i], cols[i]); ``unit``: what these pairs are
        (e.g. a piece of the corpus), recorded with the run they are spilled in."""
        keys = np.asarray(rows, dtype=np.int64) * self.store.shape[1] + np.asarray(cols)
        self.keys.append(keys)
        self.sums.append(np.asarray(weights, dtype=np.int64))
        if unit is not None:
            self.units.append(unit)
        self.pending += keys.size
        if self.pending >= self.compact_pairs:
            self._compact()
            if self.held >= self.limit:
                keys, sums = self.combined()
                if keys.size >= self.limit // 2:  # little was combined: make room on disk
                    self.spill()

    @property
    def held(self):
        return sum(keys.size for keys, _ in self.runs)

    def _compact(self):
        """The pending pairs as a new run, merged with the runs no more than twice as big."""
        if self.pending or self.keys:
            self.runs.append(combine(np.concatenate(self.keys), np.concatenate(self.sums)))
            self.keys, self.sums, self.pending = [], [], 0
        while len(self.runs) > 1 and self.runs[-2][0].size <= 2 * self.runs[-1][0].size:
            self._merge_last(2)

    def _merge_last(self, n):
        last = self.runs[-n:]
        del self.runs[-n:]
        self.runs.append(combine(np.concatenate([k for k, _ in last]),
                                 np.concatenate([s for _, s in last])))

    def combined(self):
        """The pairs so far, sorted and combined, as one run (kept as such)."""
        self._compact()
        if len(self.runs) > 1:
            self._merge_last(len(self.runs))
        return self.runs[0] if self.runs else (np.zeros(0, np.int64), np.zeros(0, np.int64))

    def spill(self):
        """Write the pairs held as a run (if any) and forget them."""
        keys, sums = self.combined()
        if keys.size:
            self.store.write_run([(keys, sums)], self.units)
        self.keys, self.sums, self.units, self.pending, self.runs = [], [], [], 0, []


class _MemorySource:
    """Sorted, combined (keys, sums) in memory, read as a run is."""

    def __init__(self, keys, sums, read_pairs=1 << 20):
        self.keys, self.sums, self.pos, self.step = keys, sums, 0, read_pairs
        self.size = keys.size

    def read(self):
        start, self.pos = self.pos, min(self.pos + self.step, self.size)
        return self.keys[start:self.pos], self.sums[start:self.pos], self.pos >= self.size

    def close(self):
        pass


class _RunReader:
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


# -- matrices on disk --------------------------------------------------------------------------

class _NpyAppender:
    """A 1-d ``.npy`` file written a piece at a time: numpy leaves room in the header for
    the length to grow (21 digits), so the final header is written over the first."""

    def __init__(self, path, dtype):
        self.path, self.dtype, self.size = Path(path), np.dtype(dtype), 0
        self.file = open(self.path, "wb")
        self.header = self._header()
        self.file.write(self.header)

    def _header(self):
        import io
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
        """Integer sums, divided by ``denominator``; the marginals are summed too, exactly
        (float64 sums of integers below 2^53)."""
        rows, cols = np.divmod(keys, self.shape[1])
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
    data, indices, indptr = (np.load(folder / f"{name}.npy", mmap_mode=mode)
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


def read_marginals(folder):
    """(row sums, column sums), float64, of a count matrix written with
    :meth:`CsrWriter.add_sums`: the exact sums, divided once by the denominator."""
    folder = Path(folder)
    return np.load(folder / "row_sums.npy"), np.load(folder / "col_sums.npy")


def association_blocks(counts_folder, out, cds=0.75, neg=1, kind="ppmi", budget=256 << 20):
    """The (P)PMI of the count matrix in ``counts_folder``, written into the folder ``out``
    a row block at a time (blocks of about ``budget`` / 32 non-zeros: each costs about 32
    bytes a non-zero in temporaries) with the exact global marginals. Entry for entry the
    same as :func:`.pmi.pmi` of the whole matrix with those marginals."""
    from .pmi import Scale, check_pmi
    check_pmi(cds, neg, kind)
    counts = open_csr(counts_folder)
    scale = Scale(*read_marginals(counts_folder), cds, neg)
    indptr = np.asarray(counts.indptr, dtype=np.int64)
    block_nnz = max(1 << 10, budget // 32)
    with CsrWriter(out, counts.shape, counts.indptr.dtype) as writer:
        first = 0
        while first < counts.shape[0]:
            # the rows up to block_nnz non-zeros past the block's start, at least one
            last = max(first + 1, int(np.searchsorted(indptr, int(indptr[first]) + block_nnz,
                                                      side="right")) - 1)
            last = min(last, counts.shape[0])
            lo, hi = int(indptr[first]), int(indptr[last])
            rows = np.repeat(np.arange(first, last), np.diff(indptr[first:last + 1]))
            data = np.asarray(counts.data[lo:hi])
            cols = np.asarray(counts.indices[lo:hi])
            values = scale.values(data, rows, cols)
            if kind == "ppmi":
                keep = values > 0
                rows, cols, values = rows[keep], cols[keep], values[keep]
            writer.add(rows, cols, values)
            first = last
