"""Words of a benchmark -> the representation's own keys and rows, with or without case
folding (as gensim's ``case_insensitive``)."""
import numpy as np

from ..representations.base import VectorRepresentation


def fold(word):
    # upper() as gensim's case_insensitive does, so that the same words match.
    return word.upper()


def resolve(rep, words, fold_case=True, limit=None):
    """Each word as ``rep`` spells it (or None when unknown), and, for vector
    representations, its row (-1 when unknown).

    With ``fold_case``, a word matches the first vocabulary word with the same upper-case form.
    ``limit`` only considers the first ``limit`` rows of a vector representation.
    """
    words = list(words)
    if isinstance(rep, VectorRepresentation):
        vocab = rep.vocabulary
        n = len(vocab) if limit is None else min(limit, len(vocab))
        if fold_case:
            lookup = folded_index(rep, n)
            rows = np.fromiter((lookup.get(fold(w), -1) for w in words), np.intp, len(words))
        elif n == len(vocab):
            rows = rep._lookup(words)
        else:
            rows = rep._lookup(words)
            rows[rows >= n] = -1
        return [vocab[r] if r >= 0 else None for r in rows], rows
    keys = []
    for w in words:
        if w in rep:
            keys.append(w)
        elif fold_case and w.lower() in rep:
            keys.append(w.lower())
        else:
            keys.append(None)
    return keys, None


_FOLD_CACHE = {}


def folded_index(rep, n):
    """upper-case form -> first row with it, over the first ``n`` rows (cached per model)."""
    key = (id(rep), n, len(rep))
    cached = _FOLD_CACHE.get(key)
    if cached is not None and cached[0] is rep:
        return cached[1]
    vocab = rep.vocabulary
    # Reversed, so the first (most frequent) spelling overwrites the later ones.
    lookup = {fold(vocab[i]): i for i in range(n - 1, -1, -1)}
    _FOLD_CACHE.clear()  # one model at a time: a cache, not a leak
    _FOLD_CACHE[key] = (rep, lookup)
    return lookup
