"""Where text comes from: readers, tokenization, named corpora, and the token-id cache.

>>> from wordrep.corpora import open_corpus
>>> corpus = open_corpus("lee")              # a name, or any path
>>> corpus.name
'lee'
"""
from .corpus import Corpus
from .named import corpora
from .sources import Source
from .tokenize import Tokenizer
from .vocabulary import Vocabulary

__all__ = ["Corpus", "Source", "Tokenizer", "Vocabulary", "corpora", "open_corpus"]


def open_corpus(name_or_path, tokenizer=None, fetch_missing=True, progress=None):
    """A :class:`Corpus` from a registered name (``wordrep corpus list``) or a path.

    A name is looked up first; a path that happens to share a name can be given as ``./name``.
    """
    if isinstance(name_or_path, Corpus):
        return name_or_path
    key = str(name_or_path)
    if key in corpora:
        path = corpora.get(key).path(fetch_missing=fetch_missing, progress=progress)
        return Corpus(path, tokenizer, name=key)
    return Corpus(name_or_path, tokenizer)
