"""Dense word vectors: a gensim ``KeyedVectors`` inside, so users keep gensim's API."""
import numpy as np
from gensim.models import KeyedVectors

from .base import UnknownWordError, VectorRepresentation


class DenseVectors(VectorRepresentation):
    """One dense vector per word, held in a gensim :class:`~gensim.models.KeyedVectors`.

    Parameters
    ----------
    kv : gensim.models.KeyedVectors
        The vectors; a trained gensim model (anything with a ``.wv``) is accepted too.
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

    def __init__(self, kv, name=None, metadata=None):
        super().__init__(name or "vectors", metadata)
        self.kv = getattr(kv, "wv", kv)

    @classmethod
    def from_arrays(cls, words, vectors, name=None, metadata=None):
        """Wrap a ``(len(words), dim)`` array without copying it (a memory map stays one)."""
        return cls(keyed_vectors(words, vectors), name=name, metadata=metadata)

    @property
    def vocabulary(self):
        return self.kv.index_to_key

    @property
    def _matrix(self):
        return self.kv.vectors

    @property
    def _key_to_index(self):
        return self.kv.key_to_index

    def _norms(self):
        self.kv.fill_norms()  # gensim caches them in kv.norms
        return self.kv.norms

    def _rows(self, ids):
        return self.kv.vectors[ids]

    def _dot_rows(self, left, right):
        vectors = self.kv.vectors
        return np.einsum("ij,ij->i", vectors[left], vectors[right])

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


def keyed_vectors(words, vectors):
    """A ``KeyedVectors`` over ``vectors`` itself.

    ``KeyedVectors.add_vectors`` would stack a copy; setting the attributes keeps a memory-mapped
    array mapped, so a large model opens in no time.
    """
    words = list(words)
    if not isinstance(vectors, np.ndarray):  # np.memmap is one: keep it as it is
        vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ValueError(f"{len(words)} words but vectors of shape {vectors.shape}")
    kv = KeyedVectors(vectors.shape[1], count=0, dtype=vectors.dtype)
    kv.index_to_key = words
    kv.key_to_index = {w: i for i, w in enumerate(words)}
    if len(kv.key_to_index) != len(words):
        raise ValueError("the word list has duplicates")
    kv.vectors = vectors
    kv.next_index = len(words)
    return kv
