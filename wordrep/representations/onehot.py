"""The one-hot baseline: every word its own dimension, every two distinct words orthogonal.

It knows nothing about meaning: similarity is 1 for a word with itself and 0 otherwise, so its
benchmark scores are the floor that every other representation must beat.
"""
import numpy as np
import scipy.sparse as sp

from ..corpora.vocabulary import Vocabulary, nonempty_vocabulary  # noqa: F401 (doctest)
from ..params import Int
from .methods import representations
from .sparse import SparseVectors


@representations.register("onehot", family="one-hot", corpus=True,
                          params={"min_count": Int(low=1), "max_vocab": Int(low=1, optional=True)})
def build_onehot(corpus, min_count: int = 5, max_vocab: int | None = None):
    """One sparse unit vector per vocabulary word: the baseline with no notion of similarity.

    Parameters
    ----------
    corpus : Corpus or Vocabulary
        Anything with ``.vocabulary(min_count=, max_vocab=)``, or a ready
        :class:`~wordrep.corpora.vocabulary.Vocabulary` (trimmed here).
    min_count : int
        Words seen fewer times are left out.
    max_vocab : int, optional
        Keep at most this many words, the most frequent.

    Returns
    -------
    SparseVectors
        Row ``i`` is the ``i``-th unit vector (an identity CSR matrix: ``V`` non-zeros).

    Examples
    --------
    >>> vocab = Vocabulary.from_counts({"the": 9, "cat": 5, "sat": 5, "mat": 1})
    >>> rep = build_onehot(vocab, min_count=2)
    >>> rep.vocabulary
    ['the', 'cat', 'sat']
    >>> rep.similarity([("cat", "cat"), ("cat", "sat"), ("cat", "mat")])
    array([ 1.,  0., nan])
    """
    vocabulary = nonempty_vocabulary(corpus, min_count, max_vocab)
    identity = sp.eye_array(len(vocabulary), dtype=np.float32, format="csr")
    return SparseVectors(vocabulary.words, identity, name="onehot", metadata={"method": "onehot"})
