"""Stage 3 of the count pipeline: truncated SVD of the (P)PMI matrix into dense vectors.

Three solvers, all seeded:

- ``krylov`` (default): randomized block Krylov iteration (``block_krylov.py``), which keeps
  every power iterate and stops when the singular values settle. On wiki17m it matches
  ARPACK's singular values to 1e-6 with fewer sparse products than the subspace iteration
  below needs to come within 3%.
- ``randomized``: Halko, Martinsson & Tropp (2011), the range of the matrix found
  with a seeded Gaussian test matrix and ``power_iterations`` rounds of (A A^T), each followed
  by a QR step so that small singular directions are not lost to rounding. Everything is in
  float32, which halves the memory traffic of the sparse products (the cost that dominates);
  the small projected SVD is done in float64.
- ``arpack``: scipy's ``svds``, exact to working precision, several times slower.

Word vectors are U * S^eig (Levy et al.'s eigenvalue weighting ``eig`` in [0, 1]; they try
0, 0.5 and 1); with
``w+c`` the context vectors V * S^eig are added.
"""
import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg

from .. import budget
from ..errors import UserError
from . import block_krylov as krylov
from .block_krylov import block_krylov_svd
from .sparse_products import products as sparse_products

SOLVERS = ("krylov", "randomized", "arpack")


def check_svd(dim, n_rows, eig, solver, power_iterations=None):
    if not isinstance(dim, (int, np.integer)) or dim < 1:
        raise UserError(f"dim must be a whole number >= 1, got {dim!r}.", "Use --dim 300, say.")
    if dim >= n_rows:
        raise UserError(f"dim {dim} is not smaller than the vocabulary ({n_rows} words).",
                        "Use a smaller --dim, a lower --min-count or a larger corpus.")
    if not 0 <= eig <= 1:
        raise UserError(f"eig must be between 0 and 1, got {eig!r}.",
                        "Use 0.5 (Levy et al. 2015's choice) or 0 (no weighting).")
    if solver not in SOLVERS:
        raise UserError(f"unknown SVD solver {solver!r}.", f"Use one of {', '.join(SOLVERS)}.")
    if power_iterations is None:
        return
    if not isinstance(power_iterations, (int, np.integer)) or power_iterations < 0:
        raise UserError(f"power_iterations must be a whole number >= 0, got {power_iterations!r}.",
                        "Leave it out for the solver's default; more is slower and closer to exact.")
    if solver == "krylov" and power_iterations * krylov.BLOCK < dim:
        raise UserError(
            f"power_iterations {power_iterations} is too few for dim {dim}: the krylov solver's "
            f"space grows by {krylov.BLOCK} columns an iteration and must hold {dim}.",
            f"Leave it out (the solver stops by itself, after at most "
            f"{krylov.max_iterations(dim)}), or use at least {-(-dim // krylov.BLOCK)}.")


def truncated_svd(matrix, dim, solver="krylov", power_iterations=None, oversample=60, seed=0,
                  workers=None, right=True):
    """The ``dim`` largest singular triplets (U, s, Vt) of a sparse matrix, s descending.

    ``power_iterations`` defaults to each solver's own (for krylov, the most it may take; it
    stops when the singular values settle); ``oversample`` is the randomized solver's. With
    ``right=False`` the krylov solver returns Vt as None, saving dim/32 products.
    """
    if solver == "arpack":
        u, s, vt = scipy.sparse.linalg.svds(matrix.astype(np.float64), k=dim,
                                            random_state=seed)
        order = np.argsort(s)[::-1]
        return u[:, order], s[order], vt[order]
    if solver == "krylov":
        return block_krylov_svd(matrix, dim, power_iterations, seed=seed, workers=workers,
                                right=right)
    iterations = 6 if power_iterations is None else power_iterations
    return randomized_svd(matrix, dim, iterations, oversample, seed, workers)


def randomized_svd(matrix, dim, power_iterations=6, oversample=60, seed=0, workers=None):
    """Halko et al.'s randomized SVD with power iterations, in float32.

    Between power iterations the block is only re-conditioned with an LU factorization (as
    scikit-learn does), which is several times cheaper than QR and enough to keep the columns
    apart; the basis used at the end is orthonormalized with QR. The sparse products, nearly
    all the work, run on ``workers`` processes (by default all cores, for a large matrix).
    """
    a = sp.csr_matrix(matrix, dtype=np.float32)
    width = min(dim + oversample, min(a.shape))
    rng = np.random.default_rng(seed)
    omega = rng.standard_normal((a.shape[1], width), dtype=np.float32)
    held = 4 * width * (2 * a.shape[0] + a.shape[1])     # omega, y and its conditioned copy
    with sparse_products(a, max_columns=width, workers=workers,
                         memory=budget.current() - budget.resident() - held) as products:
        # Each product's result is used up (copied into the next product's input, or
        # factorized in place) before the next product overwrites it: no copies needed.
        y = products.dot(omega, copy=False)
        for _ in range(power_iterations):
            # One re-conditioning per round: a round multiplies by at most (s_1/s_k)^2, far
            # inside float32's range, so the column space survives until the next one.
            y = products.dot(products.tdot(_conditioned(y), copy=False), copy=False)
        q = _orthonormal(y)
        b = products.tdot(q)                         # = (q^T a)^T, n x width
    # SVD of the small side: b b^T is width x width (float64 for the eigenvalues' range).
    b64 = b.T.astype(np.float64)
    evals, ub = np.linalg.eigh(b64 @ b64.T)
    order = np.argsort(evals)[::-1][:dim]
    s = np.sqrt(np.maximum(evals[order], 0.0))
    u = q @ ub[:, order].astype(np.float32)
    vt = (ub[:, order].T @ b64) / np.where(s > 0, s, 1.0)[:, None]
    return u, s, vt.astype(np.float32)


def _conditioned(y):
    """A well-conditioned basis of the same column space (permuted L of y = P L U)."""
    lower, _ = scipy.linalg.lu(y, permute_l=True, overwrite_a=True, check_finite=False)
    return lower


def _orthonormal(y):
    q, _ = scipy.linalg.qr(y, mode="economic", overwrite_a=True, check_finite=False)
    return q


def embed(u, s, vt, eig=0.5, w_plus_c=False):
    """Word vectors from the SVD: U S^eig, plus V S^eig with ``w_plus_c``."""
    weights = (s ** eig).astype(np.float32)
    vectors = u * weights
    if w_plus_c:
        vectors = vectors + vt.T * weights
    return np.ascontiguousarray(vectors, dtype=np.float32)
