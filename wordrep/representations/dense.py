"""Dense word vectors: a gensim ``KeyedVectors`` inside, so users keep gensim's API.

Nearest neighbours are ranked by one kernel for one query or many: a block of queries times
a block of vocabulary rows (a BLAS matrix product in the vectors' own float32), scaled by the
stored inverse row norms; only the rows that beat a query's current k-th best are kept. The
vectors are read in place, so a memory-mapped model is never copied or normalized as a whole (a
normalized copy of 1M x 300 floats would be 1.2 GB in every process).
"""
import numpy as np
from gensim.models import KeyedVectors

from .base import UnknownWordError, VectorRepresentation, _check_topn, check_finite
from .word_index import WordIndex, index_on_demand, sorted_order

# The largest score block (queries x vocabulary rows) held at once: 4M float32 cells, 16 MB.
# One query scores the whole vocabulary of a 1M-word model in one product; 256 queries take it
# 16,384 rows at a time.
SCORE_CELLS = 1 << 22
QUERY_BLOCK = 256
# Rows in the first block, whose k-th best score is the bar for the rest (at least 64 x topn).
FIRST_ROWS = 4096
# Rows per step when norms are computed from the vectors (8,192 x 300 in float64: 20 MB).
NORM_ROWS = 8192


class DenseVectors(VectorRepresentation):
    """One dense vector per word, held in a gensim :class:`~gensim.models.KeyedVectors`.

    Parameters
    ----------
    kv : gensim.models.KeyedVectors
        The vectors; a trained gensim model (anything with a ``.wv``) is accepted too. Vectors
        with NaN or infinite values are refused (:class:`~wordrep.errors.UserError`): their
        norms are computed here if ``kv.norms`` is not set, and kept for the queries.
    name : str, optional
        Defaults to ``"vectors"``.
    metadata : dict, optional
        Provenance, see :class:`~wordrep.representations.base.Representation`.

    Attributes
    ----------
    kv : gensim.models.KeyedVectors
        The same object, for everything gensim can do (``kv.most_similar``, ``kv.evaluate_word_pairs``...).

    Examples
    --------
    >>> import numpy as np
    >>> rep = DenseVectors.from_arrays(["cat", "dog", "car"],
    ...                                np.array([[1, 0], [1, 1], [0, 1]], dtype=np.float32))
    >>> rep.similarity([("cat", "dog"), ("cat", "emu")]).round(3)
    array([0.707,   nan])
    >>> rep.most_similar("cat", topn=1)[0][0]
    'dog'
    >>> rep.kv.index_to_key
    ['cat', 'dog', 'car']
    """

    kind = "dense"

    def __init__(self, kv, name=None, metadata=None, word_index=None):
        super().__init__(name or "vectors", metadata)
        self.kv = getattr(kv, "wv", kv)
        # A loaded model's sorted-order index (word_index.WordIndex): words are found without
        # gensim's key_to_index dict, built only if gensim's own API asks for it.
        self._word_index = word_index
        check_finite(self.vocabulary, nonfinite_rows(self.kv.vectors, self._norms()),
                     repr(self.name), "Replace or drop those rows: no similarity can be "
                     "computed with them.")

    @classmethod
    def from_arrays(cls, words, vectors, name=None, metadata=None, *, norms=None,
                    word_order=None, ngrams=None, subwords=None):
        """Wrap a ``(len(words), dim)`` array without copying it (a memory map stays one).

        The other arrays are those :meth:`to_arrays` gives: ``norms``, the row norms (computed
        when not given); ``word_order``, the rows in sorted word order (words are then found by
        binary search, and gensim's ``key_to_index`` dict is built only if gensim asks for
        it); ``ngrams`` with ``subwords`` (``{"min_n", "max_n", "bucket"}``), fastText's
        n-gram buckets, which give unknown words a vector.
        """
        index = None if word_order is None else WordIndex(words, word_order)
        if ngrams is None:
            kv = keyed_vectors(words, vectors, word_index=index is not None)
        else:
            kv = fasttext_vectors(words, vectors, ngrams, subwords, index is not None)
        if norms is not None:
            kv.norms = norms
        return cls(kv, name=name, metadata=metadata, word_index=index)

    def to_arrays(self):
        """The arrays that make this model, by name, for :mod:`wordrep.storage` to write:
        ``vectors`` (float32), ``norms`` and ``word_order`` (see :meth:`from_arrays`), and,
        for fastText, ``ngrams`` (its settings are :attr:`subword_settings`)."""
        vectors = np.asarray(self.kv.vectors, dtype=np.float32)
        # The norms and the sorted order are kept so that a loaded model ranks neighbours
        # straight from the memory map (computing them means reading every vector, which for
        # 1M x 300 takes longer than the load), and finds words without a dict of them all.
        arrays = {"vectors": vectors, "norms": row_norms(vectors),
                  "word_order": sorted_order(self.vocabulary)}
        if self.has_subwords:
            # fastText's n-gram buckets: what makes a vector for an unknown word. Only the
            # n-gram matrix and its hashing settings are needed for that; the vocabulary-only
            # vectors (vectors_vocab) serve training alone and are not kept.
            arrays["ngrams"] = np.asarray(self.kv.vectors_ngrams, dtype=np.float32)
        return arrays

    @property
    def subword_settings(self):
        """fastText's n-gram hashing settings ``{"min_n", "max_n", "bucket"}``, or None."""
        if not self.has_subwords:
            return None
        kv = self.kv
        return {"min_n": int(kv.min_n), "max_n": int(kv.max_n), "bucket": int(kv.bucket)}

    @property
    def vocabulary(self):
        return self.kv.index_to_key

    @property
    def _matrix(self):
        return self.kv.vectors

    @property
    def _key_to_index(self):
        if self._word_index is not None and self.kv.__dict__.get("key_to_index") is None:
            return self._word_index
        return self.kv.key_to_index  # built, or a model made in memory

    def _lookup(self, words):
        words = list(words)
        if self._key_to_index is self._word_index:
            # A binary search costs ~15 us a word (string compares all over memory), the dict
            # ~0.5 us a vocabulary word to build: past 1/16 of the vocabulary, build it.
            if len(words) * 16 < len(self._word_index):
                return self._word_index.rows(words)
            self.kv.key_to_index  # built now, and used from here on
        return super()._lookup(words)

    def _norms(self):
        # Kept in kv.norms, where gensim's own most_similar finds them too. Not kv.fill_norms():
        # np.linalg.norm(vectors, axis=1) squares a full-size temporary copy first.
        if self.kv.norms is None:
            self.kv.norms = row_norms(self.kv.vectors)
        return self.kv.norms

    def _inverse_norms(self):
        """``1 / norms`` in the query dtype, 0 for zero rows; recomputed if kv.norms changes."""
        norms = self._norms()
        cached = getattr(self, "_inverse_cache", None)
        if cached is None or cached[0] is not norms:
            inverse = np.zeros(len(norms), dtype=self._float)
            np.divide(1, norms, out=inverse, where=np.asarray(norms) != 0)
            self._inverse_cache = cached = (norms, inverse)
        return cached[1]

    def _rows(self, ids):
        return self.kv.vectors[ids]

    def _dot_rows(self, left, right):
        vectors = self.kv.vectors
        return np.einsum("ij,ij->i", vectors[left], vectors[right])

    # ---- nearest neighbours ----------------------------------------------------------------

    def most_similar_batch(self, words, topn=10):
        """The neighbours of every word in ``words``: ``[most_similar(w, topn) for w in words]``,
        computed for up to 256 words at a time with one matrix product per block of rows.

        Each word is left out of its own neighbours. An unknown word raises
        :class:`~wordrep.representations.base.UnknownWordError` before any work.

        Returns
        -------
        list of list of (str, float)

        Examples
        --------
        >>> rep = DenseVectors.from_arrays(["cat", "dog", "car"],
        ...                                np.array([[1, 0], [1, 1], [0, 1]], dtype=np.float32))
        >>> [[w for w, _ in row] for row in rep.most_similar_batch(["cat", "car"], topn=1)]
        [['dog'], ['dog']]
        """
        _check_topn(topn)
        ids = self._ids(list(words))
        vectors, norms = self.kv.vectors, self._norms()
        # Fewer queries per block when topn is huge: each keeps topn candidates per block.
        per_block = max(1, min(QUERY_BLOCK, SCORE_CELLS // min(topn, max(len(self), 1))))
        results = []
        for start in range(0, len(ids), per_block):
            block = ids[start:start + per_block]
            # Unit queries, as most_similar(word) makes them (base._unit_sum).
            block_norms = np.asarray(norms[block], dtype=np.float64)
            scale = np.zeros(len(block))
            np.divide(1.0, block_norms, out=scale, where=block_norms != 0)
            queries = vectors[block] * scale.astype(self._float)[:, None]
            results += self._neighbours(queries, block[:, None], topn)
        return results

    def _rank(self, query, exclude, topn):
        """One query: the batch kernel with a block of one (most_similar, analogy)."""
        _check_topn(topn)
        exclude = np.array(sorted(set(exclude)), dtype=np.intp).reshape(1, -1)
        return self._neighbours(query[None, :], exclude, topn)[0]

    def _neighbours(self, queries, exclude, topn):
        """The ``topn`` rows closest (cosine) to each row of ``queries``, best first.

        ``exclude[r]`` holds the distinct rows left out for query r (-1 pads). Ties go to the
        lower row, as in :func:`~wordrep.representations.base.top_indices`.
        """
        vectors, inverse = self.kv.vectors, self._inverse_norms()
        n = len(vectors)
        queries = np.asarray(queries, dtype=self._float)
        qnorms = np.sqrt(np.einsum("ij,ij->i", queries, queries, dtype=np.float64))
        qscale = np.zeros(len(queries))
        np.divide(1, qnorms, out=qscale, where=qnorms != 0)
        queries = queries * qscale.astype(self._float)[:, None]
        k = min(topn, n)
        if k == 0:  # an empty model
            return [[] for _ in queries]
        rows = max(SCORE_CELLS // len(queries), k)
        best_ids = np.full((len(queries), k), -1, dtype=np.intp)
        best_scores = np.full((len(queries), k), -np.inf, dtype=self._float)
        # A small first block sets each query's bar (its k-th best score there); in the blocks
        # after it, only the few rows above the current k-th best are kept and merged, which
        # costs one comparison per score instead of an argpartition.
        first = min(n, rows, max(FIRST_ROWS, 64 * k))
        for start, stop in [(0, first)] + [(i, min(i + rows, n)) for i in range(first, n, rows)]:
            scores = queries @ vectors[start:stop].T
            scores *= inverse[start:stop]
            _drop(scores, exclude, start)
            if start == 0:
                bar = np.partition(scores, stop - k, axis=1)[:, stop - k:stop - k + 1]
                passed = scores >= bar  # ties with the bar too
            else:  # a later row that only ties the k-th best loses to it (ties: lower row)
                passed = scores > best_scores[:, -1:]
            # flatnonzero: np.nonzero of a 2-D mask is ~25x slower
            query, column = np.divmod(np.flatnonzero(passed), stop - start)
            if query.size:
                _merge(best_ids, best_scores, query, column + start, scores[query, column])
        # Excluded rows score -inf and sort last: cut them off (a tiny model may have fewer than
        # topn other words). A slot still -1 was never filled (a NaN score, from vectors changed
        # after they were checked, passes no comparison): it is no word, not words[-1].
        kept = np.minimum(k, n - (exclude >= 0).sum(axis=1))
        words = self.kv.index_to_key
        return [[(words[i], s) for i, s in zip(ids[:m].tolist(), scores[:m].tolist()) if i >= 0]
                for ids, scores, m in zip(best_ids, best_scores, kept)]

    def __getitem__(self, word):
        """The vector of ``word`` (read-only, 1-D)."""
        # Not kv.get_vector(row): gensim's FastTextKeyedVectors takes an int there for an
        # unknown word and returns an n-gram average instead of the row.
        row = self.kv.vectors[self.index(word)]
        row.flags.writeable = False  # a view: writing to it would change the model
        return row

    @property
    def has_subwords(self):
        """Whether a vector can be made for any word from its character n-grams (fastText)."""
        return (getattr(self.kv, "bucket", 0) > 0
                and getattr(self.kv, "vectors_ngrams", None) is not None)

    def subword_vector(self, word):
        """fastText's vector for any ``word``, known or not: for an unknown word, the mean of
        its character n-gram vectors (a known word gets its own vector, as ``rep[word]``).

        Without a subword model, an unknown word raises
        :class:`~wordrep.representations.base.UnknownWordError`.
        """
        if not self.has_subwords:
            if word in self:
                return self[word]
            raise UnknownWordError(word, self.name)
        return self.kv.get_vector(word)


def keyed_vectors(words, vectors, word_index=False):
    """A ``KeyedVectors`` over ``vectors`` itself.

    ``KeyedVectors.add_vectors`` would stack a copy; setting the attributes keeps a memory-mapped
    array mapped, so a large model opens in no time. With ``word_index`` (the words were
    checked by a :class:`~wordrep.representations.word_index.WordIndex`), ``key_to_index`` is
    built only when gensim first uses it.
    """
    words = list(words)
    if not isinstance(vectors, np.ndarray):  # np.memmap is one: keep it as it is
        vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ValueError(f"{len(words)} words but vectors of shape {vectors.shape}")
    kv = KeyedVectors(vectors.shape[1], count=0, dtype=vectors.dtype)
    kv.index_to_key = words
    kv.vectors = vectors
    kv.next_index = len(words)
    if word_index:
        return index_on_demand(kv)
    kv.key_to_index = {w: i for i, w in enumerate(words)}
    if len(kv.key_to_index) != len(words):
        raise ValueError("the word list has duplicates")
    return kv


def fasttext_vectors(words, vectors, ngrams, subwords, word_index=False):
    """A gensim ``FastTextKeyedVectors`` over the arrays (memory-mapped ones stay mapped)."""
    from gensim.models.fasttext import FastTextKeyedVectors

    min_n, max_n, bucket = (int(subwords[key]) for key in ("min_n", "max_n", "bucket"))
    if not 1 <= min_n <= max_n:
        raise ValueError(f"subword lengths min_n={min_n}, max_n={max_n}")
    if ngrams.shape != (bucket, vectors.shape[1]):
        raise ValueError(f"ngrams.npy has shape {ngrams.shape}, expected {(bucket, vectors.shape[1])}")
    plain = keyed_vectors(words, vectors, word_index)
    kv = FastTextKeyedVectors(vectors.shape[1], min_n, max_n, bucket, count=0,
                              dtype=vectors.dtype)
    if word_index:
        index_on_demand(kv)
    kv.index_to_key, kv.key_to_index = plain.index_to_key, plain.__dict__["key_to_index"]
    kv.vectors, kv.next_index = plain.vectors, plain.next_index
    kv.vectors_ngrams = ngrams
    kv.vectors_vocab = None  # training state, not saved (see DenseVectors.to_arrays)
    return kv


def row_norms(vectors, rows=NORM_ROWS):
    """The Euclidean norm of every row (float32 for float32 vectors, as gensim keeps them),
    summed in float64 ``rows`` rows at a time: no temporary the size of the matrix."""
    out = np.empty(len(vectors), dtype=np.result_type(vectors.dtype, np.float32))
    for start in range(0, len(vectors), rows):
        block = vectors[start:start + rows]
        out[start:start + rows] = np.sqrt(np.einsum("ij,ij->i", block, block, dtype=np.float64))
    return out


def nonfinite_rows(vectors, norms):
    """The rows of ``vectors`` with a NaN or infinite value, found from their ``norms``
    (:func:`row_norms`): a norm summed from such a row is not finite, so only those rows are
    read, not the whole matrix (4 bytes a word: a memory-mapped model stays unread). A finite
    row whose norm overflows float32 (values near 1e38) is read and let through."""
    candidates = np.flatnonzero(~np.isfinite(norms))
    return candidates[~np.isfinite(vectors[candidates]).all(axis=1)]


def _drop(scores, exclude, start):
    """Score -inf for the excluded rows of each query in a block of rows from ``start``."""
    local = exclude - start
    query, column = np.nonzero((local >= 0) & (local < scores.shape[1]))
    scores[query, local[query, column]] = -np.inf


def _merge(best_ids, best_scores, query, ids, scores):
    """Fold candidate rows into each query's ``k`` best, in place; the best stay sorted by score
    (descending), then row."""
    count, k = best_ids.shape
    queries = np.concatenate([np.repeat(np.arange(count), k), query])
    ids = np.concatenate([best_ids.ravel(), ids])
    scores = np.concatenate([best_scores.ravel(), scores])
    order = np.lexsort((ids, -scores, queries))
    queries, ids, scores = queries[order], ids[order], scores[order]
    place = np.arange(len(queries)) - np.searchsorted(queries, queries)  # rank in its query
    keep = place < k
    best_ids[queries[keep], place[keep]] = ids[keep]
    best_scores[queries[keep], place[keep]] = scores[keep]
