"""One registration mechanism for everything wordrep can name: representations, corpora,
benchmarks.

A builder is a plain function; a decorator records it under a name, and the CLI, the pipeline
and the docs read the registry instead of keeping lists of their own::

    representations = Registry("representation")

    @representations.register("onehot")
    def build_onehot(corpus, min_count=5): ...
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
