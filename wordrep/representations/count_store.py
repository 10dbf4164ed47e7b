"""Co-occurrence counts summed in bounded memory: sorted runs spilled to disk, then merged.

Counting adds (row, column, weight) triples, in any order and with any number of repeats;
:class:`CountStore` sums them within a memory budget and writes the sum as a CSR matrix on
disk, which :func:`open_csr` memory-maps (GloVe's ``cooccur`` and hyperwords' external sort
are the precedents):

- each counting thread has an :class:`Accumulator`: the triples it is given wait in memory
  and are combined (sorted by (row, column), equal entries added) into in-memory runs, CSR
  matrices of int64 sums merged with runs of similar size; when they reach its share of the
  budget, and still take half of it once combined, they are spilled to a *run* file (sorted,
  one record per pair) in the store's folder;
- a symmetric store (``symmetric=True``: a symmetric window's pairs) is given each pair in
  one direction only, and adds the transpose when a run is spilled or the matrix written:
  half the pairs to sort;
- when nothing was spilled, :meth:`CountStore.finish` adds the accumulators' runs (once,
  at the end) and writes the sum a row block at a time;
- else :meth:`CountStore.finish` merges the runs, at most ``fan_in`` open at a time: more runs than
  that are merged ``fan_in`` at a time into longer runs first (several passes if need be), so
  the open files never exceed the limit (the per-process limit ``RLIMIT_NOFILE``, and the
  budget, which pays for a read buffer per open run). The last pass writes ``data.npy``
  (float32), ``indices.npy``, ``indptr.npy``, ``row_sums.npy`` and ``col_sums.npy`` (the exact
  marginals, float64), one row after the other, without holding the matrix
  (:mod:`.csr_files`; the runs' formats and merges are in :mod:`.count_runs`).

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

Leaving no litter. A counts cache entry ``KEY`` keeps its store in ``.KEY.spills`` beside it
(:func:`wordrep.cache.work_folder`). A run killed and never re-run with the same parameters
would leave those spills on disk for ever, so opening a store removes the other ``.*.spills``
folders beside it that no process is using (the lock of their entry is free: see
:func:`wordrep.cache.sweep_work_folders`) and that were not touched for a day
(:data:`wordrep.cache.ABANDONED_AFTER`): a count killed today is still resumed tomorrow.
"""
import hashlib
import json
import logging
import os
import shutil
import threading
from pathlib import Path

import numpy as np

from ..atomic import atomic_path
from ..cache import sha256_once, sweep_work_folders
from .count_runs import (  # noqa: F401  (re-exported: the store's parts, used by the cluster)
    MAX_FAN_IN, PAIR, READ_PAIRS, RunReader, add_all, combine, fan_in_limit, merge, row_blocks, sort_pairs,
    to_csr)
from .csr_files import (  # noqa: F401  (re-exported: what readers of the counts use)
    INT32_MAX, CsrWriter, association_blocks, open_csr, read_marginals)

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
SPILLS = "spills"          # a counts entry KEY's store is the folder .KEY.spills beside it
MIN_PAIRS = 1 << 10        # an accumulator holds at least this many pairs whatever its share
COMPACT_PAIRS = 1 << 22    # pairs waiting before they are combined, at least (64 MB)
_RunReader = RunReader     # the name the tests know


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
    symmetric : bool
        The matrix is the sum and its transpose: each pair is added in one direction only.

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

    def __init__(self, folder, shape, budget, meta=None, max_open=None, symmetric=False):
        self.folder = Path(folder)
        self.shape = tuple(int(n) for n in shape)
        self.symmetric = bool(symmetric)
        if self.symmetric and self.shape[0] != self.shape[1]:
            raise ValueError("a symmetric store needs a square matrix")
        self.budget = int(budget)
        self.meta = dict(meta or {}, shape=list(self.shape))  # spills hold both halves
        self.fan_in = fan_in_limit(self.budget, max_open)
        self.accumulators = []
        self.lock = threading.Lock()
        self.runs = self._resume()
        # the spills of counts that no one is making and no one resumed for a day (killed
        # runs of other parameters): gigabytes each at scale, kept for ever otherwise
        sweep_work_folders(self.folder.parent, SPILLS, keep=[self.folder])

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
        sources = [RunReader(self.folder / run["name"], self._read_pairs()) for run in group]
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
        :class:`CsrWriter`). When nothing was spilled, the accumulators' runs are added in
        memory, once; else the accumulators spill what they hold and the runs are merged,
        ``fan_in`` at a time."""
        accumulators, self.accumulators = self.accumulators, []
        if not self.runs:
            total = add_all([acc.take() for acc in accumulators], self.shape)
            index = np.int32 if 2 * total.nnz <= INT32_MAX else np.int64
            with CsrWriter(out, self.shape, index) as writer:
                for rows, cols, sums in row_blocks(total, self.symmetric):
                    writer.add_entry_sums(rows, cols, sums, denominator)
            return
        for acc in accumulators:
            acc.spill()
        while len(self.runs) > self.fan_in:
            self._merge_runs(self.runs[:self.fan_in])
        sources = [RunReader(self.folder / run["name"], self._read_pairs())
                   for run in self.runs]
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

    Pairs waiting are sorted and combined into an in-memory run (a CSR matrix of int64 sums)
    once there are ``compact_pairs`` of them; runs of similar sizes are added (as a binary
    counter carries: each pair is merged O(log) times, never the largest run at each step),
    so memory follows the distinct pairs more than the pairs added."""

    def __init__(self, store, budget, compact_pairs=COMPACT_PAIRS):
        self.store = store
        # Pending triples cost 16 bytes a pair (key, weight); sorting them takes about as much
        # again (the order and the sorted copies), so a quarter of the budget is for pairs.
        self.limit = max(MIN_PAIRS, budget // (4 * PAIR.itemsize))
        self.compact_pairs = min(compact_pairs, self.limit)
        self.keys, self.sums, self.units, self.pending = [], [], [], 0
        self.runs = []   # sorted, combined CSR matrices, largest first

    def add(self, rows, cols, weights, unit=None):
        """Add ``weights[i]`` to entry (rows[i], cols[i]) (and to (cols[i], rows[i]) in a
        symmetric store); ``unit``: what these pairs are (e.g. a piece of the corpus),
        recorded with the run they are spilled in."""
        keys = np.asarray(rows, dtype=np.int64) * self.store.shape[1] + np.asarray(cols)
        self.keys.append(keys)
        self.sums.append(np.asarray(weights, dtype=np.int64))
        if unit is not None:
            self.units.append(unit)
        self.pending += keys.size
        if self.pending >= self.compact_pairs:
            self._compact()
            if self.held >= self.limit and self.combined().nnz >= self.limit // 2:
                self.spill()  # little was combined: make room on disk

    @property
    def held(self):
        return sum(run.nnz for run in self.runs)

    def _compact(self):
        """The pending pairs as a new run, added to the runs no more than twice as big."""
        if self.keys:
            keys, sums = combine(np.concatenate(self.keys), np.concatenate(self.sums))
            self.runs.append(to_csr(keys, sums, self.store.shape))
            self.keys, self.sums, self.pending = [], [], 0
        while len(self.runs) > 1 and self.runs[-2].nnz <= 2 * self.runs[-1].nnz:
            self._add_last(2)

    def _add_last(self, n):
        last = self.runs[-n:]
        del self.runs[-n:]
        self.runs.append(add_all(last, self.store.shape))

    def combined(self):
        """The pairs so far (one direction of a symmetric store's), sorted and combined, as
        one run (kept as such)."""
        self._compact()
        if len(self.runs) > 1:
            self._add_last(len(self.runs))
        return self.runs[0] if self.runs else add_all([], self.store.shape)

    def take(self):
        """The pairs so far as one run, forgotten here (the store's last sum)."""
        total = self.combined()
        self.keys, self.sums, self.units, self.pending, self.runs = [], [], [], 0, []
        return total

    def spill(self):
        """Write the pairs held as a run (if any: both halves of a symmetric store's) and
        forget them."""
        units, total = self.units, self.take()
        if total.nnz:
            n_cols = self.store.shape[1]
            self.store.write_run(((rows * n_cols + cols, sums) for rows, cols, sums
                                  in row_blocks(total, self.store.symmetric)), units)
