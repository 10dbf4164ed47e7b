"""The per-synset tables the WordNet measures read, built once per WordNet and cached.

Each synset's ancestors with their shortest distance, its depths, the deepest hypernym chain of
each part of speech (:class:`Tables`), and synset frequencies, the information content that
``res``, ``lin`` and ``jcn`` need (:func:`information_content`). The numbers are NLTK's; only
the way to them is faster (see :mod:`wordrep.representations.wordnet_measures`).
"""
import math

from ..errors import UserError

DEFAULT_IC_CORPUS = "enwiki-sample"
# NLTK's stand-in for an infinite similarity (jcn of a synset with itself) and information
# content (a synset never counted); kept so that scores equal NLTK's.
INF = 1e300


def file_pos(synset):
    """The part of speech of the data file ``synset`` is in: satellites are adjectives."""
    return "a" if synset._pos == "s" else synset._pos


def synset_ic(synset, ic):
    """The information content of ``synset`` in the table ``ic``; :data:`INF` if never counted."""
    counts = ic[file_pos(synset)]
    count = counts[synset._offset]
    return INF if count == 0 else -math.log(count / counts[0])


# ---- per-synset tables, shared by every measure over the same WordNet -----------------------

class Tables:
    """Each synset's ancestors with their shortest distance, and its depths; built lazily."""

    def __init__(self, wn):
        self.wn = wn
        self._ancestors = {}
        self._min_depth = {}
        self._max_depth = {}
        self._taxonomy_depth = {}

    def ancestors(self, synset):
        """``(ancestor -> shortest distance, farthest distance)``; the synset itself at 0."""
        name = synset._name
        found = self._ancestors.get(name)
        if found is None:
            distances, frontier, d = {synset: 0}, [synset], 0
            while frontier:  # breadth first: the first visit is the shortest distance
                d += 1
                nxt = []
                for s in frontier:
                    for h in s.hypernyms() + s.instance_hypernyms():
                        if h not in distances:
                            distances[h] = d
                            nxt.append(h)
                frontier = nxt
            found = (distances, max(distances.values()))
            self._ancestors[name] = found
        return found

    def common(self, s, t):
        """The common hypernyms of ``s`` and ``t`` (each synset counts as its own)."""
        a, b = self.ancestors(s)[0], self.ancestors(t)[0]
        if len(a) > len(b):
            a, b = b, a
        return [x for x in a if x in b]

    def distance(self, s, t, simulate_root):
        """NLTK's ``shortest_path_distance``: through a common hypernym, or the simulated root."""
        if s == t:
            return 0
        (a, far_a), (b, far_b) = self.ancestors(s), self.ancestors(t)
        if len(a) > len(b):
            a, b = b, a
        best = min((d + b[x] for x, d in a.items() if x in b), default=None)
        if simulate_root:
            via_root = far_a + far_b + 2
            best = via_root if best is None else min(best, via_root)
        return best

    def min_depth(self, synset):
        if synset._name not in self._min_depth:
            self._min_depth[synset._name] = synset.min_depth()
        return self._min_depth[synset._name]

    def max_depth(self, synset):
        if synset._name not in self._max_depth:
            self._max_depth[synset._name] = synset.max_depth()
        return self._max_depth[synset._name]

    def taxonomy_depth(self, pos, simulate_root):
        """The deepest hypernym chain of a part of speech, as NLTK's lch uses it."""
        if not self._taxonomy_depth:
            self._taxonomy_depth = taxonomy_depths(self.wn)
        part = "a" if pos == "s" else pos
        return self._taxonomy_depth[part] + (1 if simulate_root else 0)


def taxonomy_depths(wn):
    """The longest hypernym chain of each part of speech: NLTK's ``_compute_max_depth``.

    NLTK finds it by building every synset object (about 3 s per part of speech, 13 s for a
    first ``lch`` call); reading the hypernym pointers straight from the data files and taking
    the longest chain through the hypernym graph gives the same numbers in about a second.
    """
    depths = {}
    for pos, file_name in (("n", "noun"), ("v", "verb"), ("a", "adj"), ("r", "adv")):
        parents = {}
        for line in wn.open(f"data.{file_name}"):
            if line.startswith("  "):  # the licence header
                continue
            fields = line.split()
            at = 4 + 2 * int(fields[3], 16)
            targets = []
            for k in range(int(fields[at])):
                symbol, offset = fields[at + 1 + 4 * k], fields[at + 2 + 4 * k]
                if symbol in ("@", "@i"):
                    targets.append(int(offset))
            parents[int(fields[0])] = targets
        memo = {}
        for start in parents:
            # Iterative depth-first: a recursive one would hit Python's limit on long chains.
            stack = [start]
            while stack:
                node = stack[-1]
                pending = [p for p in parents.get(node, ()) if p not in memo]
                if pending:
                    stack.extend(pending)
                    continue
                stack.pop()
                memo[node] = 1 + max((memo[p] for p in parents.get(node, ())), default=-1)
        depths[pos] = max(memo.values(), default=0)
    return depths


_TABLES = {}


def tables(wn):
    """The tables of ``wn``, shared by every measure over it (only the last WordNet's kept)."""
    key = id(wn)
    if key not in _TABLES:
        _TABLES.clear()
        _TABLES[key] = Tables(wn)
    return _TABLES[key]


# ---- information content ----------------------------------------------------------------------

_IC_CACHE = {}


def information_content(source=None, wordnet=None):
    """Information content for ``res``/``lin``/``jcn``, computed by NLTK's ``ic()``.

    Parameters
    ----------
    source : str, Corpus, Vocabulary, mapping or None
        - a file name of NLTK's ``wordnet_ic`` package (``"ic-brown.dat"``, ``"ic-semcor.dat"``);
        - a corpus: a wordrep :class:`~wordrep.corpora.Corpus`, a corpus name (``"lee"``,
          ``"enwiki-sample"``...) or path, or a :class:`~wordrep.corpora.Vocabulary` or
          ``{word: count}`` mapping of one;
        - None: the ``enwiki-sample`` corpus.
    wordnet : WordNetCorpusReader, optional

    Returns
    -------
    dict
        NLTK's information content table: part of speech -> {synset offset: count}.

    Notes
    -----
    NLTK's ``ic()`` reads a corpus through ``.words()``; here it is fed the corpus's word
    counts (each word repeated as often as it occurs), so a wordrep corpus is read once, through
    its token-id cache, and the table is NLTK's own.
    """
    if wordnet is None:
        from .. import wordnet as wordnet_data
        wordnet = wordnet_data.load()
    if isinstance(source, str) and source.startswith("ic-") and source.endswith(".dat"):
        return _nltk_ic_file(source, wordnet)
    counts = _word_counts(source)
    key = (id(wordnet), tuple(sorted(counts.items())).__hash__())
    if key not in _IC_CACHE:
        _IC_CACHE[key] = wordnet.ic(_CountedWords(counts))
    return _IC_CACHE[key]


ic = information_content


class _CountedWords:
    """What NLTK's ``ic()`` reads: ``.words()``, every word as many times as it occurs."""

    def __init__(self, counts):
        self.counts = counts

    def words(self):
        for word, count in self.counts.items():
            for _ in range(int(count)):
                yield word


def _word_counts(source):
    from ..corpora import Vocabulary, open_corpus

    if source is None:
        source = DEFAULT_IC_CORPUS
    if isinstance(source, Vocabulary):
        return dict(zip(source.words, (int(c) for c in source.counts)))
    if isinstance(source, dict):
        return {str(w): int(c) for w, c in source.items()}
    corpus = open_corpus(source)
    vocabulary = corpus.vocabulary(min_count=1)
    return dict(zip(vocabulary.words, (int(c) for c in vocabulary.counts)))


def _nltk_ic_file(name, wordnet):
    from nltk.corpus.reader.wordnet import WordNetICCorpusReader
    import nltk.data

    try:
        root = nltk.data.find("corpora/wordnet_ic")
    except LookupError:
        raise UserError(f"NLTK's information content file {name} is not installed.",
                        "Install it with `python -m nltk.downloader wordnet_ic`, or give a "
                        "corpus instead (ic='lee', a path, or a Corpus).") from None
    reader = WordNetICCorpusReader(root, r".*\.dat")
    if name not in reader.fileids():
        raise UserError(f"NLTK's wordnet_ic package has no {name}.",
                        f"Available: {', '.join(reader.fileids())}.")
    return reader.ic(name)


def ic_label(source):
    """How the metadata names an information content source."""
    if source is None:
        return DEFAULT_IC_CORPUS
    if isinstance(source, (str, bytes)) or hasattr(source, "__fspath__"):
        return str(source)
    return getattr(source, "fingerprint", None) or type(source).__name__
