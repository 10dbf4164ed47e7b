"""Word -> row lookup for a large saved vocabulary, without a Python dict.

Building gensim's ``key_to_index`` dict for 1M words takes about half a second (most of the
time it took to open a 1M x 300 model) and some 60 MB in every process that opens it. A dense
model saved by wordrep keeps ``word_order.npy``, its rows in sorted word order, so that a loaded
model finds words by binary search (``np.searchsorted``, many words in one call) and builds the
dict only if gensim's own API asks for it (:func:`index_on_demand`).
"""
import numpy as np


def sorted_order(words):
    """The rows of ``words`` in sorted order (Python's string order), as ``word_order.npy``."""
    return np.argsort(_objects(words), kind="stable").astype(np.int64)


def _objects(words):
    return np.fromiter(words, dtype=object, count=len(words))


class WordIndex:
    """A read-only ``word -> row`` mapping over a word list and its sorted order.

    Parameters
    ----------
    words : list of str
        The vocabulary, in row order.
    order : array of int
        ``sorted_order(words)``. Checked: it must sort the words strictly (so no word appears
        twice), else ValueError.

    Examples
    --------
    >>> index = WordIndex(["dog", "cat", "emu"], sorted_order(["dog", "cat", "emu"]))
    >>> index["emu"], index.get("yak", -1), "cat" in index
    (2, -1, True)
    >>> index.rows(["cat", "yak", "dog"])
    array([ 1, -1,  0])
    """

    def __init__(self, words, order):
        order = np.asarray(order)
        if order.shape != (len(words),) or order.dtype.kind not in "iu" or (
                len(order) and (order.min() < 0 or order.max() >= len(words))):
            raise ValueError(f"word_order.npy (shape {order.shape}, dtype {order.dtype}) is not "
                             f"an order of the {len(words)} words")
        ordered = _objects(words)[order]
        # Strictly increasing: the order is right, and every word is there once.
        if not (ordered[1:] > ordered[:-1]).all():
            raise ValueError("word_order.npy does not sort the words, or a word appears twice")
        self._sorted, self._order = ordered, order

    def __len__(self):
        return len(self._order)

    def rows(self, words):
        """The row of each of ``words``, -1 for an unknown one (or one that is not a str)."""
        words = list(words)
        out = np.full(len(words), -1, dtype=np.intp)
        if not words or not len(self._order):
            return out
        queries = _objects(words)
        try:
            at = np.searchsorted(self._sorted, queries)
        except TypeError:  # a query that is not a str cannot be compared: it is no word
            keep = np.flatnonzero([isinstance(w, str) for w in words])
            out[keep] = self.rows([words[i] for i in keep])
            return out
        at = np.minimum(at, len(self._order) - 1)
        found = (self._sorted[at] == queries).astype(bool)
        out[found] = self._order[at[found]]
        return out

    def get(self, word, default=None):
        row = self.rows([word])[0]
        return default if row < 0 else int(row)

    def __getitem__(self, word):
        row = self.get(word, -1)
        if row < 0:
            raise KeyError(word)
        return row

    def __contains__(self, word):
        return self.get(word, -1) >= 0


class _IndexOnDemand:
    """gensim's ``key_to_index`` dict, built from ``index_to_key`` when first used."""

    @property
    def key_to_index(self):
        index = self.__dict__.get("key_to_index")
        if index is None:
            words = self.index_to_key
            index = self.__dict__["key_to_index"] = dict(zip(words, range(len(words))))
        return index

    @key_to_index.setter
    def key_to_index(self, value):
        self.__dict__["key_to_index"] = value

    def __reduce_ex__(self, protocol):
        # Pickled (kv.save(), copy) as the plain gensim class with its dict: a file that gensim
        # reads without wordrep. (copyreg.__newobj__ insists on the object's own class.)
        self.key_to_index
        state = self.__getstate__() if hasattr(self, "__getstate__") else self.__dict__
        return object.__new__, (type(self).__bases__[1],), state


_ON_DEMAND = {}


def index_on_demand(kv):
    """Let ``kv`` (a gensim KeyedVectors or subclass) build its ``key_to_index`` dict only when
    gensim's API first uses it; ``kv`` is changed in place and returned."""
    base = type(kv)
    if base not in _ON_DEMAND:
        _ON_DEMAND[base] = type(base.__name__, (_IndexOnDemand, base),
                                {"__module__": base.__module__,
                                 "__qualname__": base.__qualname__})
    kv.__class__ = _ON_DEMAND[base]
    kv.__dict__["key_to_index"] = None
    return kv
