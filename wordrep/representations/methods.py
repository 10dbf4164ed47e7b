"""The registry of representation builders, and :func:`build`, which every caller goes through.

Builders live in the modules beside this one and register themselves here on import; this
module imports none of them, so a builder may import it without an import circle (the package's
``__init__`` imports the builders, and re-exports what is here).
"""
import difflib

from ..version import __version__
from ..errors import UserError
from ..registry import MethodRegistry
from .base import now_utc

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
