"""The SVD's sparse products as Dask tasks over row blocks (see :mod:`wordrep.cluster`)."""
import numpy as np

from .tasks import BLOCKS_PER_WORKER, _dot_stack, _stack, _sum, _tdot_stack


class DaskProducts:
    """``a @ x`` and ``a.T @ x`` as tasks over row blocks of ``a`` held by the workers (the
    interface of :class:`~.representations.sparse_products.ParallelProducts`): the blocks
    stay where they are, the dense operand goes out and the product comes back.

    The blocks are those the PPMI step left on the cluster when it made ``a``; otherwise
    ``a`` is scattered a row block at a time.
    """

    def __init__(self, cluster, a):
        import scipy.sparse as sp
        self.client, self.a = cluster.client, a
        held = cluster.ppmi
        if held is not None and held[:2] == (a.shape, a.nnz):
            parts, bounds = held[2:]
        else:
            a = sp.csr_matrix(a)
            n_blocks = BLOCKS_PER_WORKER * max(1, len(self.client.scheduler_info()["workers"]))
            bounds = np.linspace(0, a.shape[0], n_blocks + 1).astype(int).tolist()
            parts = [self.client.scatter(a[f:l]) for f, l in zip(bounds[:-1], bounds[1:])]
        self.stacks = self._stacks(parts, bounds)

    def _stacks(self, parts, bounds):
        """One task's worth of blocks per worker (those it holds): a product is then one task
        a worker, not one a block (each costs a round trip to the scheduler)."""
        holders = self.client.who_has(parts)
        groups = {}
        for i, part in enumerate(parts):
            where = holders.get(part.key) or ["any"]
            groups.setdefault(where[0], []).append(i)
        stacks = []
        for worker, members in groups.items():
            pin = {} if worker == "any" else {"workers": [worker], "allow_other_workers": True}
            stacks.append(self.client.submit(
                _stack, [bounds[i] for i in members], [bounds[i + 1] for i in members],
                *[parts[i] for i in members], **pin))
        return stacks

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.client.cancel(self.stacks)   # the blocks themselves stay (the corpus's)

    def _broadcast(self, x):
        [shared] = self.client.scatter([np.ascontiguousarray(x, dtype=np.float32)],
                                       broadcast=True, hash=False)
        return shared

    def dot(self, x, copy=True):
        """``a @ x``: each worker's rows of the product."""
        shared = self._broadcast(x)
        out = np.empty((self.a.shape[0], x.shape[1]), dtype=np.float32)
        for firsts, lasts, products in self.client.gather(
                [self.client.submit(_dot_stack, stack, shared, pure=False)
                 for stack in self.stacks]):
            for first, last, product in zip(firsts, lasts, products):
                out[first:last] = product
        return out

    def tdot(self, x, copy=True):
        """``a.T @ x``: each worker's sum of its blocks' transposes times their rows of x."""
        shared = self._broadcast(x)
        partials = self.client.gather([self.client.submit(_tdot_stack, stack, shared, pure=False)
                                       for stack in self.stacks])
        return _sum(*partials)
