"""Sparse word vectors: scipy CSR rows, compared by sparse cosine.

One-hot and WordNet feature vectors have few non-zeros in a huge number of dimensions: a dense
one-hot matrix of 70k words would take 20 GB, the CSR one takes under 1 MB.
"""
import numpy as np
import scipy.sparse as sp

from .base import VectorRepresentation, check_finite


class SparseVectors(VectorRepresentation):
    """One sparse vector per word: row ``i`` of a CSR matrix is the vector of ``words[i]``.

    Similarities are computed on the sparse rows (element-wise products of the paired rows),
    nearest neighbours by one sparse matrix-vector product; nothing vocabulary-by-vocabulary
    is ever made dense.

    Parameters
    ----------
    words : sequence of str
        The vocabulary, in row order, without duplicates.
    matrix : scipy.sparse matrix or array, shape (len(words), dim)
        Stored as a ``scipy.sparse.csr_array``.
    name : str, optional
        Defaults to ``"sparse"``.
    metadata : dict, optional
        Provenance, see :class:`~wordrep.representations.base.Representation`.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> features = sp.csr_array(np.array([[1, 1, 0], [1, 0, 0], [0, 0, 1]], dtype=np.float32))
    >>> rep = SparseVectors(["cat", "dog", "car"], features)
    >>> rep.similarity([("cat", "dog"), ("dog", "car"), ("cat", "emu")]).round(3)
    array([0.707, 0.   ,   nan])
    >>> rep["cat"].toarray()
    array([[1., 1., 0.]], dtype=float32)
    """

    kind = "sparse"

    def __init__(self, words, matrix, name=None, metadata=None):
        super().__init__(name or "sparse", metadata)
        self._words = list(words)
        self.matrix = sp.csr_array(matrix)
        if self.matrix.shape[0] != len(self._words):
            raise ValueError(f"{len(self._words)} words but a matrix of shape {self.matrix.shape}")
        self._index = {w: i for i, w in enumerate(self._words)}
        if len(self._index) != len(self._words):
            raise ValueError("the word list has duplicates")
        self._norm_cache = None
        check_finite(self._words, nonfinite_rows(self.matrix), repr(self.name),
                     "Replace or drop those values: no similarity can be computed with them.")

    @property
    def vocabulary(self):
        return self._words

    @property
    def _matrix(self):
        return self.matrix

    @property
    def _key_to_index(self):
        return self._index

    def _norms(self):
        if self._norm_cache is None:
            squares = self.matrix.multiply(self.matrix).sum(axis=1)
            self._norm_cache = np.sqrt(np.asarray(squares, dtype=np.float64)).ravel()
        return self._norm_cache

    def _rows(self, ids):
        return self.matrix[ids]

    def _dot_rows(self, left, right):
        # Element-wise product of the paired rows keeps only shared features: sparse and vectorized.
        products = self.matrix[left].multiply(self.matrix[right])
        return np.asarray(products.sum(axis=1)).ravel()

    def to_arrays(self):
        """The CSR arrays by name (``data``, ``indices``, ``indptr``), for
        :mod:`wordrep.storage` to write; the shape is ``self.matrix.shape``. The constructor
        takes them back as a ``scipy.sparse.csr_array``."""
        matrix = self.matrix
        return {"data": matrix.data, "indices": matrix.indices, "indptr": matrix.indptr}

    def __getitem__(self, word):
        """The vector of ``word`` as a 1-row CSR array."""
        return self.matrix[[self.index(word)]]


def nonfinite_rows(matrix):
    """The rows of a CSR ``matrix`` that hold a NaN or infinite value (its stored values only)."""
    if matrix.data.dtype.kind not in "fc":  # whole numbers and booleans are always finite
        return np.empty(0, dtype=np.intp)
    positions = np.flatnonzero(~np.isfinite(matrix.data))
    return np.unique(np.searchsorted(matrix.indptr, positions, side="right") - 1)
