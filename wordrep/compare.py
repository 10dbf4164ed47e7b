"""How alike are two representations?

:func:`compare` measures it at three levels, on the words both representations know:

- **Neighbourhoods**: the overlap (Jaccard) of each word's ``k`` nearest neighbours in the two
  representations, on average and by frequency band. Works for any vectors, sparse ones too,
  and says nothing about coordinates.
- **Whole spaces**: linear CKA (Kornblith et al. 2019) and orthogonal Procrustes alignment,
  both blind to rotations: two runs of word2vec that learned the same geometry in different
  axes score as alike.
- **Dimensions**, after Li et al. 2015 ("Convergent Learning"): the correlation of every
  dimension of A with every dimension of B, a one-to-one matching of dimensions (Hungarian
  algorithm), and how many dimensions of B a sparse (Lasso) combination needs to predict each
  dimension of A. These do see rotations: they ask whether the *axes* mean the same.

The dimension-level parts need dense vectors; for a sparse representation (one-hot, WordNet
features) their entries say ``{"not_applicable": "..."}`` instead.

Sampling (seeded): the neighbour overlap and the Lasso use at most ``sample`` shared words
(default 10,000), drawn uniformly without replacement; neighbours are still searched among
*all* shared words. CKA, Procrustes and the correlation matrix use all shared words: they only
need ``dim x dim`` products.

Examples
--------
>>> import numpy as np
>>> from wordrep.representations.dense import DenseVectors
>>> rng = np.random.default_rng(0)
>>> words = [f"w{i}" for i in range(200)]
>>> x = rng.normal(size=(200, 8)).astype(np.float32)
>>> a = DenseVectors.from_arrays(words, x, name="a")
>>> q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
>>> b = DenseVectors.from_arrays(words[::-1], (x @ q)[::-1].astype(np.float32), name="b")
>>> c = compare(a, b, k=5)
>>> round(c.cka, 4), round(c.knn["mean"], 3), c.procrustes["residual"] < 1e-6
(1.0, 1.0, True)
"""
import json
from dataclasses import asdict, dataclass, field
from numbers import Integral

import numpy as np

from .errors import UserError

# Frequency bands by the rank of a word in A's vocabulary (corpus-built vocabularies are sorted
# by frequency): the most frequent words, the common ones, the tail.
BANDS = ((0, 1_000, "1-1k"), (1_000, 10_000, "1k-10k"), (10_000, None, "10k+"))
# Cells of one batch of the k-NN similarity matrix (queries x shared words): 8M cells take
# 32 MB as float32 (plus twice that for argpartition's int64 indices), whatever the vocabulary.
BATCH_CELLS = 1 << 23
# The Lasso's penalty on standardized data (see _lasso): a dimension of B enters a prediction
# only if it correlates with what is still unexplained by more than this. At the default
# sample of 10,000 words a chance correlation has a standard error of 0.01, so 0.05 lets noise
# in rarely and still admits any dimension that explains a noticeable share.
LASSO_ALPHA = 0.05
HISTOGRAM_BINS = np.linspace(0.0, 1.0, 11)


@dataclass
class Comparison:
    """How alike two representations are; every field is plain JSON.

    Attributes
    ----------
    a, b : dict
        Name, kind (dense/sparse), vocabulary size and dimensions of each representation.
    shared_words : int
        Words both know; every measure is computed on them only.
    sample : int
        Shared words used for the neighbour overlap and the Lasso.
    seed : int
        Seed of that sample.
    knn : dict
        ``k``, ``mean`` Jaccard overlap of the k-NN sets, and ``bands``: per frequency band of
        A's vocabulary rank, ``words`` sampled and their ``mean``.
    cka : float or dict
        Linear CKA in [0, 1], or ``{"not_applicable": reason}``.
    procrustes : dict
        ``residual``: ``|XR - Y|_F^2`` after centering, unit Frobenius norm and zero-padding
        (0 = the same up to rotation, 2 = orthogonal); ``mean_cosine`` of aligned word vectors.
    matching : dict
        Hungarian matching of dimensions by |correlation|: ``pairs`` matched, ``mean``,
        ``quartiles`` (min, 25%, median, 75%, max) and ``histogram`` (counts over ``bins``) of
        the matched |r|; ``best_mean``: mean of each A dimension's best |r| (many-to-one).
    lasso : dict
        Per dimension of A, the ``nonzero`` coefficients of a Lasso prediction from B's
        dimensions (at ``alpha``) and its ``r2``; their means and medians.
    """

    a: dict
    b: dict
    shared_words: int
    sample: int
    seed: int
    knn: dict
    cka: object
    procrustes: dict
    matching: dict
    lasso: dict
    notes: list = field(default_factory=list)

    def to_dict(self):
        return asdict(self)

    def to_json(self, indent=None):
        return json.dumps(self.to_dict(), indent=indent)

    def summary(self):
        """One line for people."""
        parts = [f"{self.a['name']} vs {self.b['name']}: {self.shared_words:,} shared words",
                 f"{self.knn['k']}-NN overlap {self.knn['mean']:.3f}"]
        if _applicable(self.cka):
            parts += [f"CKA {self.cka:.3f}",
                      f"Procrustes residual {self.procrustes['residual']:.3f}",
                      f"matched |r| {self.matching['mean']:.3f}",
                      f"Lasso {self.lasso['nonzero_mean']:.1f} dims, "
                      f"R2 {self.lasso['r2_mean']:.3f}"]
        else:
            parts.append(f"dimension-level measures not applicable ({self.cka['not_applicable']})")
        return "; ".join(parts)

    def table(self):
        """Several lines for a terminal: every figure with what it means."""
        knn = self.knn
        lines = [f"A               {_describe(self.a)}",
                 f"B               {_describe(self.b)}",
                 f"shared words    {self.shared_words:,} (sample of {self.sample:,} for k-NN "
                 f"and Lasso, seed {self.seed})",
                 f"{knn['k']}-NN overlap    {knn['mean']:.3f}  (Jaccard of neighbour sets; "
                 "1 = same neighbours)"]
        for band in knn["bands"]:
            mean = "  -  " if band["mean"] is None else f"{band['mean']:.3f}"
            lines.append(f"  rank {band['band']:8} {mean}  ({band['words']:,} words)")
        if not _applicable(self.cka):
            lines.append(f"dimensions      not applicable: {self.cka['not_applicable']}")
            return "\n".join(lines + [f"note            {n}" for n in self.notes])
        p, m, la = self.procrustes, self.matching, self.lasso
        q = m["quartiles"]
        lines += [
            f"linear CKA      {self.cka:.3f}  (1 = same geometry up to rotation and scale)",
            f"Procrustes      residual {p['residual']:.4f}  (0 = same up to rotation, "
            f"2 = unrelated), aligned cosine {p['mean_cosine']:.3f}",
            f"matched dims    {m['pairs']} pairs, |r| mean {m['mean']:.3f}, quartiles "
            + " ".join(f"{v:.2f}" for v in q)
            + f"; best |r| of every dim of A, mean {m['best_mean']:.3f}",
            "  |r| histogram " + " ".join(str(c) for c in m["histogram"])
            + "  (bins of 0.1 from 0 to 1)",
            f"Lasso (a={la['alpha']})  {la['nonzero_mean']:.1f} dims of B per dim of A "
            f"(median {la['nonzero_median']:g}), R2 mean {la['r2_mean']:.3f} "
            f"(median {la['r2_median']:.3f})"]
        return "\n".join(lines + [f"note            {n}" for n in self.notes])


def _describe(info):
    return f"{info['name']} ({info['kind']}, {info['words']:,} words x {info['dim']:,} dims)"


def _applicable(entry):
    return not (isinstance(entry, dict) and "not_applicable" in entry)


def compare(a, b, k=10, sample=10_000, seed=0, alpha=LASSO_ALPHA):
    """How alike representations ``a`` and ``b`` are, on the words both know.

    Parameters
    ----------
    a, b : VectorRepresentation
        Dense or sparse vectors; vocabularies and dimensions may differ. Frequency bands are
        taken from ``a``'s vocabulary order.
    k : int
        Neighbours per word for the overlap.
    sample : int
        At most this many shared words (drawn with ``seed``) for the k-NN overlap and Lasso.
    seed : int
        Seed of the sample.
    alpha : float
        Lasso penalty on standardized dimensions (see :data:`LASSO_ALPHA`).

    Returns
    -------
    Comparison

    Raises
    ------
    UserError
        A representation without vectors, too few shared words, or a parameter out of range.
    """
    for rep, label in ((a, "A"), (b, "B")):
        if getattr(rep, "kind", None) not in ("dense", "sparse"):
            raise UserError(f"cannot compare {getattr(rep, 'name', rep)!r} ({label}): it has "
                            "no vectors.", "Compare vector representations (a saved model).")
    _check_int("k", k, 1)
    _check_int("sample", sample, 2)
    _check_int("seed", seed, 0)
    if not (isinstance(alpha, (int, float)) and alpha > 0):
        raise UserError(f"alpha must be a number > 0, got {alpha!r}.", "Try 0.05.")

    ids_a, ids_b = shared_rows(a, b)
    n = len(ids_a)
    if n < k + 1:
        raise UserError(f"{a.name!r} and {b.name!r} share {n} word(s): too few for {k} "
                        "neighbours each.", f"Use --k {max(n - 1, 1)} or lower, or "
                        "representations with overlapping vocabularies.")
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(n, size=min(sample, n), replace=False))

    notes = []
    knn = knn_overlap(a, b, ids_a, ids_b, chosen, k)
    if a.kind == "sparse" or b.kind == "sparse":
        which = " and ".join(f"{r.name!r}" for r in (a, b) if r.kind == "sparse")
        na = {"not_applicable": f"sparse: {which} has sparse vectors; dimension-level measures "
                                "need dense ones"}
        cka, procrustes, matching, lasso = na, dict(na), dict(na), dict(na)
    else:
        x = _centered(a, ids_a)
        y = _centered(b, ids_b)
        # The three dim x dim products every whole-space measure is made of, computed once:
        # they are the only work proportional to the number of shared words.
        xx, yy, xy = x.T @ x, y.T @ y, x.T @ y
        cka = _cka(xx, yy, xy)
        procrustes = procrustes_alignment(x, y, cross=xy)
        corr = _correlations(xx, yy, xy)
        matching = match_dimensions(corr)
        lasso = sparse_prediction(x[chosen], y[chosen], alpha)
        dead = int(np.sum(x.std(axis=0) == 0) + np.sum(y.std(axis=0) == 0))
        if dead:
            notes.append(f"{dead} dimension(s) are constant on the shared words: their "
                         "correlations count as 0.")
    return Comparison(a=_info(a), b=_info(b), shared_words=int(n), sample=int(len(chosen)),
                      seed=int(seed), knn=knn, cka=cka, procrustes=procrustes,
                      matching=matching, lasso=lasso, notes=notes)


def _check_int(name, value, low):
    if not isinstance(value, Integral) or isinstance(value, bool) or value < low:
        raise UserError(f"{name} must be a whole number >= {low}, got {value!r}.",
                        f"Pass --{name} {max(low, 1)} or more.")


def _info(rep):
    return {"name": rep.name, "kind": rep.kind, "words": len(rep), "dim": int(rep.dim)}


def shared_rows(a, b):
    """Rows of the words both know, in ``a``'s vocabulary order: ``(ids_a, ids_b)``."""
    ids_b = b._lookup(a.vocabulary)
    ids_a = np.flatnonzero(ids_b >= 0)
    return ids_a, ids_b[ids_a]


# ---- neighbourhoods ----------------------------------------------------------------------

def _unit_rows(rep, ids):
    """Rows ``ids`` scaled to unit length (zero rows stay zero): float32 ndarray or CSR."""
    norms = rep._norms()[ids]
    scale = np.zeros(len(ids), dtype=np.float64)
    np.divide(1.0, norms, out=scale, where=norms > 0)
    rows = rep._rows(ids)
    if rep.kind == "sparse":
        import scipy.sparse as sp
        return sp.csr_array(sp.diags_array(scale.astype(np.float32)) @ rows, dtype=np.float32)
    return np.asarray(rows, dtype=np.float32) * scale[:, None].astype(np.float32)


def _neighbours(unit, queries, k):
    """The ``k`` nearest rows of ``unit`` (cosine) for the rows ``queries``, self excluded."""
    sims = unit[queries] @ unit.T  # one BLAS (or sparse) product for the whole batch
    sims = sims.toarray() if hasattr(sims, "toarray") else np.asarray(sims)
    sims[np.arange(len(queries)), queries] = -np.inf
    n = sims.shape[1]
    return np.argpartition(sims, n - k, axis=1)[:, n - k:]  # no negated copy of the batch


def _jaccard(left, right):
    """Jaccard index of the sets in each row of two ``(m, k)`` id arrays (no repeats in a row)."""
    both = np.sort(np.concatenate([left, right], axis=1), axis=1)
    common = np.count_nonzero(both[:, 1:] == both[:, :-1], axis=1)  # ids found in both sets
    k2 = left.shape[1] + right.shape[1]
    return common / (k2 - common)


def knn_overlap(a, b, ids_a, ids_b, chosen, k):
    """Mean Jaccard overlap of the ``k``-NN sets of the words ``chosen`` (indices into the
    shared words), neighbours searched among all shared words; by band of ``a``'s rank."""
    unit_a, unit_b = _unit_rows(a, ids_a), _unit_rows(b, ids_b)
    n = len(ids_a)
    batch = max(1, BATCH_CELLS // n)
    scores = np.empty(len(chosen))
    for start in range(0, len(chosen), batch):
        queries = chosen[start:start + batch]
        scores[start:start + batch] = _jaccard(_neighbours(unit_a, queries, k),
                                               _neighbours(unit_b, queries, k))
    ranks = ids_a[chosen]  # rank in a's vocabulary order
    bands = []
    for low, high, label in BANDS:
        inside = (ranks >= low) & (ranks < (high if high is not None else np.inf))
        mean = float(scores[inside].mean()) if inside.any() else None
        bands.append({"band": label, "low": low, "high": high,
                      "words": int(inside.sum()), "mean": mean})
    return {"k": int(k), "mean": float(scores.mean()), "bands": bands}


# ---- whole spaces ------------------------------------------------------------------------

def _centered(rep, ids):
    """The shared rows of a dense representation as float64, each column centered."""
    x = np.asarray(rep._rows(ids), dtype=np.float64)
    x -= x.mean(axis=0)
    return x


def linear_cka(x, y):
    """Linear CKA of column-centered ``x`` (n, p) and ``y`` (n, q), from ``p x q`` products.

    ``|Y'X|_F^2 / (|X'X|_F |Y'Y|_F)`` (Kornblith et al. 2019, eq. 5): 1 when the two are the
    same up to rotation and isotropic scaling, near 0 when unrelated.
    """
    return _cka(x.T @ x, y.T @ y, x.T @ y)


def _cka(xx, yy, xy):
    denominator = np.linalg.norm(xx) * np.linalg.norm(yy)
    return float(np.linalg.norm(xy) ** 2 / denominator) if denominator > 0 else 0.0


def procrustes_alignment(x, y, cross=None):
    """Rotate ``x`` onto ``y`` (orthogonal Procrustes) after unit Frobenius norm and padding.

    Returns the squared residual ``|XR - Y|_F^2`` (in [0, 2]: 0 for a rotated copy, near 2 for
    unrelated spaces) and the mean cosine between a word's aligned vector and its vector in B.

    Zero-padding both to ``w = max(p, q)`` columns changes nothing in ``X'Y`` but its size, so
    the rotation is found from the ``w x w`` cross product alone (scipy's
    ``orthogonal_procrustes`` of the identity onto it: the polar factor), and no padded or
    rescaled ``n x w`` copy is made. ``cross`` is ``x.T @ y`` when already computed.
    """
    from scipy.linalg import orthogonal_procrustes

    norm_x, norm_y = np.linalg.norm(x), np.linalg.norm(y)
    if norm_x == 0 or norm_y == 0:
        return {"residual": float(norm_x > 0) + float(norm_y > 0), "mean_cosine": 0.0}
    width = max(x.shape[1], y.shape[1])
    padded = np.zeros((width, width))
    padded[:x.shape[1], :y.shape[1]] = (x.T @ y if cross is None else cross) / (norm_x * norm_y)
    # R maximizing trace(R' X'Y) is the orthogonal matrix nearest to X'Y.
    rotation, singular_sum = orthogonal_procrustes(np.eye(width), padded)
    # |XR - Y|^2 = |X|^2 + |Y|^2 - 2 trace(R' X'Y) = 2 - 2 (nuclear norm of X'Y) at unit norms.
    residual = max(0.0, 2.0 - 2.0 * float(singular_sum))
    aligned = x @ rotation[:x.shape[1]]  # X's padded columns are zero: drop their rows of R
    norms = np.linalg.norm(aligned, axis=1) * np.linalg.norm(y, axis=1)
    # B's padded columns are zero: they count in the aligned norm, not in the dot product.
    # (Cosines ignore the global scaling, so x and y need no unit-norm copies here.)
    dots = np.einsum("ij,ij->i", aligned[:, :y.shape[1]], y)
    cosines = np.divide(dots, norms, out=np.zeros(len(y)), where=norms > 0)
    return {"residual": residual, "mean_cosine": float(cosines.mean())}


# ---- dimensions (Li et al. 2015) ---------------------------------------------------------

def _standardized(x):
    """Columns scaled to unit variance (``x`` already centered); constant columns stay 0."""
    sd = x.std(axis=0)
    return np.divide(x, sd, out=np.zeros_like(x), where=sd > 0)


def correlations(x, y):
    """Pearson correlation of every column of centered ``x`` with every column of centered
    ``y``: (p, q), from the cross product (no standardized copies); 0 for a constant column."""
    return _correlations(x.T @ x, y.T @ y, x.T @ y)


def _correlations(xx, yy, xy):
    scale = np.sqrt(np.outer(np.diag(xx), np.diag(yy)))  # n * sd_x * sd_y
    return np.divide(xy, scale, out=np.zeros_like(scale), where=scale > 0)


def match_dimensions(corr):
    """One-to-one matching of dimensions maximizing the summed |r| (Hungarian algorithm).

    The sign of a dimension is arbitrary (flipping it changes nothing), so matches are made and
    reported on |r|. With different dimensions, ``min(p, q)`` pairs are matched.
    """
    from scipy.optimize import linear_sum_assignment

    strength = np.abs(corr)
    rows, cols = linear_sum_assignment(-strength)
    matched = strength[rows, cols]
    return {"pairs": int(len(rows)),
            "mean": float(matched.mean()),
            "quartiles": [float(v) for v in np.quantile(matched, [0, 0.25, 0.5, 0.75, 1])],
            "histogram": np.histogram(np.clip(matched, 0, 1), HISTOGRAM_BINS)[0].tolist(),
            "bins": HISTOGRAM_BINS.round(2).tolist(),
            "best_mean": float(strength.max(axis=1).mean()),
            "matches": [[int(i), int(j), float(corr[i, j])] for i, j in zip(rows, cols)]}


def sparse_prediction(x, y, alpha=LASSO_ALPHA):
    """For each column of ``x``, a Lasso fit from the columns of ``y``: how many it needs.

    Both sides are standardized, so ``alpha`` is on the scale of a correlation. Returns the
    non-zero coefficients and R^2 (on the fitted words) of every dimension of A.
    """
    xs, ys = _standardized(x - x.mean(axis=0)), _standardized(y - y.mean(axis=0))
    n = len(xs)
    gram = ys.T @ ys / n
    coef = lasso_gram(gram, ys.T @ xs / n, alpha)
    residual = xs - ys @ coef
    total = np.sum(xs ** 2, axis=0)
    r2 = 1.0 - np.divide(np.sum(residual ** 2, axis=0), total, out=np.ones(len(total)),
                         where=total > 0)
    r2[total == 0] = 0.0  # a constant dimension: nothing to predict
    nonzero = np.count_nonzero(coef, axis=0)
    return {"alpha": float(alpha), "words": int(n),
            "nonzero_mean": float(nonzero.mean()), "nonzero_median": float(np.median(nonzero)),
            "r2_mean": float(r2.mean()), "r2_median": float(np.median(r2)),
            "nonzero": nonzero.tolist(), "r2": [float(v) for v in r2]}


def lasso_gram(gram, cov, alpha, tol=1e-6, max_sweeps=1000):
    """Lasso coefficients for many targets at once, by cyclic coordinate descent on the Gram
    matrix.

    Minimizes ``(1/2n)|t - Z w|^2 + alpha |w|_1`` for every target column ``t`` given only
    ``gram = Z'Z/n`` (q, q) and ``cov = Z't/n`` (q, targets). All targets share the design,
    so each coordinate step updates a whole row of coefficients with one vector product.

    Returns
    -------
    ndarray, shape (q, targets)
    """
    q, targets = cov.shape
    coef = np.zeros((q, targets))
    diag = np.diag(gram)
    for _ in range(max_sweeps):
        largest = 0.0
        for j in range(q):
            if diag[j] <= 0:
                continue  # a constant column of Z never enters
            # The correlation of column j with the current residual, coefficient j put back.
            rho = cov[j] - gram[j] @ coef + diag[j] * coef[j]
            new = np.sign(rho) * np.maximum(np.abs(rho) - alpha, 0.0) / diag[j]
            largest = max(largest, float(np.max(np.abs(new - coef[j]))))
            coef[j] = new
        if largest < tol:
            break
    return coef
