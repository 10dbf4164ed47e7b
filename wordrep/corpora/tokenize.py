"""Turning text into tokens.

The default keeps runs of letters and digits (any script: Python's Unicode-aware ``\\w``,
less the underscore), lowercased, with inner apostrophes kept ("don't") and inner hyphens
optional ("well-known"). ``pretokenized`` splits on whitespace and changes nothing else.

The tokenizer works on large blocks of text at once: a line break in the text comes out as
the token ``"\\n"`` so that the caller can find sentence (line) boundaries without a Python
loop over lines.
"""
import re
from dataclasses import asdict, dataclass

NEWLINE = "\n"
_LETTERS = r"[^\W_]+"


@dataclass(frozen=True)
class Tokenizer:
    """How text becomes tokens; part of every corpus fingerprint.

    Parameters
    ----------
    lowercase : bool
        Fold case (``str.lower``, Unicode-aware).
    apostrophes : bool
        Keep apostrophes between letters as part of the word ("don't", "o'clock").
        Typographic apostrophes (’) count as apostrophes.
    hyphens : bool
        Keep hyphens between letters as part of the word ("well-known").
    pretokenized : bool
        The input is already tokenized: split on whitespace only.

    Examples
    --------
    >>> Tokenizer().tokens("Don't panic: 42 well-known Éclairs")
    ["don't", 'panic', '42', 'well', 'known', 'éclairs']
    >>> Tokenizer(hyphens=True, lowercase=False).tokens("A well-known case")
    ['A', 'well-known', 'case']
    """

    lowercase: bool = True
    apostrophes: bool = True
    hyphens: bool = False
    pretokenized: bool = False

    def settings(self):
        return asdict(self)

    @property
    def _pattern(self):
        pattern = _PATTERNS.get(self)
        if pattern is None:
            if self.pretokenized:
                regex = r"[^\s]+|\n"
            else:
                joiners = ("'" if self.apostrophes else "") + ("\\-" if self.hyphens else "")
                inner = f"(?:[{joiners}]{_LETTERS})*" if joiners else ""
                regex = f"{_LETTERS}{inner}|\\n"
            pattern = _PATTERNS[self] = re.compile(regex)
        return pattern

    def tokens_with_newlines(self, text):
        """Tokens of ``text`` with a ``"\\n"`` token at every line break."""
        if self.lowercase:
            text = text.lower()
        if self.apostrophes and not self.pretokenized and "’" in text:
            text = text.replace("’", "'")
        if _ALREADY_CLEAN.search(text) is None:
            return _split_lines(text)  # nothing but a-z, 0-9 and spaces: str.split is enough
        return self._pattern.findall(text)

    def tokens(self, text):
        """Tokens of ``text``, line breaks ignored."""
        return [t for t in self.tokens_with_newlines(text) if t != NEWLINE]

    def __call__(self, text, *_ignored):
        # gensim's WikiCorpus calls tokenizer_func(text, token_min_len, token_max_len, lower)
        return self.tokens(text)


_PATTERNS = {}
# Text that is already tokenized in the default way (text8, wiki17m): lowercase ASCII letters,
# digits and spaces only. Every tokenizer setting splits it exactly where str.split does, which
# is several times faster than the regular expression.
_ALREADY_CLEAN = re.compile(r"[^a-z0-9 \n]")


def _split_lines(text):
    """``str.split`` tokens with a NEWLINE token at every line break."""
    if NEWLINE not in text:
        return text.split()
    tokens = []
    for line in text.split(NEWLINE):
        tokens.extend(line.split())
        tokens.append(NEWLINE)
    tokens.pop()
    return tokens
