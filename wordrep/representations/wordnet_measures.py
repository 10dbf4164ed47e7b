"""The six classic WordNet similarity measures as Representations without vectors.

``path``, ``wup`` (Wu & Palmer 1994), ``lch`` (Leacock & Chodorow 1998), ``res`` (Resnik 1995),
``lin`` (Lin 1998) and ``jcn`` (Jiang & Conrath 1997) score two *synsets*; a word pair scores
an aggregate over the pairs of their synsets: the maximum (default, the usual choice in the
literature), the mean, or the first senses only (WordNet lists the most frequent sense first).

The scores equal NLTK's ``Synset.path_similarity``... (same definitions, same simulated root for
verbs, same information content formula), but they are computed from per-synset tables that
are built once and cached: each synset's ancestors with their shortest distance, its depths and
its information content. NLTK recomputes the hypernym paths for every call, which makes a
3,000-pair benchmark (about 150,000 synset pairs) take a minute; here it takes about a second.

Part-of-speech mismatches, and other synset pairs a measure cannot compare
--------------------------------------------------------------------------
``path`` and ``wup`` compare any two synsets: like NLTK, they put a simulated root above the
verb (and adjective, adverb) hierarchies, so a noun and a verb are far apart but connected.
``lch``, ``res``, ``lin`` and ``jcn`` only compare synsets of the same part of speech (their
depth or information content is per hierarchy); other synset pairs are skipped. When a word
pair has *no* comparable synset pair (e.g. ``lch`` on a noun and an adjective), it scores the
measure's floor, 0, by default (``incomparable="floor"``: both words are known, and WordNet
relates them in no way the measure sees), or NaN with ``incomparable="nan"`` (then it counts as
out of coverage). A word WordNet does not know always scores NaN, never 0.

Information content
-------------------
``res``, ``lin`` and ``jcn`` need synset frequencies: NLTK's ``ic()`` computed over a corpus
(every word's count split evenly over its synsets and added to their hypernyms, add-one
smoothed), or a file of NLTK's ``wordnet_ic`` package (``"ic-brown.dat"``...). See :func:`ic`
(in :mod:`~wordrep.representations.wordnet_tables`, with the per-synset tables).

Examples
--------
>>> path = measure("wordnet:path")
>>> path.similarity([("dog", "cat"), ("dog", "xyzzy")])
array([0.2, nan])
"""
import difflib
import math

import numpy as np

from ..errors import UserError
from ..params import Choice, Letters, Object, Source
from .methods import representations
from .base import Representation
from .wordnet_index import POS_NAMES, check_pos
from .wordnet_tables import (INF, file_pos, ic, ic_label, information_content, synset_ic,
                             tables)

MEASURES = {
    "path": "path similarity: 1 / (1 + shortest hypernym path length)",
    "wup": "Wu-Palmer: 2 depth(lcs) / (depth(s1) + depth(s2))",
    "lch": "Leacock-Chodorow: -log(path length / (2 x taxonomy depth))",
    "res": "Resnik: information content of the most informative common subsumer",
    "lin": "Lin: 2 IC(lcs) / (IC(s1) + IC(s2))",
    "jcn": "Jiang-Conrath: 1 / (IC(s1) + IC(s2) - 2 IC(lcs))",
}
ALIASES = {"wu-palmer": "wup", "wupalmer": "wup", "leacock-chodorow": "lch", "resnik": "res",
           "jiang-conrath": "jcn", "shortest-path": "path"}
IC_MEASURES = ("res", "lin", "jcn")
AGGREGATES = ("max", "mean", "first")
PREFIX = "wordnet:"
_ROOT = "*ROOT*"


def measure(name, **options):
    """The WordNet measure ``name`` (``"wordnet:path"``, ``"path"``, ``"wordnet:wup"``...).

    This is how the rest of wordrep (evaluation, the command line) turns a name into a
    representation.

    Parameters
    ----------
    name : str
        One of ``path``, ``wup``, ``lch``, ``res``, ``lin``, ``jcn``, optionally prefixed by
        ``wordnet:``; ``wordnet:res:ic-brown.dat`` style suffixes are not parsed, pass
        ``ic=`` instead.
    **options
        Passed to :class:`WordNetMeasure` (``aggregate``, ``pos``, ``incomparable``, ``ic``).

    Raises
    ------
    UserError
        An unknown measure name (the message lists the known ones), or an option its
        declaration does not allow.
    """
    from .methods import build
    return build(PREFIX + measure_name(name), None, **options)


resolve = measure


def is_measure_name(name):
    """Whether ``name`` names a WordNet measure (``wordnet:path``...), without raising."""
    return isinstance(name, str) and name.lower().startswith(PREFIX)


def measure_name(name):
    """The short name (``"path"``...) of ``name``; UserError listing the known ones."""
    key = str(name).strip().lower()
    if key.startswith(PREFIX):
        key = key[len(PREFIX):]
    key = ALIASES.get(key, key)
    if key not in MEASURES:
        close = difflib.get_close_matches(key, list(MEASURES), n=1)
        guess = f" Did you mean {PREFIX}{close[0]}?" if close else ""
        raise UserError(f"unknown WordNet measure {name!r}.{guess}",
                        "Known: " + ", ".join(PREFIX + m for m in MEASURES) + ".")
    return key


class WordNetMeasure(Representation):
    """A WordNet similarity measure, scoring word pairs through their synsets.

    Parameters
    ----------
    measure : {"path", "wup", "lch", "res", "lin", "jcn"}
    aggregate : {"max", "mean", "first"}
        How a word pair's score comes from its synset pairs: the best pair, the mean over the
        comparable pairs, or the first (most frequent) sense of each word.
    pos : str, optional
        Only synsets of these parts of speech (``"n"``, ``"nv"``...); all by default.
    incomparable : {"floor", "nan"}
        The score of two known words none of whose synset pairs the measure can compare
        (see the module notes): 0, or NaN (out of coverage).
    ic : dict, str, Corpus or Vocabulary, optional
        Information content for ``res``, ``lin``, ``jcn``: see :func:`ic`. By default NLTK's
        ``ic()`` over the ``enwiki-sample`` corpus (the embedded default corpus).
    wordnet : WordNetCorpusReader, optional
        The located WordNet (:func:`wordrep.wordnet.load`) by default.

    Examples
    --------
    >>> wup = WordNetMeasure("wup")
    >>> wup.similarity([("car", "automobile"), ("car", "banana")]).round(3)
    array([1.   , 0.421])
    """

    def __init__(self, measure="path", aggregate="max", pos=None, incomparable="floor",
                 ic=None, wordnet=None, name=None, metadata=None):
        measure = measure_name(measure)
        if aggregate not in AGGREGATES:
            raise UserError(f"unknown aggregate {aggregate!r} for WordNet measures.",
                            f"Use one of: {', '.join(AGGREGATES)}.")
        if incomparable not in ("floor", "nan"):
            raise UserError(f"incomparable must be 'floor' or 'nan', got {incomparable!r}.",
                            "'floor' scores 0, 'nan' leaves the pair out of coverage.")
        self.measure = measure
        self.aggregate = aggregate
        self.pos = None if pos in (None, "all") else check_pos(pos)
        self.incomparable = incomparable
        super().__init__(name or PREFIX + measure, metadata)
        self.metadata.setdefault("method", PREFIX + measure)
        self.metadata.setdefault("parameters", {"aggregate": aggregate, "pos": pos,
                                                "incomparable": incomparable})
        if wordnet is None:
            from .. import wordnet as wordnet_data
            wordnet = wordnet_data.load()
        self.wn = wordnet
        self._tables = tables(wordnet)
        self._ic = None
        if measure in IC_MEASURES:
            self._ic = ic if isinstance(ic, dict) else information_content(ic, wordnet)
            self.metadata["parameters"]["ic"] = ic_label(ic)
        self._synsets = {}
        self._pairs = {}
        self._vocabulary = None

    # ---- Representation -----------------------------------------------------------------

    @property
    def vocabulary(self):
        """Every WordNet lemma (of the chosen parts of speech), lower-cased, with ``_``."""
        if self._vocabulary is None:
            pos_list = self.pos or (None,)
            self._vocabulary = sorted({lemma for p in pos_list
                                       for lemma in self.wn.all_lemma_names(pos=p)})
        return self._vocabulary

    def __contains__(self, word):
        return bool(self.synsets(word))

    def synsets(self, word):
        """The synsets of ``word`` (NLTK's lookup: morphy, so ``dogs`` finds ``dog``), cached.

        Spaces in multiword expressions become ``_``, as in WordNet's lemmas.
        """
        found = self._synsets.get(word)
        if found is None:
            if not isinstance(word, str) or not word.strip():
                return ()
            key = "_".join(word.strip().split())
            found = tuple(s for s in self.wn.synsets(key)
                          if self.pos is None or file_pos(s) in self.pos)
            self._synsets[word] = found
        return found

    def similarity(self, pairs):
        """The measure for each ``(word1, word2)``; NaN where WordNet does not know a word."""
        pairs = list(pairs)
        out = np.full(len(pairs), np.nan)
        for k, (a, b) in enumerate(pairs):
            out[k] = self.word_similarity(a, b)
        return out

    def word_similarity(self, word1, word2):
        """The measure of one word pair, aggregated over synset pairs; NaN if a word is unknown."""
        first, second = self.synsets(word1), self.synsets(word2)
        if not first or not second:
            return np.nan
        if self.aggregate == "first":
            first, second = first[:1], second[:1]
        scores = [score for s in first for t in second
                  if (score := self.synset_similarity(s, t)) is not None]
        if not scores:
            return 0.0 if self.incomparable == "floor" else np.nan
        return float(max(scores) if self.aggregate != "mean" else np.mean(scores))

    # ---- synset pairs -------------------------------------------------------------------

    def synset_similarity(self, s, t):
        """The measure of two NLTK synsets (as NLTK computes it), or None if incomparable."""
        key = (s._name, t._name)
        if key not in self._pairs:
            self._pairs[key] = getattr(self, "_" + self.measure)(s, t)
        return self._pairs[key]

    def _path(self, s, t):
        distance = self._tables.distance(s, t, _needs_root(s) or _needs_root(t))
        return None if distance is None else 1.0 / (distance + 1)

    def _lch(self, s, t):
        if s._pos != t._pos:
            return None
        need_root = _needs_root(s)
        depth = self._tables.taxonomy_depth(s._pos, need_root)
        distance = self._tables.distance(s, t, need_root)
        if distance is None or depth == 0:
            return None
        return -math.log((distance + 1) / (2.0 * depth))

    def _wup(self, s, t):
        tables = self._tables
        need_root = _needs_root(s) or _needs_root(t)
        common = tables.common(s, t)
        # The lowest common subsumer by NLTK's rule: the deepest (by minimum depth) common
        # hypernym, ties broken by name, the simulated root (depth 0) counted when needed.
        candidates = [(tables.min_depth(c), c._name, c) for c in common]
        if need_root:
            candidates.append((0, _ROOT, None))
        if not candidates:
            return None
        deepest = max(c[0] for c in candidates)
        tied = sorted((c for c in candidates if c[0] == deepest), key=lambda c: c[1])
        subsumer = s if any(c[1] == s._name for c in tied) else tied[0][2]
        if subsumer is None:  # the simulated root
            depth = 1
            len1 = tables.ancestors(s)[1] + 1
            len2 = tables.ancestors(t)[1] + 1
        else:
            depth = tables.max_depth(subsumer) + 1
            len1 = tables.distance(s, subsumer, need_root)
            len2 = tables.distance(t, subsumer, need_root)
            if len1 is None or len2 is None:
                return None
        return (2.0 * depth) / (len1 + len2 + 2 * depth)

    def _ic_triple(self, s, t):
        if s._pos != t._pos:
            return None
        ic1, ic2 = synset_ic(s, self._ic), synset_ic(t, self._ic)
        common = self._tables.common(s, t)
        lcs = max((synset_ic(c, self._ic) for c in common), default=0)
        return ic1, ic2, lcs

    def _res(self, s, t):
        triple = self._ic_triple(s, t)
        return None if triple is None else triple[2]

    def _lin(self, s, t):
        triple = self._ic_triple(s, t)
        if triple is None:
            return None
        ic1, ic2, lcs = triple
        return (2.0 * lcs) / (ic1 + ic2)

    def _jcn(self, s, t):
        triple = self._ic_triple(s, t)
        if triple is None:
            return None
        ic1, ic2, lcs = triple
        if s == t:
            return INF
        difference = ic1 + ic2 - 2 * lcs
        if difference == 0:
            return INF
        if ic1 == 0 or ic2 == 0:
            return 0.0
        return 1.0 / difference


def _needs_root(synset):
    # NLTK's rule for WordNet 3: only nouns have a single real root (entity.n.01).
    return synset._pos != "n"


__all__ = ["measure", "resolve", "is_measure_name", "measure_name", "WordNetMeasure",
           "information_content", "ic", "MEASURES", "POS_NAMES"]


# -- registration: each measure is a method like the others, in the WordNet-derived family ------

_OPTIONS = {"aggregate": Choice(*AGGREGATES), "incomparable": Choice("floor", "nan"),
            "pos": Letters(letters="".join(POS_NAMES), optional=True),
            "wordnet": Object(optional=True)}


def _register(short):
    if short in IC_MEASURES:
        def build(corpus=None, aggregate="max", pos=None, incomparable="floor", ic=None,
                  wordnet=None):
            return WordNetMeasure(short, aggregate, pos, incomparable, ic, wordnet)
        params = {**_OPTIONS, "ic": Source(optional=True)}
    else:
        def build(corpus=None, aggregate="max", pos=None, incomparable="floor", wordnet=None):
            return WordNetMeasure(short, aggregate, pos, incomparable, None, wordnet)
        params = _OPTIONS
    build.__doc__ = f"WordNet {MEASURES[short]} (a measure: scores word pairs, has no vectors)."
    representations.register(PREFIX + short, family="WordNet-derived", corpus=False,
                             params=params, kind="measure")(build)


for _short in MEASURES:
    _register(_short)
