"""Randomized block Krylov SVD (Rokhlin, Szlam & Tygert 2009; Musco & Musco 2015).

A seeded Gaussian block G (n x ``block``) is multiplied by A A^T again and again, and every
iterate is kept: the orthonormal basis Q of span{A G, (A A^T) A G, (A A^T)^2 A G, ...} grows by
one block per multiplication. The singular triplets come from the eigenvectors of the small
matrix T = Q^T A A^T Q (Rayleigh-Ritz), which chooses the best polynomial in A A^T rather than
the last power, as subspace iteration does. A PPMI spectrum decays slowly (the 298th to 300th
singular values of wiki17m's PPMI matrix differ by 0.08%), which is where this pays: the
same accuracy for a fraction of the sparse products.

This is block Lanczos with full re-orthogonalization: T's entries are the Gram-Schmidt
coefficients that make each new block orthogonal to the earlier ones, so A^T Q is never kept.
Products are in float32 (they are memory-bound); the Cholesky factors and T are float64.
"""
import logging

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from .. import budget
from .sparse_products import products as sparse_products

log = logging.getLogger(__name__)

# The products' column slice (sparse_products.COLUMN_BLOCK): a product costs about the same
# per column at any width, and the narrower the block, the more Krylov steps per column.
BLOCK = 32
MAX_WIDTH = 10      # the Krylov space stops growing at this many times dim columns,
MIN_LIMIT = 1024    # or at this many, if more: small dims need more columns per vector
TOL = 1e-5          # relative change of the singular values at which it stops earlier
SLAB_BLOCKS = 8     # the basis is stored 8 blocks to an array


def max_iterations(dim, block=BLOCK):
    """The most multiplications by A A^T the solver takes by default: 10 dim columns (or 1,024).

    It stops before on the matrices tried, within 2e-6 of ARPACK's singular values: on
    wiki17m's PPMI matrix (67,873 words) at 4.5 dim columns for dim 300; on enwiki-sample's
    (9,564 words) at 4.3 dim for dim 300, 6.7 dim for dim 100, 9 dim for dim 50, 12.8 dim
    for dim 25 and 22 dim for dim 10 (hence the floor of 1,024 columns).
    """
    return max(1, -(-max(MAX_WIDTH * dim, MIN_LIMIT) // block))


def block_krylov_svd(matrix, dim, power_iterations=None, block=BLOCK, seed=0, workers=None,
                     tol=TOL, right=True):
    """The ``dim`` largest singular triplets (U, s, Vt) of a sparse matrix, s descending.

    Every few blocks the top ``dim`` singular values are estimated; once none has moved by
    more than ``tol`` (relative) since the last estimate, the space stops growing. Otherwise
    it stops after ``power_iterations`` multiplications by A A^T (default
    ``max_iterations(dim)``), with a warning. ``right=False`` skips Vt (returned as None),
    which costs dim/block more products. When the Krylov space could be as wide as the
    matrix, the dense SVD is exact and cheaper.
    """
    a = sp.csr_matrix(matrix, dtype=np.float32)
    if power_iterations is None:
        power_iterations = max_iterations(dim, block)
    if power_iterations * block < dim:
        raise ValueError(f"{power_iterations} blocks of {block} columns cannot hold {dim} vectors")
    if (power_iterations + 1) * block >= min(a.shape):
        return _dense_svd(a, dim, right)
    rng = np.random.default_rng(seed)
    # What the budget leaves for the products once this process and the basis have grown (it
    # stops at about 4.5 dim columns on PPMI matrices): rows beyond it are read from disk.
    basis_bytes = 4 * a.shape[0] * min(power_iterations * block, 5 * dim)
    with sparse_products(a, max_columns=block, workers=workers,
                         memory=budget.current() - budget.resident() - basis_bytes) as products:
        basis, t, complete, change = _krylov_space(products, dim, power_iterations, block,
                                                   rng, tol)
        log.debug("krylov SVD: %d columns, singular values moving by %.1e", complete, change)
        if tol > 0 and np.isfinite(change) and change > tol:
            log.warning("Warning: the krylov SVD stopped at its limit of %d iterations with "
                        "singular values still moving by %.1e (tol %.0e); pass a larger "
                        "power_iterations, or use solver arpack.", power_iterations, change, tol)
        evals, vecs = scipy.linalg.eigh(_symmetric(t, complete), check_finite=False,
                                        subset_by_index=[complete - dim, complete - 1])
        order = np.argsort(evals)[::-1]
        s = np.sqrt(np.maximum(evals[order], 0.0))
        u = basis.times(vecs[:, order].astype(np.float32))
        del basis       # the largest thing held here: gone before Vt is made
        vt = _right_vectors(products, u, s, block) if right else None
    return u, s, vt


def _krylov_space(products, dim, most, block, rng, tol):
    """Grow the basis until the singular values settle or ``most`` blocks are complete.

    Returns the basis, the coefficient matrix t (its upper block triangle is Q^T A A^T Q),
    how many leading columns of t are complete, and the last relative change seen.
    """
    start = rng.standard_normal((products.a.shape[1], block), dtype=np.float32)
    q = _orthonormal_block(products.dot(start, copy=False), None, [])
    basis = _Basis(len(q), block)
    basis.append(q)
    t = np.zeros((most * block, most * block))
    check_every = max(1, round(dim / (5 * block)))
    estimate, change, complete = None, np.inf, 0
    for i in range(most):
        z = products.dot(products.tdot(q, copy=False), copy=False)        # A A^T Q_i
        recent = basis.recent(2)
        coefficients = np.zeros((basis.width, block))
        q = _orthonormal_block(z, basis, recent, coefficients)
        t[:basis.width, i * block:(i + 1) * block] = coefficients
        complete = basis.width
        basis.append(q)
        # Estimates cost an eigendecomposition; none converged before 3 dim columns.
        if tol > 0 and complete >= 3 * dim and (i + 1) % check_every == 0:
            previous, estimate = estimate, _singular_values(t, complete, dim)
            if previous is not None:
                change = np.max(np.abs(estimate - previous) / np.maximum(estimate, 1e-30))
                if change <= tol:
                    break
    return basis, t, complete, change


class _Basis:
    """Orthonormal float32 columns, kept in arrays of ``SLAB_BLOCKS`` blocks.

    One array as wide as the largest possible space would have every row of it touched by
    the first block, so its whole size would be resident; slabs let the space grow with no
    copies and no reserve beyond the current slab.
    """

    def __init__(self, rows, block):
        self.rows, self.block, self.slab_width = rows, block, block * SLAB_BLOCKS
        self.slabs, self.width = [], 0

    def append(self, q):
        offset = self.width % self.slab_width
        if offset == 0:
            self.slabs.append(np.empty((self.rows, self.slab_width), dtype=np.float32))
        self.slabs[-1][:, offset:offset + self.block] = q
        self.width += self.block

    def parts(self, width=None):
        """The first ``width`` columns (all by default), as views of one slab each."""
        width = self.width if width is None else width
        for k, slab in enumerate(self.slabs):
            if k * self.slab_width < width:
                yield slab[:, :min(self.slab_width, width - k * self.slab_width)]

    def recent(self, blocks):
        """The last ``blocks`` blocks, as (first column, view) pairs."""
        out = []
        for first in range(max(0, self.width - blocks * self.block), self.width, self.block):
            slab, offset = divmod(first, self.slab_width)
            out.append((first, self.slabs[slab][:, offset:offset + self.block]))
        return out

    def project_out(self, z, coefficients):
        """z -= Q Q^T z (classical Gram-Schmidt, a slab at a time); Q^T z added to coefficients."""
        parts = list(self.parts())
        products = [part.T @ z for part in parts]          # all from the same z, then subtract
        first = 0
        for part, c in zip(parts, products):
            z -= part @ c
            coefficients[first:first + part.shape[1]] += c
            first += part.shape[1]

    def times(self, x, rows=8192):
        """Q[:, :len(x)] @ x, a slice of rows at a time (a whole slab's product would be as
        large as the result again, at the moment the basis is largest)."""
        out = np.zeros((self.rows, x.shape[1]), dtype=np.result_type(x, np.float32))
        for lo in range(0, self.rows, rows):
            first = 0
            for part in self.parts(len(x)):
                out[lo:lo + rows] += part[lo:lo + rows] @ x[first:first + part.shape[1]]
                first += part.shape[1]
        return out


def _orthonormal_block(z, basis, recent, coefficients=None):
    """Orthonormal columns spanning the part of ``z`` outside the basis; ``z`` is overwritten.

    In exact arithmetic (A A^T) Q_i overlaps only the two blocks before it (the block Lanczos
    recurrence), so those are projected out first; a pass over all blocks then removes what
    float32 rounding brought back (Gram-Schmidt twice is enough). If that pass still removed
    much of a column, what is left is itself mostly rounding (the Krylov space has stopped
    growing there), and it is projected once more (Kahan and Parlett's criterion). The
    coefficients Q^T z of all passes are added to ``coefficients``.
    """
    for first, part in recent:
        c = part.T @ z
        z -= part @ c
        coefficients[first:first + part.shape[1]] += c
    if basis is not None:
        before = np.linalg.norm(z, axis=0)
        basis.project_out(z, coefficients)
        if np.any(np.linalg.norm(z, axis=0) < before / np.sqrt(2)):
            basis.project_out(z, coefficients)
    q = _cholesky_qr(z)
    if q is None:
        # z is (nearly) rank-deficient: any orthonormal completion will do, as long as it is
        # orthogonal to the basis (its coefficients are rounding, and are not kept).
        q = _householder_qr(z)
        if basis is not None:
            for _ in range(2):
                basis.project_out(q, np.zeros((basis.width, q.shape[1])))
            q = _householder_qr(q)
    return q


def _cholesky_qr(z, max_condition=1e4):
    """Q of z = QR via the Cholesky factor of z^T z in float64, or None if z is ill-conditioned.

    Cheaper than Householder QR (two matrix products and a small factorization); its loss of
    orthogonality grows as cond(z)^2 * 1e-16, negligible below ``max_condition``.
    """
    z64 = z.astype(np.float64)
    try:
        upper = np.linalg.cholesky(z64.T @ z64).T
    except np.linalg.LinAlgError:
        return None
    diagonal = np.abs(np.diag(upper))
    if diagonal.min() * max_condition < diagonal.max():
        return None
    inverse = scipy.linalg.solve_triangular(upper, np.eye(len(upper)), check_finite=False)
    return (z64 @ inverse).astype(np.float32)


def _householder_qr(z):
    q, _ = scipy.linalg.qr(np.asarray(z, dtype=np.float32), mode="economic", check_finite=False)
    return q


def _symmetric(t, n):
    """Q^T A A^T Q from its upper triangle in t (each block column k holds Q[:, :k+1]^T A A^T Q_k)."""
    upper = np.triu(t[:n, :n])
    return upper + np.triu(upper, 1).T


def _singular_values(t, n, dim):
    """The ``dim`` largest singular values that the first ``n`` basis columns give, descending."""
    # All eigenvalues by divide and conquer: faster here than a subset by bisection.
    values = scipy.linalg.eigh(_symmetric(t, n), eigvals_only=True, driver="evd",
                               check_finite=False)
    return np.sqrt(np.maximum(values[::-1][:dim], 0.0))


def _right_vectors(products, u, s, block):
    """Vt = (A^T U / s)^T, a block of columns per product."""
    v = np.empty((products.a.shape[1], u.shape[1]), dtype=np.float32)
    for j in range(0, u.shape[1], block):
        v[:, j:j + block] = products.tdot(u[:, j:j + block], copy=False)
    v /= np.where(s > 0, s, 1.0).astype(np.float32)
    return v.T


def _dense_svd(a, dim, right=True):
    u, s, vt = scipy.linalg.svd(a.toarray(), full_matrices=False, check_finite=False)
    return u[:, :dim], s[:dim].astype(np.float64), vt[:dim] if right else None
