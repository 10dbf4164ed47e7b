"""Parameter declarations: what each value of a method may be, stated once.

A registered method declares every keyword parameter of its builder with one of these
(scikit-learn's ``_parameter_constraints`` is the model)::

    @representations.register("svd", family="distributional", corpus=True,
                              params={"dim": Int(low=1), "solver": Choice("krylov", "arpack")})
    def build_svd(corpus, dim=300, solver="krylov"): ...

The declaration is the one place that ``wordrep.build``, the ``train`` options, the run config
and ``tune``'s grids check against, before any work: a wrong type, a value out of range or a
misspelt name is one error naming the method, the parameter and what is allowed. Defaults stay
in the builder's signature (one place each). Checks between parameters (``min_n <= max_n``)
stay in the builders, which then never meet a value of the wrong type.

Examples
--------
>>> Int(low=1).check("svd", "dim", 300)
300
>>> Float(low=0, high=1).check("svd", "eig", 1)   # a whole number is a number
1.0
>>> Int(low=1).check("svd", "dim", True)   # doctest: +ELLIPSIS
Traceback (most recent call last):
...
wordrep.errors.UserError: svd: dim = True: expected a whole number >= 1. See `wordrep methods` ...
"""
import difflib
import numbers
from dataclasses import dataclass

from .errors import UserError


@dataclass(frozen=True)
class Param:
    """Base of the declarations: ``check`` returns the value as the builder takes it."""
    optional: bool = False  # None is allowed (it means "the builder's own choice")

    def check(self, method, name, value):
        if value is None and self.optional:
            return None
        if not self.accepts(value):
            raise UserError(f"{method}: {name} = {_shown(value)}: expected {self.describe()}."
                            + self.guess(value),
                            f"See `wordrep methods` or `wordrep train {method} --help`.")
        return self.convert(value)

    def accepts(self, value):
        raise NotImplementedError

    def guess(self, value):
        """`` Did you mean ...?`` for a misspelt name, else ``""``."""
        return ""

    def convert(self, value):
        return value

    def describe(self):
        """What is allowed, in words (for errors and --help)."""
        text = self._describe()
        return f"{text}, or none" if self.optional else text

    def _describe(self):
        raise NotImplementedError

    def parse(self, text):
        """A value from command-line text (``none`` for None where allowed); the result is then
        checked like any other value."""
        if self.optional and text.strip().lower() in ("none", "null", ""):
            return None
        return self._parse(text)

    def _parse(self, text):
        return text


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and value == value


@dataclass(frozen=True)
class _Range(Param):
    low: float | None = None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False

    def in_range(self, value):
        low_ok = self.low is None or (value > self.low if self.open_low else value >= self.low)
        high_ok = self.high is None or (value < self.high if self.open_high else
                                        value <= self.high)
        return low_ok and high_ok

    def bounds(self):
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.open_low else '>='} {self.low:g}")
        if self.high is not None:
            parts.append(f"{'<' if self.open_high else '<='} {self.high:g}")
        return " and ".join(parts)

    def _with_bounds(self, kind):
        bounds = self.bounds()
        return f"{kind} {bounds}" if bounds else kind


@dataclass(frozen=True)
class Int(_Range):
    """A whole number (not a bool, not 3.0)."""

    def accepts(self, value):
        return _is_int(value) and self.in_range(value)

    def convert(self, value):
        return int(value)

    def _describe(self):
        return self._with_bounds("a whole number")

    def _parse(self, text):
        try:
            return int(text)
        except ValueError:
            return text  # refused by check, with the message that says what is allowed


@dataclass(frozen=True)
class Float(_Range):
    """A real number (whole numbers welcome, NaN and bools not)."""

    def accepts(self, value):
        return _is_number(value) and self.in_range(value)

    def convert(self, value):
        return float(value)

    def _describe(self):
        return self._with_bounds("a number")

    def _parse(self, text):
        try:
            return float(text)
        except ValueError:
            return text


@dataclass(frozen=True, init=False)
class _Named(Param):
    """A declaration over a few names, given as arguments: ``Choice("a", "b")``."""
    choices: tuple = ()

    def __init__(self, *choices, optional=False):
        object.__setattr__(self, "choices", tuple(choices))
        object.__setattr__(self, "optional", optional)


@dataclass(frozen=True, init=False)
class Choice(_Named):
    """One of a few strings."""

    def accepts(self, value):
        return isinstance(value, str) and value in self.choices

    def guess(self, value):
        return _closest(value, self.choices)

    def _describe(self):
        return "one of " + ", ".join(repr(c) for c in self.choices)


@dataclass(frozen=True)
class Bool(Param):
    """true or false (not 0 or 1: ``window = true`` must not pass for 1, nor 1 for true)."""

    def accepts(self, value):
        return isinstance(value, bool)

    def _describe(self):
        return "true or false"

    def _parse(self, text):
        return {"true": True, "yes": True, "1": True,
                "false": False, "no": False, "0": False}.get(text.strip().lower(), text)


@dataclass(frozen=True)
class Text(Param):
    """Any non-empty string (a file name, a corpus name, a part-of-speech set)."""

    def accepts(self, value):
        return isinstance(value, str) and value != ""

    def _describe(self):
        return "a non-empty string"


@dataclass(frozen=True, init=False)
class Names(_Named):
    """A list of names, each one of ``choices`` (when given); a tuple for the builder."""

    def accepts(self, value):
        if isinstance(value, str) or not isinstance(value, (list, tuple)):
            return False
        return all(isinstance(v, str) and (not self.choices or v in self.choices) for v in value)

    def convert(self, value):
        return tuple(value)

    def guess(self, value):
        wrong = [v for v in value if v not in self.choices] if isinstance(value, (list, tuple)) \
            else [value]
        return _closest(wrong[0], self.choices) if wrong else ""

    def _describe(self):
        kind = ("a list of " + ", ".join(repr(c) for c in self.choices)) if self.choices \
            else "a list of strings"
        return kind

    def _parse(self, text):
        return [part.strip() for part in text.split(",") if part.strip()]


@dataclass(frozen=True, init=False)
class Weights(_Named):
    """Names with a number each: a table ``{hypernym = 1.0, hyponym = 0.5}`` in a config,
    ``hypernym=1,hyponym=0.5`` on the command line."""

    def accepts(self, value):
        return isinstance(value, dict) and all(
            isinstance(k, str) and (not self.choices or k in self.choices) and _is_number(v)
            and v >= 0 for k, v in value.items())

    def convert(self, value):
        return {k: float(v) for k, v in value.items()}

    def guess(self, value):
        wrong = [k for k in value if k not in self.choices] if isinstance(value, dict) else []
        return _closest(wrong[0], self.choices) if wrong else ""

    def _describe(self):
        names = (" of " + ", ".join(repr(c) for c in self.choices)) if self.choices else ""
        return f"weights >= 0 by name{names} (name=weight,name=weight)"

    def _parse(self, text):
        weights = {}
        for part in text.split(","):
            name, sep, number = part.partition("=")
            try:
                weights[name.strip()] = float(number) if sep else None
            except ValueError:
                return text
        return weights


@dataclass(frozen=True)
class Letters(Param):
    """Some of a few one-letter codes, as a string (``"nv"``) or a list, or ``"all"``: WordNet's
    parts of speech."""
    letters: str = ""

    def accepts(self, value):
        if value == "all":
            return True
        codes = value.replace(",", "") if isinstance(value, str) else value
        return isinstance(codes, (str, list, tuple)) and len(codes) > 0 and \
            all(isinstance(c, str) and c in self.letters for c in codes)

    def _describe(self):
        return f"some of the letters {self.letters!r} (e.g. {self.letters[:2]!r}), or 'all'"


@dataclass(frozen=True)
class Representation(Param):
    """Another representation this one builds on: in a run, the name of one listed before it;
    anywhere, a saved model's path or a representation object."""

    def accepts(self, value):
        return isinstance(value, str) and value != "" or hasattr(value, "similarity")

    def _describe(self):
        return "a representation: a model path, or the name of one listed earlier in the run"


@dataclass(frozen=True)
class Source(Param):
    """Where data comes from: a name or path (a non-empty string), or, from Python, an object
    that holds it (a corpus, a table)."""

    def accepts(self, value):
        return value != "" and not isinstance(value, (bool, int, float, list))

    def _describe(self):
        return "a name or path"


@dataclass(frozen=True)
class Object(Param):
    """A library-only value that a command line cannot spell (a WordNet reader, an
    information-content table); not offered as an option."""

    def accepts(self, value):
        return True

    def _describe(self):
        return "a Python object (library use only)"


def _closest(value, choices):
    if not isinstance(value, str) or not choices:
        return ""
    close = difflib.get_close_matches(value, choices, n=1)
    return f" Did you mean {close[0]!r} (not {value!r})?" if close else ""


def _shown(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
