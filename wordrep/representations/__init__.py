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
from .base import Representation, UnknownWordError, VectorRepresentation
from .methods import build, check_params, representations
from .sparse import SparseVectors

# Each builder registers itself in `representations` when its module is imported; this order
# (one-hot, distributional, WordNet-derived, hybrid, the measures) is that of `wordrep methods`.
from .onehot import build_onehot  # isort: skip
from .count_based import build_ppmi, build_svd  # noqa: F401  isort: skip
from .glove import build_glove  # noqa: F401  isort: skip
from .neural import build_cbow, build_fasttext, build_word2vec  # noqa: F401  isort: skip
from .wordnet_graph import build_wordnet_graph  # noqa: F401  isort: skip
from .wordnet_features import build_wordnet_features  # noqa: F401  isort: skip
from .retrofit import build_retrofit  # noqa: F401  isort: skip
from . import wordnet_measures  # noqa: F401  isort: skip  (wordnet:path ... wordnet:jcn)


def __getattr__(name):
    # DenseVectors imports gensim (about a second): only when somebody asks for it.
    if name == "DenseVectors":
        from .dense import DenseVectors
        return DenseVectors
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["representations", "build", "check_params", "Representation", "VectorRepresentation",
           "SparseVectors", "DenseVectors", "UnknownWordError", "build_onehot"]
