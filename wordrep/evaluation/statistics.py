"""The statistics of a score: correlations that say why they are undefined, seeded bootstrap
intervals (resampled in bounded chunks), and paired bootstrap tests of a difference."""
import numpy as np
from scipy import stats

MIN_PAIRS = 3         # fewer pairs make a correlation meaningless
RESAMPLE_CELLS = 1 << 19  # resamples x items per bootstrap chunk: 4 MB per float64 array


def correlation(gold, predicted):
    """Spearman's rho and Pearson's r, or the reason they are undefined.

    Returns
    -------
    (spearman, pearson, reason) : (float or None, float or None, str or None)
    """
    if len(gold) < MIN_PAIRS:
        return None, None, f"only {len(gold)} pair(s) covered: a correlation needs at least {MIN_PAIRS}"
    if np.ptp(predicted) == 0:
        return None, None, (f"every covered pair gets the same score ({predicted[0]:g}): the "
                            "representation cannot rank them, so a correlation is undefined "
                            "(not 0)")
    if np.ptp(gold) == 0:
        return None, None, "every gold score is the same: a correlation is undefined"
    return (float(stats.spearmanr(gold, predicted).statistic),
            float(stats.pearsonr(gold, predicted).statistic), None)



def add_ci(result, data, bootstrap, confidence=0.95, seed=0, update=None):
    """Set ``result.ci``, the bootstrap interval of its score (if defined and ``bootstrap``),
    resampling the scored pairs or the covered questions; ``update(n)`` counts resamples."""
    if result.score is None or not bootstrap:
        return
    if result.task == "similarity":
        used = np.isfinite(result._values)  # NaN marks exactly the pairs left out (oov="skip")
        result.ci = bootstrap_ci(data.scores[used], result._values[used], bootstrap,
                                 confidence, seed, update)
    else:
        result.ci = accuracy_ci(result._values[result._covered_mask], bootstrap, confidence,
                                 seed, update)


def _spearman_rows(gold, pred):
    """Spearman's rho of every row pair of two (B, n) arrays, NaN for constant rows."""
    rg = stats.rankdata(gold, axis=1)
    rp = stats.rankdata(pred, axis=1)
    rg -= rg.mean(axis=1, keepdims=True)
    rp -= rp.mean(axis=1, keepdims=True)
    num = (rg * rp).sum(axis=1)
    den = np.sqrt((rg * rg).sum(axis=1) * (rp * rp).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def _resamples(n, bootstrap, seed, update=None):
    """Index arrays of the bootstrap, in chunks of about RESAMPLE_CELLS indices so that memory
    stays bounded whatever B and n; ``update(k)`` after each chunk is used. numpy draws the
    same stream whatever the chunking, so a seed gives the same resamples."""
    rng = np.random.default_rng(seed)
    chunk = max(1, RESAMPLE_CELLS // max(n, 1))
    for start in range(0, bootstrap, chunk):
        size = min(chunk, bootstrap - start)
        yield rng.integers(0, n, size=(size, n))
        if update:
            update(size)


def bootstrap_ci(gold, pred, bootstrap=1000, confidence=0.95, seed=0, update=None):
    """Percentile bootstrap interval of Spearman's rho, resampling pairs (seeded);
    ``update(n)`` is called with the resamples done, chunk by chunk."""
    rhos = np.concatenate([_spearman_rows(gold[i], pred[i])
                           for i in _resamples(len(gold), bootstrap, seed, update)])
    return _interval(rhos, confidence)


def _interval(values, confidence):
    values = values[np.isfinite(values)]
    if not len(values):
        return None
    tail = (1 - confidence) / 2 * 100
    lo, hi = np.percentile(values, [tail, 100 - tail])
    return [float(lo), float(hi)]



def accuracy_ci(hits, bootstrap, confidence, seed, update=None):
    # Resampling n answers with replacement and counting the right ones is a binomial draw:
    # the same distribution as the pair-resampling bootstrap, without the index arrays.
    rng = np.random.default_rng(seed)
    n = len(hits)
    interval = _interval(rng.binomial(n, hits.mean(), size=bootstrap) / n, confidence)
    if update:
        update(bootstrap)
    return interval


def two_sided_p(differences):
    """How often the resampled difference falls on either side of 0, doubled (with the +1
    correction that keeps a p-value from being exactly 0 after finitely many resamples)."""
    differences = differences[np.isfinite(differences)]
    if not len(differences):
        return None
    below = (np.sum(differences <= 0) + 1) / (len(differences) + 1)
    above = (np.sum(differences >= 0) + 1) / (len(differences) + 1)
    return float(min(1.0, 2 * min(below, above)))


def paired_bootstrap_similarity(gold, pred_a, pred_b, bootstrap=1000, seed=0, update=None):
    """rho(a) - rho(b) on the same pairs, and its two-sided paired-bootstrap p-value.

    Both representations are scored on the same resampled pairs each time, so the test sees
    their correlation with each other, not just their two intervals.
    """
    rho_a = stats.spearmanr(gold, pred_a).statistic
    rho_b = stats.spearmanr(gold, pred_b).statistic
    diffs = np.concatenate([_spearman_rows(gold[i], pred_a[i]) - _spearman_rows(gold[i], pred_b[i])
                            for i in _resamples(len(gold), bootstrap, seed, update)])
    return float(rho_a - rho_b), two_sided_p(diffs)


def paired_bootstrap_accuracy(hits_a, hits_b, bootstrap=1000, seed=0, update=None):
    """accuracy(a) - accuracy(b) on the same questions, and its paired-bootstrap p-value.

    A resample of questions only matters through how many fall in each of the four
    (a right?, b right?) cells: a multinomial draw, without index arrays.
    """
    n = len(hits_a)
    cells = np.array([np.sum(hits_a & ~hits_b), np.sum(~hits_a & hits_b)]) / n
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, [cells[0], cells[1], 1 - cells.sum()], size=bootstrap)
    diffs = (draws[:, 0] - draws[:, 1]) / n
    if update:
        update(bootstrap)
    return float(cells[0] - cells[1]), two_sided_p(diffs)
