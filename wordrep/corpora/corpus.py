"""The Corpus type: a re-iterable stream of sentences with a fingerprint."""
import functools
import hashlib
import json

import numpy as np

from ..errors import UserError
from ..home import cache_dir
from . import token_ids
from .sources import Source
from .tokenize import Tokenizer
from .vocabulary import check_min_count

# Bump when reading or tokenizing changes what a source yields: old caches then go unused.
READER_VERSION = 1


class Corpus:
    """Sentences (lists of str tokens) from a source, tokenized one way.

    Iterating streams the sentences again each time, from the cached token-id arrays (built
    on first use in one pass over the text). Lines are sentences; a line longer than
    ``max_sentence`` tokens (text8 is one line) is cut into pieces of that length.

    Parameters
    ----------
    source : Source or path
    tokenizer : Tokenizer, optional
    name : str, optional
        What reports call it; the path by default.

    Examples
    --------
    >>> from wordrep.corpora import open_corpus
    >>> corpus = open_corpus("lee")
    >>> corpus.vocabulary(min_count=5).words[:3]
    ['the', 'to', 'of']
    """

    max_sentence = 10_000

    def __init__(self, source, tokenizer=None, name=None):
        self.source = source if isinstance(source, Source) else Source.from_path(source)
        self.tokenizer = tokenizer or Tokenizer()
        self.name = name or str(self.source.path)

    def __repr__(self):
        return f"Corpus({self.name!r}, {self.tokenizer})"

    @functools.cached_property
    def fingerprint(self):
        """Source checksum + tokenizer settings, hashed: what every result says it used."""
        key = {"source": self.source.checksum(), "tokenizer": self.tokenizer.settings(),
               "reader": READER_VERSION}
        return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:20]

    @property
    def cache_folder(self):
        return cache_dir("corpora") / self.fingerprint

    def token_ids(self, progress=None):
        """The corpus as token-id arrays (:class:`~wordrep.corpora.token_ids.TokenIds`)."""
        if getattr(self, "_token_ids", None) is None:
            self._token_ids = token_ids.load_or_build(self, progress)
        return self._token_ids

    def vocabulary(self, min_count=5, max_vocab=None):
        """Words with count >= ``min_count`` (at most ``max_vocab``), most frequent first."""
        check_min_count(min_count)
        return self.token_ids().vocabulary.trim(min_count, max_vocab)

    def __iter__(self):
        arrays = self.token_ids()
        words = np.array(arrays.vocabulary.words, dtype=object)
        starts, ends = arrays.sentences(self.max_sentence)
        step = 1 << 16  # sentences whose offsets become Python ints at a time
        for at in range(0, starts.size, step):
            for start, end in zip(starts[at:at + step].tolist(), ends[at:at + step].tolist()):
                yield words[arrays.ids[start:end]].tolist()

    def prefix(self, fraction):
        """The first ``fraction`` of the tokens as a corpus of its own (for learning curves)."""
        if not 0 < fraction <= 1:
            raise UserError(f"a corpus fraction must be in (0, 1], got {fraction!r}.",
                            "Use fractions such as 0.1,0.25,0.5,1.0.")
        if fraction == 1:
            return self
        return CorpusPrefix(self, int(round(fraction * self.token_ids().ids.size)))

    def statistics(self, min_count=5):
        """Tokens, types, types with count >= min_count, lines, fingerprint."""
        arrays = self.token_ids()
        vocab = arrays.vocabulary
        return {"corpus": self.name, "source": str(self.source.path), "kind": self.source.kind,
                "tokens": int(arrays.ids.size), "types": len(vocab),
                f"types_min_count_{min_count}": len(vocab.trim(min_count)),
                "sentences": int(arrays.lines.size),
                "replaced_bytes": arrays.info.get("replaced_bytes", 0),
                "fingerprint": self.fingerprint, "tokenizer": self.tokenizer.settings()}


class CorpusPrefix(Corpus):
    """The first ``n_tokens`` tokens of a corpus: a corpus with a fingerprint of its own."""

    def __init__(self, parent, n_tokens):
        super().__init__(parent.source, parent.tokenizer, f"{parent.name}[:{n_tokens:,}]")
        self.parent, self.n_tokens = parent, n_tokens

    @functools.cached_property
    def fingerprint(self):
        return f"{self.parent.fingerprint}-{self.n_tokens}"

    def token_ids(self, progress=None):
        if getattr(self, "_token_ids", None) is None:
            self._token_ids = self.parent.token_ids(progress).prefix(self.n_tokens)
        return self._token_ids
