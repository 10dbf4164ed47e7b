"""Stage 2 of the count pipeline: pointwise mutual information from co-occurrence counts.

PMI(w, c) = log( #(w,c) * sum_c' #(c')^cds  /  (#(w) * #(c)^cds) ) - log(neg)

with context distribution smoothing (``cds``, Levy et al. 2015: 0.75, as word2vec's negative
sampling distribution) and the shift log(neg) that makes PPMI mirror SGNS with ``neg``
negative samples. Only observed pairs are stored (PMI of an unseen pair is -inf, and its
positive part is 0), so the result is as sparse as the counts.
"""
import numpy as np
import scipy.sparse as sp

from ..errors import UserError

KINDS = ("ppmi", "pmi", "counts")


def check_pmi(cds, neg, kind="ppmi"):
    if not (isinstance(cds, (int, float)) and cds > 0):
        raise UserError(f"cds (context distribution smoothing) must be > 0, got {cds!r}.",
                        "Use 0.75 (Levy et al. 2015) or 1 for no smoothing.")
    if not (isinstance(neg, (int, float)) and neg >= 1):
        raise UserError(f"neg (the PMI shift, log neg) must be >= 1, got {neg!r}.",
                        "Use 1 for no shift, or 5 to mirror word2vec with 5 negative samples.")
    if kind not in KINDS:
        raise UserError(f"unknown association {kind!r}.", f"Use one of {', '.join(KINDS)}.")


def pmi(counts, cds=0.75, neg=1, kind="ppmi", marginals=None):
    """PMI, PPMI or raw counts of a CSR count matrix, as a float32 CSR matrix of the same shape.

    Parameters
    ----------
    counts : scipy.sparse matrix
        Word-by-context co-occurrence counts.
    cds : float
        Context distribution smoothing exponent.
    neg : float
        Shift: subtract log(neg).
    kind : {'ppmi', 'pmi', 'counts'}
        Positive PMI (entries <= 0 dropped), plain PMI of the observed pairs, or the counts.
    marginals : (ndarray, ndarray), optional
        The row and column sums (float64), when known better than from ``counts``: a count
        matrix of :mod:`.count_store` carries its exact ones. Default: :func:`marginals`.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> m = pmi(sp.csr_matrix([[4.0, 0.0], [1.0, 1.0]]), cds=1)
    >>> m.toarray().round(3)
    array([[0.182, 0.   ],
           [0.   , 1.099]], dtype=float32)
    """
    check_pmi(cds, neg, kind)
    counts = sp.csr_matrix(counts, dtype=np.float32)
    if kind == "counts":
        return counts
    scale = Scale(*(marginals or count_marginals(counts)), cds, neg)
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    values = scale.values(counts.data, rows, counts.indices)
    if kind == "pmi":
        return sp.csr_matrix((values, counts.indices, counts.indptr), shape=counts.shape)
    keep = values > 0
    indptr = np.zeros(counts.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[keep], minlength=counts.shape[0]), out=indptr[1:])
    return sp.csr_matrix((values[keep], counts.indices[keep], indptr), shape=counts.shape)


def count_marginals(counts):
    """Row and column sums of a CSR count matrix, summed in float64 (float32 sums, as
    scipy's ``sum`` of a float32 matrix gives, stop growing past 2^24 counts)."""
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    return (np.bincount(rows, weights=counts.data, minlength=counts.shape[0]),
            np.bincount(counts.indices, weights=counts.data, minlength=counts.shape[1]))


class Scale:
    """PMI of single entries from global marginals: the same numbers whether the matrix is
    taken whole or a row block at a time (:func:`.count_store` writes PPMI block by block)."""

    def __init__(self, row_sums, col_sums, cds, neg):
        self.row_sums = np.asarray(row_sums, dtype=np.float64)
        self.col_sums = np.asarray(col_sums, dtype=np.float64) ** cds
        self.total = self.col_sums.sum()
        self.shift = np.log(neg)

    def values(self, data, rows, cols):
        """float32 PMI of the counts ``data`` at (``rows``, ``cols``)."""
        # float64 for the products, float32 for the result: log of ratios of large numbers.
        values = np.log(data * (self.total / (self.row_sums[rows] * self.col_sums[cols])))
        values -= self.shift
        return values.astype(np.float32)
