"""Word representations, and the registry of the functions that build them.

Every builder takes a corpus first and keyword parameters after, and is registered by name
with a declaration of its method (family, whether it needs a corpus, each parameter's allowed
values; see :mod:`wordrep.params`)::

    @representations.register("onehot", family="one-hot", corpus=True,
                              params={"min_count": Int(low=1), "max_vocab": Int(low=1, optional=True)})
    def build_onehot(corpus, min_count=5, max_vocab=None): ...

:func:`build` looks a builder up, checks the parameters against its declaration before any
work and stamps the result's metadata, so that every saved model says how it was made.

Examples
--------
>>> from wordrep.corpora.vocabulary import Vocabulary
>>> rep = build("onehot", Vocabulary.from_counts({"cat": 5, "dog": 5}), min_count=1)
>>> rep.metadata["method"], rep.metadata["parameters"]
('onehot', {'min_count': 1, 'max_vocab': None})
"""
import difflib

from .. import __version__
from ..errors import UserError
from ..registry import MethodRegistry
from .base import Representation, UnknownWordError, VectorRepresentation, now_utc
from .sparse import SparseVectors

representations = MethodRegistry("representation")


def build(name, corpus, **params):
    """Build the representation registered as ``name`` from ``corpus`` with ``params``.

    Raises
    ------
    UserError
        For an unknown name, a parameter the method does not take (the message lists the ones
        it does), a value its declaration does not allow, or a missing corpus.
    """
    entry = representations.get(name)
    params = check_params(entry, params)
    if entry.needs_corpus and corpus is None:
        raise UserError(f"{name} trains on a corpus, and none was given.",
                        "Give a corpus: a name from `wordrep corpus list`, or a path.")
    rep = entry.func(corpus, **params)
    rep.name = name
    rep.metadata.update(
        method=name,
        parameters={**entry.parameters, **params, **rep.metadata.get("parameters", {})},
        corpus_fingerprint=getattr(corpus, "fingerprint", None),
        wordrep_version=__version__,
        created=now_utc(),
    )
    return rep


def check_params(entry, params):
    """``params`` checked against ``entry``'s declaration, as the builder takes them (a whole
    number where a float is declared becomes a float, a list of names a tuple).

    Raises
    ------
    UserError
        A name the method does not take (with the closest allowed one), or a value of the wrong
        type or out of range (naming the method, the parameter and what is allowed).
    """
    checked = {}
    for name, value in params.items():
        if name not in entry.params:
            allowed = list(entry.params)
            close = difflib.get_close_matches(name, allowed, n=1)
            guess = f" Did you mean {close[0]!r}?" if close else ""
            raise UserError(f"{entry.name} has no parameter {name!r}.{guess}",
                            f"Allowed: {', '.join(allowed) or 'none'}.")
        checked[name] = entry.params[name].check(entry.name, name, value)
    return checked


def __getattr__(name):
    # DenseVectors imports gensim (about a second): only when somebody asks for it.
    if name == "DenseVectors":
        from .dense import DenseVectors
        return DenseVectors
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Builders register themselves on import; they come last because they import `representations`.
from .onehot import build_onehot  # noqa: E402
from .count_based import build_ppmi, build_svd  # noqa: E402,F401
from .glove import build_glove  # noqa: E402,F401
from .neural import build_cbow, build_fasttext, build_word2vec  # noqa: E402,F401
from .wordnet_features import build_wordnet_features  # noqa: E402,F401
from .wordnet_graph import build_wordnet_graph  # noqa: E402,F401
from .retrofit import build_retrofit  # noqa: E402,F401
from . import wordnet_measures  # noqa: E402,F401  (registers wordnet:path ... wordnet:jcn)

__all__ = ["representations", "build", "check_params", "Representation", "VectorRepresentation",
           "SparseVectors", "DenseVectors", "UnknownWordError", "build_onehot"]
