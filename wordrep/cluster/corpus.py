"""A corpus counted on a Dask cluster: the client's side of :mod:`wordrep.cluster`."""
import contextlib
import logging
import operator
import time
from pathlib import Path

import numpy as np

from ..errors import UserError
from .tasks import (BLOCK_TOKENS, BLOCKS_PER_WORKER, FAN_IN, RANGES_PER_SHARD, Shard,
                    _block_sum, _check_readable, _ppmi_block, _prepared, _read_range,
                    _read_whole, _shard_pairs, _sum_counts, _tail, _vocabulary, _word_index,
                    block_rows)

log = logging.getLogger(__name__)


class ClusterCorpus:
    """A corpus whose vocabulary and counts are computed on a Dask cluster (see module).

    Everything else (name, fingerprint, cache folders) is the wrapped corpus's: the cache
    entries are those of the single-process path, so a model built on a cluster and one built
    here share them.
    """

    def __init__(self, corpus, cluster):
        self._corpus, self._cluster = corpus, cluster
        self._shards = self._vocab = self._counted = None

    def __getattr__(self, name):
        return getattr(self._corpus, name)

    @property
    def client(self):
        return self._cluster.client

    # -- reading and the vocabulary --------------------------------------------------------------

    def vocabulary(self, min_count=5, max_vocab=None):
        """As :meth:`Corpus.vocabulary`: from the cached token ids if there are any, else
        reduced on the cluster."""
        from ..corpora.vocabulary import Vocabulary, check_min_count
        check_min_count(min_count)
        if self._vocab is None:
            if self._corpus.cache_folder.exists():
                return self._corpus.vocabulary(min_count, max_vocab)
            words, counts = self._gather(self._shard_futures()[2])
            self._vocab = Vocabulary(words, counts)
        return self._vocab.trim(min_count, max_vocab)

    def _shard_futures(self):
        """(shard futures, summary futures, vocabulary future), read once per process."""
        if self._shards is None:
            source = self._corpus.source
            files = [str(Path(path).resolve()) for path in source.files]  # as workers see it
            self._check_workers(files)
            shards = []
            for path in files:
                shards += self._file_shards(path, source.kind)
            summaries = [self.client.submit(Shard.summary, s, pure=False) for s in shards]
            self._shards = (shards, summaries, self._vocabulary_future(summaries))
        return self._shards

    def _file_shards(self, path, kind):
        """Futures of a file's shards: its byte ranges (a plain file), else read whole."""
        from ..corpora import parallel, sources
        tokenizer = self._corpus.tokenizer
        if kind != "wikipedia" and sources.compression(Path(path)) is None:
            bounds = parallel._range_bounds(Path(path))
            # RANGES_PER_SHARD of the parallel reader's ranges a task: fewer, larger partial
            # sums (a shard's distinct pairs grow slower than its tokens) to ship and add up
            bounds = bounds[:-1:RANGES_PER_SHARD] + bounds[-1:]
            return [self.client.submit(_read_range, path, a, b, tokenizer)
                    for a, b in zip(bounds[:-1], bounds[1:])]
        whole = self.client.submit(_read_whole, path, "text" if kind == "folder" else kind,
                                   tokenizer)
        count = self._gather(self.client.submit(len, whole))
        return [self.client.submit(operator.getitem, whole, i) for i in range(count)]

    def _check_workers(self, paths):
        """One UserError naming the first worker that cannot read a file of the corpus."""
        for path in paths:
            problems = self.client.run(_check_readable, str(path))
            for worker, problem in sorted(problems.items()):
                if problem:
                    raise UserError(f"the Dask worker {worker} cannot read the corpus "
                                    f"{path} ({problem}).",
                                    "Every worker must see the corpus at the same path (a "
                                    "shared filesystem), or leave out --cluster.")

    def _vocabulary_future(self, summaries):
        """The whole vocabulary (min_count 1), summed by a tree of tasks."""
        parts = [self.client.submit(operator.itemgetter(2, 3), s) for s in summaries]
        while len(parts) > FAN_IN:
            parts = [self.client.submit(_sum_counts, *parts[i:i + FAN_IN])
                     for i in range(0, len(parts), FAN_IN)]
        return self.client.submit(_vocabulary, self.client.submit(_sum_counts, *parts))

    def _gather(self, future):
        """A future's result; a worker that dies repeatedly is one UserError."""
        from distributed import KilledWorker
        try:
            return future.result()
        except KilledWorker as exc:
            raise UserError(f"Dask workers running wordrep's tasks died repeatedly ({exc}).",
                            "Check the workers' memory limits and logs.") from None

    # -- counting ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _cancelled_on_error(self):
        """Cancel the tasks submitted in the block if it fails (an error, Ctrl-C): the
        cluster stops working for a result nobody will read."""
        before = set(self.client.futures)
        try:
            yield
        except BaseException:
            from distributed import Future
            self.client.cancel([Future(key, self.client) for key in self.client.futures
                                if key not in before], force=True)
            self._shards = self._counted = None
            raise

    def count_into(self, out, vocab_size, window, weighting, context, subsample, delete_rare,
                   seed):
        """Write the count matrix of the vocabulary's first ``vocab_size`` words into ``out``
        (:func:`.count_store.open_csr`'s folder): the single-process path's, bit for bit."""
        with self._cancelled_on_error():
            self._count_into(out, vocab_size, window, weighting, context, subsample,
                             delete_rare, seed)

    def _count_into(self, out, vocab_size, window, weighting, context, subsample, delete_rare,
                    seed):
        from ..representations.cooccurrence import _integer_weights
        from ..representations.count_store import INT32_MAX, CsrWriter
        started = time.perf_counter()
        shards, summaries, vocabulary = self._shard_futures()
        words, counts = self._gather(vocabulary)
        numerators, denominator, dtype = _integer_weights(window, weighting,
                                                          int(counts.max(initial=0)))
        if dtype == np.float64:
            raise UserError(f"a {weighting} window of {window} on this corpus has sums past "
                            "int64: it is counted in float64, in one process only.",
                            "Leave out --cluster, or use a smaller window.")
        sizes = self.client.gather([self.client.submit(operator.itemgetter(0, 1), s)
                                    for s in summaries])
        # a token's global line number: the line starts before its shard plus those in it
        offsets = np.concatenate(([0], np.cumsum([t for t, _ in sizes])))
        bases = np.concatenate(([0], np.cumsum([s for _, s in sizes])))
        settings = dict(vocab_size=vocab_size, subsample=subsample, delete_rare=delete_rare,
                        seed=seed, window=window, context=context, numerators=numerators)
        bounds = self._row_bounds(counts[:vocab_size])
        index = self.client.submit(_word_index, vocabulary)
        # a task's result, not scattered data: Dask can make it again if its holder is lost
        # (scattered data it cannot, and its replica manager keeps only one copy)
        vocab_counts = self.client.submit(operator.itemgetter(1), vocabulary)
        tail = (np.zeros(0, np.int32), np.zeros(0, np.int64))
        blocks, group = [None] * (len(bounds) - 1), []
        holders = self.client.who_has(shards)
        for shard, offset, base in zip(shards, offsets.tolist(), bases.tolist()):
            # where the shard is (the word index, larger, would otherwise draw every shard to
            # its one worker: measured, 7 of 8 there), or elsewhere if that worker is lost
            where = holders.get(shard.key) or []
            pin = {"workers": list(where[:1]), "allow_other_workers": True} if where else {}
            prepared = self.client.submit(_prepared, shard, index, vocab_counts, settings,
                                          offset, base, **pin)
            group.append(self.client.submit(_shard_pairs, prepared, tail, settings, bounds))
            tail = self.client.submit(_tail, tail, prepared, window)
            if len(group) == FAN_IN:
                blocks, group = self._fold(blocks, group), []
        blocks = self._fold(blocks, group)
        # Only the blocks are wanted now: Dask frees each shard's results once they are used
        # (and can still recompute them, from the graph, if a worker holding a block is lost).
        del group, prepared, tail
        self._shards = None
        with CsrWriter(out, (vocab_size, vocab_size), np.int32) as writer:
            nnz = 0
            for future, first in zip(blocks, bounds):
                block = self._gather(future)
                writer.add_entry_sums(block_rows(block, first), block.indices, block.data,
                                      denominator)
                nnz += block.nnz
                del block
            if nnz > INT32_MAX:
                raise UserError("more co-occurring pairs than this version writes from a "
                                "cluster (2^31).", "Leave out --cluster.")
        self._counted = (str(out), blocks, bounds, denominator)
        log.info("counted on the cluster in %.1f s (%d shards, %d row blocks)",
                 time.perf_counter() - started, len(shards), len(blocks))

    def _fold(self, blocks, group):
        """Each row block's sum so far plus its parts from a group of (at most FAN_IN)
        shards, one task a block. Submitted right after the group's counting tasks, these
        run before the next group's (Dask runs what was submitted first first): the workers
        hold the running sums and a group's parts, never every shard's parts at once."""
        if not group:
            return blocks
        folded = []
        for b, total in enumerate(blocks):
            parts = [self.client.submit(operator.getitem, p, b) for p in group]
            folded.append(self.client.submit(_block_sum, *parts,
                                             *([] if total is None else [total])))
        return folded

    def _row_bounds(self, counts):
        """Row cuts giving each block about the same number of tokens (pairs follow them),
        at most BLOCK_TOKENS: a block's last sum holds a few million pairs, whatever the
        corpus (on 1.7e8 tokens, 8 blocks of 21M pairs overran a 4 GB worker)."""
        n_blocks = max(BLOCKS_PER_WORKER * self._cluster.workers,
                       -(-int(counts.sum()) // BLOCK_TOKENS))
        cumulative = np.cumsum(counts)
        targets = np.linspace(0, cumulative[-1] if counts.size else 0, n_blocks + 1)[1:-1]
        cuts = np.searchsorted(cumulative, targets, side="right")
        return sorted({0, *cuts.tolist(), int(counts.size)})

    # -- PPMI -------------------------------------------------------------------------------

    def association_into(self, counts_folder, out, cds, neg, kind, budget=None):
        """:func:`.count_store.association_blocks` on the cluster: the same matrix, written
        into ``out``, and kept on the workers as CSR row blocks for the SVD."""
        with self._cancelled_on_error():
            self._association_into(counts_folder, out, cds, neg, kind)

    def _association_into(self, counts_folder, out, cds, neg, kind):
        from ..representations.count_store import CsrWriter, open_csr, read_marginals
        counts = open_csr(counts_folder)
        blocks, bounds, denominator = self._count_blocks(counts_folder, counts)
        marginals = self.client.submit(tuple, read_marginals(counts_folder))  # in the graph
        settings = dict(denominator=denominator, cds=cds, neg=neg, kind=kind)
        ppmi = [self.client.submit(_ppmi_block, block, marginals, settings, first)
                for block, first in zip(blocks, bounds)]
        # the count blocks are not needed past this point (another PPMI of them is
        # scattered from the cached counts): the workers' memory goes to the PPMI blocks
        self._counted = None
        del blocks
        with CsrWriter(out, counts.shape, counts.indptr.dtype) as writer:
            for future, first in zip(ppmi, bounds):
                block = self._gather(future)
                writer.add(block_rows(block, first), block.indices, block.data)
            nnz = writer.data.size
        self._cluster.ppmi = (counts.shape, nnz, ppmi, bounds)

    def _count_blocks(self, counts_folder, counts):
        """The count matrix's row blocks on the cluster (CSR, with the denominator of their
        entries): those just counted (integer sums), else scattered from the cached matrix
        (its float32 entries in float64, denominator 1: the same PPMI)."""
        import scipy.sparse as sp
        if self._counted is not None and self._counted[0] == str(counts_folder):
            return self._counted[1:]
        bounds = self._row_bounds(np.diff(np.asarray(counts.indptr, dtype=np.int64)))
        blocks = []
        for first, last in zip(bounds[:-1], bounds[1:]):
            part = sp.csr_matrix(counts[first:last], dtype=np.float64)
            [future] = self.client.scatter([part])
            blocks.append(future)
        return blocks, bounds, 1
