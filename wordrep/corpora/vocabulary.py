"""The vocabulary of a corpus: words with their counts, in a deterministic order.

Order is frequency descending, then the word itself, so that the same corpus always gives the
same ids and "the N most frequent words" is simply the first N ids.
"""
import json
from pathlib import Path

import numpy as np

from ..errors import UserError


class Vocabulary:
    """Words and their corpus counts, most frequent first.

    Parameters
    ----------
    words : sequence of str
        Already in vocabulary order (see :meth:`from_counts` to sort).
    counts : array of int
        The count of each word, same length as ``words``.

    Examples
    --------
    >>> v = Vocabulary.from_counts({"the": 3, "cat": 1, "a": 3})
    >>> v.words, v["the"], "dog" in v
    (['a', 'the', 'cat'], 1, False)
    """

    def __init__(self, words, counts):
        self.words = list(words)
        self.counts = np.asarray(counts, dtype=np.int64)
        if len(self.words) != len(self.counts):
            raise ValueError("words and counts differ in length")
        self._index = None

    @classmethod
    def from_counts(cls, counts):
        """Build from a mapping word -> count, ordered by count descending, then word."""
        items = sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))
        return cls([w for w, _ in items], [c for _, c in items])

    @property
    def index(self):
        """word -> id, built on first use."""
        if self._index is None:
            self._index = {w: i for i, w in enumerate(self.words)}
        return self._index

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.index

    def __getitem__(self, word):
        return self.index[word]

    def __iter__(self):
        return iter(self.words)

    @property
    def total(self):
        """Number of tokens the counts cover."""
        return int(self.counts.sum())

    def trim(self, min_count=1, max_vocab=None):
        """The words with count >= ``min_count``, at most ``max_vocab`` of them (most frequent).

        Because the order is by frequency, the result is a prefix: ids stay the same.
        """
        check_min_count(min_count)
        if max_vocab is not None and max_vocab < 1:
            raise UserError(f"max_vocab must be a positive number of words, got {max_vocab}.",
                            "Use --max-vocab 1 or more, or leave it out for no limit.")
        n = int(np.searchsorted(-self.counts, -min_count, side="right"))
        if max_vocab is not None:
            n = min(n, max_vocab)
        return Vocabulary(self.words[:n], self.counts[:n])

    def save(self, path):
        """Write as JSON (words and counts); pickle-free."""
        Path(path).write_text(json.dumps({"words": self.words, "counts": self.counts.tolist()}),
                              encoding="utf-8")

    @classmethod
    def load(cls, path):
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(data["words"], data["counts"])


def check_min_count(min_count):
    if not isinstance(min_count, (int, np.integer)) or min_count < 1:
        raise UserError(f"min_count must be a whole number >= 1, got {min_count!r}.",
                        "Use --min-count 1 to keep every word.")


def nonempty_vocabulary(source, min_count=5, max_vocab=None):
    """The words of ``source`` (a corpus, or a Vocabulary to trim) that a model will use.

    An empty result is the user's error (min_count too high for the corpus), reported here
    once for every builder.
    """
    check_min_count(min_count)
    if isinstance(source, Vocabulary):
        vocab = source.trim(min_count=min_count, max_vocab=max_vocab)
    else:
        vocab = source.vocabulary(min_count=min_count, max_vocab=max_vocab)
    if len(vocab) == 0:
        name = getattr(source, "name", "the corpus")
        raise UserError(f"no word of {name} occurs at least {min_count} times, so the "
                        "vocabulary is empty.", "Use a lower --min-count or a larger corpus.")
    return vocab
