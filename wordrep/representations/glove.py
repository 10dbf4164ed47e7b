"""GloVe (Pennington, Socher & Manning 2014), fitted to the count pipeline's cached counts.

The counts are those of Stanford's ``cooccur`` (github.com/stanfordnlp/GloVe, src/cooccur.c),
taken from :func:`.count_based.count_matrix` and its cache (a sweep over ``dim``, ``epochs`` or
``x_max`` never recounts):

- symmetric windows of ``window`` words with harmonic weights 1/d (``cooccur``'s defaults
  ``-symmetric 1 -distance-weighting 1``);
- no subsampling;
- words seen fewer than ``min_count`` times (``vocab_count -min-count``) are *deleted* before
  windowing: ``cooccur`` skips a word missing from its vocabulary without advancing its
  position in the line, so windows reach past it (``delete_rare=True``, the "dirty" variant);
- windows stop at line ends (``cooccur`` resets its position at a newline).

Training follows ``glove.c``: the weighted least squares
``sum f(X_ij) (w_i . c_j + b_i + b~_j - log X_ij)^2`` with ``f(x) = min(1, (x / x_max)^alpha)``
over the non-zero counts, by AdaGrad, every parameter drawn from ``(U[0, 1) - 0.5) / dim``,
every squared-gradient sum starting at 1, each gradient component clipped to [-100, 100]
before it is scaled by the learning rate; like ``glove.c`` the biases step by
``fdiff / sqrt(gradsq)`` without the learning rate. The pairs are shuffled once (``glove.c``
reads the file that ``shuffle`` wrote, in the same order every iteration) and cut into one
contiguous shard per worker; the workers update the shared parameters without locks
(Hogwild, as ``glove.c``'s threads do), compiled by numba. With one worker the same seed
gives the same vectors. The parameters and counts are float32 (``glove.c`` uses double):
half the memory and twice the SIMD width. On wiki17m at the C tool's settings, float64
parameters trained 1.7x slower to the same cost (0.03079 / 0.03082 / 0.03077 for seeds 1-3,
against 0.03079 / 0.03078 / 0.03078) and the same scores seed by seed (SimLex-999 0.214 /
0.201 / 0.209, against 0.217 / 0.202 / 0.207): the seed moves the scores, not the precision.

The cost reported each epoch is ``glove.c``'s: the weighted squared error halved, averaged
over the pairs.
"""
import logging
import math
import os
import time

import numpy as np

from ..errors import UserError
from ..params import Bool, Float, Int
from .methods import representations
from .count_based import count_matrix

log = logging.getLogger(__name__)

DIVERGED = 100  # a cost this many times that of all-zero vectors: the parameters blew up

GLOVE_PARAMS = {
    "dim": Int(low=1), "window": Int(low=1), "min_count": Int(low=1),
    "x_max": Float(low=0, open_low=True), "alpha": Float(low=0, high=1, open_low=True),
    "learning_rate": Float(low=0, open_low=True), "epochs": Int(low=1),
    "workers": Int(low=1, optional=True), "seed": Int(low=0), "w_plus_c": Bool(),
}


@representations.register("glove", family="distributional", corpus=True, params=GLOVE_PARAMS)
def build_glove(corpus, dim: int = 100, window: int = 10, min_count: int = 5,
                x_max: float = 100.0, alpha: float = 0.75, learning_rate: float = 0.05,
                epochs: int = 50, workers: int | None = None, seed: int = 1,
                w_plus_c: bool = True):
    """GloVe vectors (Pennington et al. 2014), fitted to the window counts by AdaGrad.

    Parameters
    ----------
    corpus : Corpus
        What to count in.
    dim : int
        Number of dimensions.
    window : int
        Context words on each side, weighted 1/d at distance d.
    min_count : int
        Words seen fewer times are deleted before windowing, as GloVe's ``vocab_count``.
    x_max : float
        Counts from ``x_max`` on get the full weight; below, ``(x / x_max)^alpha``.
        The paper's 100; GloVe's demo.sh uses 10 for small corpora.
    alpha : float
        Exponent of the weighting function, in (0, 1].
    learning_rate : float
        AdaGrad's initial learning rate (GloVe's ``-eta``).
    epochs : int
        Passes over the non-zero counts: the paper's 50 (it trains 100 from 300 dimensions).
        With the paper's x_max of 100 the cost is far from settled after 5 epochs on wiki17m
        (still falling 9% an epoch; WS353 0.31, Google 5%); with x_max 10, 15 epochs (the C
        tool's demo) reach its scores, the cost then falling under 1% an epoch.
    workers : int, optional
        Threads updating the shared parameters (Hogwild); by default one a core. With 1, the
        same seed gives the same vectors.
    seed : int
        Seed of the initial parameters and of the order of the pairs.
    w_plus_c : bool
        Vectors W + C, the word and context vectors summed (GloVe's ``-model 2``, its
        default); else W alone.

    Returns
    -------
    DenseVectors
        Its metadata holds ``cost`` (one value an epoch), ``pairs`` and the ``timings``.
    """
    timings = {}
    vocab, counts = count_matrix(corpus, min_count=min_count, window=window,
                                 weighting="harmonic", context="symmetric", subsample=0,
                                 delete_rare=True, timings=timings)
    workers = workers or os.cpu_count() or 1
    rows, cols, values = shuffled_pairs(counts, seed)
    del counts  # the cache keeps its own copy; ours is now the three shuffled arrays
    started = time.perf_counter()
    model = GloveModel(len(vocab), dim, seed)
    costs = model.fit(rows, cols, values, x_max, alpha, learning_rate, epochs, workers)
    timings["train"] = {"seconds": round(time.perf_counter() - started, 3)}
    from .dense import DenseVectors  # gensim: imported when a dense model is made, not before
    return DenseVectors.from_arrays(vocab.words, model.vectors(w_plus_c), name="glove",
                                    metadata={"timings": timings, "pairs": int(rows.size),
                                              "cost": [round(c, 6) for c in costs]})


def shuffled_pairs(counts, seed):
    """(rows, cols, values) of the non-zero entries of ``counts`` in an order shuffled by
    ``seed``: int32, int32, float32 (12 bytes a pair: 551 MB for wiki17m's 45.9M)."""
    counts = counts.tocsr()
    n = counts.nnz
    rows = np.repeat(np.arange(counts.shape[0], dtype=np.int32), np.diff(counts.indptr))
    cols = np.array(counts.indices, dtype=np.int32)  # copies: the cached matrix stays intact
    values = np.array(counts.data, dtype=np.float32)
    if n:
        kernels = _kernels()
        kernels.shuffle(rows, cols, values, np.uint64(seed))
    return rows, cols, values


class GloveModel:
    """GloVe's parameters: word and context vectors with their biases, and AdaGrad's sums of
    squared gradients, float32, initialised as ``glove.c`` does."""

    def __init__(self, vocab_size, dim, seed):
        rng = np.random.default_rng(seed)
        # glove.c: (rand() / RAND_MAX - 0.5) / vector_size for every weight and bias
        self.w = ((rng.random((vocab_size, dim + 1), dtype=np.float32) - 0.5) / dim)
        self.c = ((rng.random((vocab_size, dim + 1), dtype=np.float32) - 0.5) / dim)
        self.gw = np.ones_like(self.w)  # so the first step is the learning rate's
        self.gc = np.ones_like(self.c)

    def fit(self, rows, cols, values, x_max, alpha, learning_rate, epochs, workers):
        """Train ``epochs`` passes; return the cost of each.

        Raises
        ------
        UserError
            When the cost becomes NaN or infinite (the learning rate is too large).
        """
        import numba
        kernels = _kernels()
        numba.set_num_threads(min(workers, numba.config.NUMBA_NUM_THREADS))
        ceiling = DIVERGED * kernels.zero_cost(values, x_max, alpha) / max(rows.size, 1)
        costs = []
        for epoch in range(1, epochs + 1):
            started = time.perf_counter()
            sums, bad = kernels.epoch(rows, cols, values, self.w, self.c, self.gw, self.gc,
                                      np.float32(x_max), np.float32(alpha),
                                      np.float32(learning_rate), workers)
            cost = float(sums.sum()) / max(rows.size, 1)
            _check_cost(cost, bad.any(), ceiling, epoch, learning_rate)
            seconds = time.perf_counter() - started
            costs.append(cost)
            log.info("glove: epoch %d/%d, cost %.6f, %s pairs/s", epoch, epochs, cost,
                     f"{rows.size / max(seconds, 1e-9):,.0f}")
        return costs

    def vectors(self, w_plus_c=True):
        """The word vectors, biases dropped: W + C, or W."""
        dim = self.w.shape[1] - 1
        return self.w[:, :dim] + self.c[:, :dim] if w_plus_c else self.w[:, :dim].copy()


def _check_cost(cost, nonfinite, ceiling, epoch, learning_rate):
    """Stop when training diverged: an error that became NaN or infinite, or a cost far above
    that of all-zero vectors (glove.c's clipping keeps the cost finite while the parameters
    blow up: on lee, learning rate 0.5 trains and 1 ends 10^8 times higher)."""
    if nonfinite or not math.isfinite(cost):
        what = "the cost became NaN or infinite"
    elif cost > ceiling:
        what = (f"the cost reached {cost:.3g}, over {DIVERGED} times that of all-zero "
                f"vectors ({ceiling / DIVERGED:.3g})")
    else:
        return
    raise UserError(f"glove: training diverged in epoch {epoch}: {what}.",
                    f"Lower the learning rate (it is {learning_rate:g}; GloVe's default is "
                    "0.05).")


_KERNELS = None


def _kernels():
    """The compiled loops, built on first use (numba compiles in a few seconds, cached on
    disk after the first time; importing wordrep does not pay for it)."""
    global _KERNELS
    if _KERNELS is None:
        from . import glove_kernels
        _KERNELS = glove_kernels
    return _KERNELS
