"""Word representations, and the registry of the functions that build them.

Every builder takes a corpus first and keyword parameters after, and is registered by name::

    @representations.register("onehot")
    def build_onehot(corpus, min_count=5, max_vocab=None): ...

:func:`build` looks a builder up, checks the parameters against its signature and stamps the
result's metadata, so that every saved model says how it was made.

Examples
--------
>>> from wordrep.corpora.vocabulary import Vocabulary
>>> rep = build("onehot", Vocabulary.from_counts({"cat": 5, "dog": 5}), min_count=1)
>>> rep.metadata["method"], rep.metadata["parameters"]
('onehot', {'min_count': 1, 'max_vocab': None})
"""
import difflib
import inspect

from .. import __version__
from ..errors import UserError
from ..registry import Registry
from .base import Representation, UnknownWordError, VectorRepresentation, now_utc
from .sparse import SparseVectors

representations = Registry("representation")


def build(name, corpus, **params):
    """Build the representation registered as ``name`` from ``corpus`` with ``params``.

    Raises
    ------
    UserError
        For an unknown name, or a parameter the builder does not take (the message lists the
        ones it does).
    """
    entry = representations.get(name)
    check_params(entry, params)
    rep = entry.func(corpus, **params)
    rep.name = name
    rep.metadata.update(
        method=name,
        parameters={**entry.parameters, **params},
        corpus_fingerprint=getattr(corpus, "fingerprint", None),
        wordrep_version=__version__,
        created=now_utc(),
    )
    return rep


def check_params(entry, params):
    """Refuse parameters that ``entry``'s builder does not take, naming the allowed ones."""
    signature = inspect.signature(entry.func)
    if any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
        return  # the builder takes anything; it checks for itself
    allowed = list(signature.parameters)[1:]  # the first one is the corpus
    for param in params:
        if param not in allowed:
            close = difflib.get_close_matches(param, allowed, n=1)
            guess = f" Did you mean {close[0]!r}?" if close else ""
            raise UserError(f"{entry.name} has no parameter {param!r}.{guess}",
                            f"Allowed: {', '.join(allowed) or 'none'}.")


def __getattr__(name):
    # DenseVectors imports gensim (about a second): only when somebody asks for it.
    if name == "DenseVectors":
        from .dense import DenseVectors
        return DenseVectors
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Builders register themselves on import; they come last because they import `representations`.
from .onehot import build_onehot  # noqa: E402
from .count_based import build_ppmi, build_svd  # noqa: E402,F401
from .neural import build_cbow, build_fasttext, build_word2vec  # noqa: E402,F401
from .wordnet_features import build_wordnet_features  # noqa: E402,F401
from .wordnet_graph import build_wordnet_graph  # noqa: E402,F401
from .retrofit import build_retrofit  # noqa: E402,F401

__all__ = ["representations", "build", "check_params", "Representation", "VectorRepresentation",
           "SparseVectors", "DenseVectors", "UnknownWordError", "build_onehot"]
