"""One registration mechanism for everything wordrep can name: representations, corpora,
benchmarks.

A builder is a plain function; a decorator records it under a name, and the CLI, the pipeline
and the docs read the registry instead of keeping lists of their own::

    representations = Registry("representation")

    @representations.register("onehot")
    def build_onehot(corpus, min_count=5): ...

Methods (the builders of representations) register more: their family, whether they need a
corpus, and a declaration of every parameter (:mod:`wordrep.params`), checked against the
builder's signature when the module loads, so that the two cannot drift apart.
"""
import inspect
from dataclasses import dataclass, field

from .errors import UserError


@dataclass(frozen=True)
class Entry:
    name: str
    func: object
    info: dict = field(default_factory=dict)

    @property
    def summary(self):
        """The first line of the function's docstring."""
        doc = inspect.getdoc(self.func) or ""
        return doc.splitlines()[0] if doc else ""

    @property
    def parameters(self):
        """Keyword parameters with their defaults, in declaration order."""
        sig = inspect.signature(self.func)
        return {n: p.default for n, p in sig.parameters.items()
                if p.default is not inspect.Parameter.empty}


class Registry:
    """Named functions of one kind, registered by decorator."""

    def __init__(self, kind):
        self.kind = kind
        self._entries = {}

    def register(self, name, **info):
        def decorate(func):
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._entries[name] = Entry(name, func, info)
            return func
        return decorate

    def get(self, name):
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(sorted(self._entries)) or "none"
            raise UserError(f"unknown {self.kind} {name!r}.", f"Known: {known}.") from None

    def __contains__(self, name):
        return name in self._entries

    def __iter__(self):
        return iter(self._entries.values())

    def names(self):
        return list(self._entries)


FAMILIES = ("one-hot", "WordNet-derived", "distributional", "hybrid")


@dataclass(frozen=True)
class Method(Entry):
    """A registered builder of representations, with its declaration.

    ``params`` maps each keyword parameter to its :class:`wordrep.params.Param`;
    ``needs_corpus`` says whether it trains on text; ``kind`` is ``"vectors"`` (a model that
    can be saved) or ``"measure"`` (a WordNet measure: scores, no vectors).
    """
    family: str = ""
    needs_corpus: bool = True
    params: dict = field(default_factory=dict)
    kind: str = "vectors"

    @property
    def parameters(self):
        """The keyword parameters with their defaults (the first, the corpus, is not one)."""
        params = list(inspect.signature(self.func).parameters.values())[1:]
        return {p.name: p.default for p in params}

    def __post_init__(self):
        if self.family not in FAMILIES:
            raise ValueError(f"{self.name}: family {self.family!r} is not one of {FAMILIES}")
        declared, taken = set(self.params), set(self.parameters)
        if declared != taken:
            raise ValueError(f"{self.name}: parameters declared {sorted(declared - taken)} "
                             f"but not taken, taken {sorted(taken - declared)} but not declared")
        for name, default in self.parameters.items():
            # a default must be what the declaration makes of a value (1.0, not 1, for a
            # number), or the same model gets two cache keys: one from a default, one given
            declared = self.params[name]
            if default is not None and declared.accepts(default) and \
                    type(declared.convert(default)) is not type(default):
                raise ValueError(f"{self.name}: the default {name}={default!r} is not as its "
                                 "declaration gives values")

    @property
    def parents(self):
        """The parameters that name another representation this one builds on."""
        from .params import Representation
        return tuple(n for n, p in self.params.items() if isinstance(p, Representation))


class MethodRegistry(Registry):
    """The registry of representation builders: each registration declares its method."""

    def register(self, name, *, family, corpus, params, kind="vectors", **info):
        def decorate(func):
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._entries[name] = Method(name, func, info, family=family, needs_corpus=corpus,
                                         params=dict(params), kind=kind)
            return func
        return decorate
