"""The SVD's sparse products as Dask tasks over row blocks (see :mod:`wordrep.cluster`)."""
import numpy as np

from .tasks import BLOCKS_PER_WORKER, FAN_IN, _dot, _sum, _tdot


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
            held = held[2:]
        else:
            client = self.client
            a = sp.csr_matrix(a)
            n_blocks = BLOCKS_PER_WORKER * max(1, len(client.scheduler_info()["workers"]))
            bounds = np.linspace(0, a.shape[0], n_blocks + 1).astype(int).tolist()
            parts = [client.scatter(a[f:l]) for f, l in zip(bounds[:-1], bounds[1:])]
            held = (parts, bounds)
        self.parts, self.bounds = held

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        pass   # the blocks belong to the corpus (or go with their futures)

    def dot(self, x, copy=True):
        """``a @ x``: each block's rows."""
        [shared] = self.client.scatter([np.ascontiguousarray(x, dtype=np.float32)],
                                       broadcast=True, hash=False)
        futures = [self.client.submit(_dot, part, shared, pure=False) for part in self.parts]
        return np.vstack(self.client.gather(futures))

    def tdot(self, x, copy=True):
        """``a.T @ x``: each block's transpose times its rows of x, summed on the cluster."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        slices = self.client.scatter([x[f:l] for f, l in zip(self.bounds[:-1], self.bounds[1:])],
                                     hash=False)
        futures = [self.client.submit(_tdot, part, xs, pure=False)
                   for part, xs in zip(self.parts, slices)]
        while len(futures) > 1:
            futures = [self.client.submit(_sum, *futures[i:i + FAN_IN], pure=False)
                       for i in range(0, len(futures), FAN_IN)]
        return futures[0].result()
