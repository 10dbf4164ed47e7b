"""What evaluation needs from a word representation, and what vector representations add.

:class:`Representation` is the minimal protocol: a name, a vocabulary and ``similarity(pairs)``.
WordNet measures implement only that. :class:`VectorRepresentation` adds vectors, nearest
neighbours, analogies and saving; its two storage flavours are
:class:`~wordrep.representations.dense.DenseVectors` (a gensim ``KeyedVectors`` inside) and
:class:`~wordrep.representations.sparse.SparseVectors` (scipy CSR rows).

Cosine is computed from the rows and their norms, never from a normalized copy of the whole
matrix: a memory-mapped model stays on disk and a sparse one stays sparse.
"""
import abc
from datetime import datetime, timezone
from numbers import Integral

import numpy as np

from ..errors import UserError


class UnknownWordError(UserError, KeyError):
    """A word that is not in a representation's vocabulary.

    A :class:`~wordrep.errors.UserError` (the CLI prints one line, exit 2) and a ``KeyError``
    (so code written for dicts or gensim keeps working).
    """

    def __init__(self, word, name=None):
        self.word = word
        where = f" of {name!r}" if name else ""
        super().__init__(f"the word {word!r} is not in the vocabulary{where}.",
                         "Check its spelling and case, or rebuild with a lower min_count.")

    def __str__(self):
        # KeyError would print repr(message), quotes and all.
        return self.format()


def now_utc():
    """The current time, UTC, ISO 8601 to the second: when a representation was made."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Representation(abc.ABC):
    """Anything that can score how similar two words are.

    Subclasses provide :attr:`vocabulary`, ``__contains__`` and :meth:`similarity`. The
    WordNet measures are Representations with no vectors.

    Parameters
    ----------
    name : str
        A short name shown in reports, e.g. ``"onehot"``.
    metadata : dict, optional
        Provenance: method, parameters, corpus fingerprint, wordrep version, creation time.

    Examples
    --------
    >>> class Identity(Representation):
    ...     vocabulary = ["cat", "dog"]
    ...     def __contains__(self, word):
    ...         return word in self.vocabulary
    ...     def similarity(self, pairs):
    ...         return np.array([float(a == b) if a in self and b in self else np.nan
    ...                          for a, b in pairs])
    >>> Identity("identity").similarity([("cat", "cat"), ("cat", "dog"), ("cat", "emu")])
    array([ 1.,  0., nan])
    """

    def __init__(self, name, metadata=None):
        self.name = name
        self.metadata = dict(metadata or {})

    @property
    @abc.abstractmethod
    def vocabulary(self):
        """The known words, as a list of str."""

    @abc.abstractmethod
    def __contains__(self, word):
        """Whether ``word`` is known."""

    @abc.abstractmethod
    def similarity(self, pairs):
        """Scores for a sequence of ``(word1, word2)`` pairs: float array, NaN where unknown."""

    def __repr__(self):
        # No word count here: listing a WordNet measure's vocabulary is not free.
        return f"<{type(self).__name__} {self.name!r}>"


class VectorRepresentation(Representation):
    """A representation with one vector per word, compared by cosine.

    Subclasses store an ``(n_words, dim)`` matrix (dense ndarray or scipy CSR) and provide
    :attr:`_matrix`, :attr:`_key_to_index`, :meth:`_norms`, :meth:`_rows` and
    :meth:`_dot_rows`; this class does the lookups, the ranking and the error handling.
    """

    kind = None  # "dense" or "sparse": the storage flavour, recorded by the native format

    # ---- what a storage flavour provides -------------------------------------------------

    @property
    @abc.abstractmethod
    def _matrix(self):
        """The ``(n_words, dim)`` matrix, row i for ``vocabulary[i]``."""

    @property
    @abc.abstractmethod
    def _key_to_index(self):
        """word -> row."""

    @abc.abstractmethod
    def _norms(self):
        """Euclidean norm of every row (cached by the subclass)."""

    @abc.abstractmethod
    def _rows(self, ids):
        """The rows ``ids`` in the flavour's own type (ndarray or CSR)."""

    @abc.abstractmethod
    def _dot_rows(self, left, right):
        """Row-wise dot products ``matrix[left[k]] . matrix[right[k]]``, a 1-D array."""

    # ---- lookups ------------------------------------------------------------------------

    def __len__(self):
        return len(self.vocabulary)

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}: {len(self)} words x {self.dim}>"

    def __contains__(self, word):
        return word in self._key_to_index

    @property
    def dim(self):
        """Number of dimensions of the vectors."""
        return self._matrix.shape[1]

    @property
    def _float(self):
        """The dtype queries are computed in: float32 stays float32 (as in gensim), counts or
        booleans become floats."""
        return np.result_type(self._matrix.dtype, np.float32)

    def index(self, word):
        """The row of ``word``; :class:`UnknownWordError` if it is not known."""
        try:
            return self._key_to_index[word]
        except (KeyError, TypeError):
            raise UnknownWordError(word, self.name) from None

    def _lookup(self, words):
        """Rows of ``words`` as an int array, -1 for unknown words (no error)."""
        index = self._key_to_index
        return np.fromiter((index.get(w, -1) for w in words), dtype=np.intp, count=len(words))

    def _ids(self, words):
        """Rows of ``words``, raising :class:`UnknownWordError` for the first unknown one."""
        return np.array([self.index(w) for w in words], dtype=np.intp)

    def vectors(self, words):
        """The vectors of ``words``, one row each, in the flavour's type (ndarray or CSR)."""
        return self._rows(self._ids(list(words)))

    # ---- similarity ---------------------------------------------------------------------

    def similarity(self, pairs, word2=None):
        """Cosine similarity of each ``(word1, word2)`` pair; NaN where a word is unknown.

        A word whose vector is all zeros has similarity 0 with everything. Called with two
        words, ``similarity("cat", "dog")``, it returns one float and, as gensim's
        ``KeyedVectors.similarity`` does, raises :class:`UnknownWordError` for an unknown word
        (a program asking about one pair wants to know, not to get NaN).
        """
        if isinstance(pairs, str):
            if word2 is None:
                raise UserError(f"similarity({pairs!r}) needs a second word.",
                                "Call similarity(word1, word2) or similarity([(w1, w2), ...]).")
            self.index(pairs), self.index(word2)  # UnknownWordError for the first unknown one
            return float(self.similarity([(pairs, word2)])[0])
        if word2 is not None:
            raise UserError("similarity(pairs, word2): word2 goes with a single first word.",
                            "Call similarity(word1, word2) or similarity([(w1, w2), ...]).")
        pairs = list(pairs)
        out = np.full(len(pairs), np.nan)
        if not pairs:
            return out
        left, right = (self._lookup(side) for side in zip(*pairs))
        known = (left >= 0) & (right >= 0)
        left, right = left[known], right[known]
        norms = self._norms()
        out[known] = _safe_divide(self._dot_rows(left, right), norms[left] * norms[right])
        return out

    def most_similar(self, word_or_vector, topn=10):
        """The ``topn`` words closest (cosine) to a word or a vector, best first.

        A word itself is left out of its own neighbours. Ties go to the word that comes first
        in the vocabulary (the more frequent one, for corpus-built representations).

        Returns
        -------
        list of (str, float)
        """
        if isinstance(word_or_vector, str):
            i = self.index(word_or_vector)
            return self._rank(self._unit_sum([i], [1.0]), [i], topn)
        return self._rank(self._as_query(word_or_vector), [], topn)

    def analogy(self, a, b, c, topn=1):
        """Answer ``a : b :: c : ?`` by 3CosAdd (Mikolov et al. 2013).

        The answer maximizes ``cos(x, b - a + c)`` over unit vectors, ``a``, ``b`` and ``c``
        excluded, as gensim's ``most_similar(positive=[b, c], negative=[a])`` does.

        Returns
        -------
        list of (str, float)
            The ``topn`` best answers with their cosine to ``b - a + c``.
        """
        ids = [self.index(w) for w in (a, b, c)]
        return self._rank(self._unit_sum(ids, [-1.0, 1.0, 1.0]), ids, topn)

    def _unit_sum(self, ids, weights):
        """``sum(weights[k] * matrix[ids[k]] / |matrix[ids[k]]|)`` as a dense 1-D vector."""
        ids = np.asarray(ids, dtype=np.intp)
        coef = _safe_divide(np.asarray(weights, dtype=np.float64), self._norms()[ids])
        # rows.T @ coef is a (dim,) ndarray for both dense and CSR rows.
        return np.asarray(self._rows(ids).T @ coef.astype(self._float)).ravel()

    def _as_query(self, vector):
        if hasattr(vector, "toarray"):  # a scipy.sparse row
            vector = vector.toarray()
        vector = np.asarray(vector, dtype=self._float).ravel()
        if vector.shape != (self.dim,):
            raise UserError(f"a query vector for {self.name!r} must have {self.dim} dimensions, "
                            f"got {vector.shape[0]}.", "Pass a word or a vector of the right size.")
        return vector

    def _rank(self, query, exclude, topn):
        _check_topn(topn)
        norms = self._norms()
        scores = _safe_divide(np.asarray(self._matrix @ query, dtype=np.float64).ravel(),
                              norms * np.linalg.norm(query))
        scores[exclude] = -np.inf
        best = top_indices(scores, min(topn, len(scores) - len(set(exclude))))
        words = self.vocabulary
        return [(words[i], float(scores[i])) for i in best]


def top_indices(scores, k):
    """Indices of the ``k`` highest scores, best first; ties go to the lower index.

    Partitions first so that only the candidates are sorted, not the whole vocabulary.
    """
    n = len(scores)
    if k <= 0:
        return np.empty(0, dtype=np.intp)
    if k < n:
        kth = np.partition(scores, n - k)[n - k]  # the k-th largest score
        candidates = np.flatnonzero(scores >= kth)
    else:
        candidates = np.arange(n)
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order[:k]]


def check_finite(words, bad, where, hint):
    """Refuse vectors with NaN or infinite values, naming their words.

    With them a cosine is NaN, which ranks below every real score: a neighbour list would end in
    a row that was never compared, with a score of ``-inf``. Nothing can be scored with them, so
    they are refused where vectors come in (built, wrapped or loaded), never met in a query.

    Parameters
    ----------
    words : sequence of str
        The vocabulary, in row order.
    bad : array of int
        The rows with a NaN or infinite value.
    where : str
        What the vectors are (a path or a name), to start the message.
    hint : str
        How to fix it, for this source.

    Raises
    ------
    UserError
        If ``bad`` is not empty.
    """
    if len(bad) == 0:
        return
    named = ", ".join(repr(words[int(i)]) for i in bad[:5])
    if len(bad) == 1:
        raise UserError(f"{where}: the vector of {named} has NaN or infinite values.", hint)
    more = f" and {len(bad) - 5:,} more" if len(bad) > 5 else ""
    raise UserError(f"{where}: the vectors of {named}{more} have NaN or infinite values "
                    f"({len(bad):,} words).", hint)


def _safe_divide(numerator, denominator):
    """``numerator / denominator``, 0 where the denominator is 0 (a zero vector)."""
    out = np.zeros(np.shape(numerator), dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def _check_topn(topn):
    if not isinstance(topn, Integral) or isinstance(topn, bool) or topn < 1:
        raise UserError(f"topn must be a whole number >= 1, got {topn!r}.",
                        "Ask for at least one neighbour.")
