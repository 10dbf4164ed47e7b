"""GloVe's compiled loops (numba): the shuffle of the pairs and one epoch of AdaGrad.

Imported on first use by :mod:`.glove` (importing numba costs about half a second).
Compiled with fast-math flags that allow reordering sums (so the dot products and updates
become SIMD), but not ``nnan``/``ninf``: the loop must still see a NaN or infinite error.
"""
import numpy as np
from numba import njit, prange

GRAD_CLIP = 100.0  # glove.c's grad_clip_value
CHECK_EVERY = 1 << 16  # pairs between a worker's looks at the others' failure flag

FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}


@njit(cache=True)
def shuffle(rows, cols, values, seed):
    """Fisher-Yates over the three arrays together, in place, from numba's seeded generator."""
    np.random.seed(seed)
    for i in range(rows.size - 1, 0, -1):
        j = np.random.randint(0, i + 1)
        rows[i], rows[j] = rows[j], rows[i]
        cols[i], cols[j] = cols[j], cols[i]
        values[i], values[j] = values[j], values[i]


@njit(cache=True, fastmath=FASTMATH)
def _shard(rows, cols, values, w, c, gw, gc, x_max, alpha, eta, lo, hi, bad, me):
    """``glove.c``'s ``glove_thread`` over pairs lo..hi-1: the halved weighted squared error
    summed, and ``bad[me]`` set (and the shard left) at the first NaN or infinite error."""
    dim = w.shape[1] - 1
    clip = np.float32(GRAD_CLIP)  # float32 throughout: a float64 constant would widen the loop
    cost = 0.0
    for k in range(lo, hi):
        if (k - lo) % CHECK_EVERY == 0 and bad.any():
            return cost  # another worker diverged: the epoch is lost anyway
        i, j, x = rows[k], cols[k], values[k]
        wi, cj, gwi, gcj = w[i], c[j], gw[i], gc[j]
        diff = np.float32(0.0)
        for b in range(dim):
            diff += wi[b] * cj[b]
        diff += wi[dim] + cj[dim] - np.float32(np.log(x))
        fdiff = diff if x > x_max else np.float32((x / x_max) ** alpha) * diff
        if not np.isfinite(fdiff):
            bad[me] = True
            return cost
        cost += 0.5 * np.float64(fdiff) * np.float64(diff)
        for b in range(dim):
            # both gradients from the values before this pair's step, as glove.c does
            t1 = min(max(fdiff * cj[b], -clip), clip) * eta
            t2 = min(max(fdiff * wi[b], -clip), clip) * eta
            wi[b] -= t1 / np.sqrt(gwi[b])
            cj[b] -= t2 / np.sqrt(gcj[b])
            gwi[b] += t1 * t1
            gcj[b] += t2 * t2
        # glove.c's bias steps: no learning rate, no clipping
        wi[dim] -= fdiff / np.sqrt(gwi[dim])
        cj[dim] -= fdiff / np.sqrt(gcj[dim])
        gwi[dim] += fdiff * fdiff
        gcj[dim] += fdiff * fdiff
    return cost


@njit(cache=True, parallel=True)
def epoch(rows, cols, values, w, c, gw, gc, x_max, alpha, eta, workers):
    """One pass: ``workers`` contiguous shards of the shuffled pairs, updating the shared
    parameters without locks (Hogwild). Returns each shard's cost and failure flag."""
    n = rows.size
    costs = np.zeros(workers)
    bad = np.zeros(workers, dtype=np.bool_)
    for t in prange(workers):
        costs[t] = _shard(rows, cols, values, w, c, gw, gc, x_max, alpha, eta,
                          n * t // workers, n * (t + 1) // workers, bad, t)
    return costs, bad


@njit(cache=True, parallel=True, fastmath=FASTMATH)
def zero_cost(values, x_max, alpha):
    """The cost of all-zero parameters, summed: 0.5 f(x) log(x)^2 over the pairs."""
    total = 0.0
    for k in prange(values.size):
        x = np.float64(values[k])
        weight = 1.0 if x > x_max else (x / x_max) ** alpha
        total += 0.5 * weight * np.log(x) ** 2
    return total
