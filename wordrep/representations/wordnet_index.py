"""WordNet as sparse matrices: every synset, every lemma, every relation, indexed once.

The feature vectors, the graph embedding and retrofitting all need the whole of WordNet at
once: which lemmas belong to which synsets, and which synsets (or lemmas) each relation links.
Walking NLTK's objects relation by relation for 117,659 synsets would be slow; instead one pass
over ``all_synsets()`` (about 9 s, most of it NLTK parsing the data files) reads each synset's
pointer table and fills integer arrays, from which every relation becomes a scipy CSR matrix.
The index is built once per WordNet: its arrays are cached on disk under a SHA-256 of
WordNet's four data files (reading it back takes a fraction of a second), and in memory once
per process and reader.

Relations are named as in WordNet's documentation (wninput(5WN)); the pointer symbols are
WordNet's own. ``synonym`` is not a pointer: two lemmas are synonyms when they share a synset.

Examples
--------
>>> index = WordNetIndex.get()
>>> index.lemma_matrix("hypernym").shape
(147306, 147306)
"""
import difflib
import hashlib
import json
import logging

import numpy as np
import scipy.sparse as sp

from .. import wordnet as wordnet_data
from ..errors import UserError

log = logging.getLogger(__name__)

INDEX_FORMAT = 1  # bump when what the index holds changes: older cached indexes go unused

# Relation name -> WordNet pointer symbols. Semantic pointers (between synsets) and lexical
# pointers (between lemmas) share symbols for a few relations (also-see, verb group): both
# kinds are read.
RELATIONS = {
    "synonym": (),
    "hypernym": ("@", "@i"),
    "hyponym": ("~", "~i"),
    "antonym": ("!",),
    "meronym": ("%m", "%p", "%s"),
    "holonym": ("#m", "#p", "#s"),
    "similar": ("&",),
    "also": ("^",),
    "attribute": ("=",),
    "entailment": ("*",),
    "cause": (">",),
    "verb_group": ("$",),
    "derivation": ("+",),
    "pertainym": ("\\",),
    "participle": ("<",),
    "domain": (";c", ";r", ";u", "-c", "-r", "-u"),
}
POS_NAMES = {"n": "noun", "v": "verb", "a": "adjective", "r": "adverb"}


def check_relations(names, what="relation"):
    """Refuse relation names that WordNet does not have, listing the known ones."""
    for name in names:
        if name not in RELATIONS:
            close = difflib.get_close_matches(name, list(RELATIONS), n=1)
            guess = f" Did you mean {close[0]!r}?" if close else ""
            raise UserError(f"unknown WordNet {what} {name!r}.{guess}",
                            f"Known: {', '.join(RELATIONS)}.")


def check_pos(pos):
    """``pos`` as a tuple of WordNet part-of-speech letters (``None`` means all four)."""
    if pos is None or pos == "all":
        return tuple(POS_NAMES)
    letters = tuple(pos) if not isinstance(pos, str) else tuple(pos.replace(",", ""))
    bad = [p for p in letters if p not in POS_NAMES]
    if bad or not letters:
        raise UserError(f"unknown part of speech {pos!r}.",
                        "Use any of n (noun), v (verb), a (adjective), r (adverb), e.g. 'nv', "
                        "or 'all'.")
    return letters


class WordNetIndex:
    """Synsets, lemmas and relations of one WordNet, as integer arrays and sparse matrices.

    Attributes
    ----------
    synset_names : list of str
        ``"dog.n.01"``... in NLTK's ``all_synsets()`` order; row/column ``i`` of every synset
        matrix.
    synset_pos : ndarray of str
        ``"n"``, ``"v"``, ``"a"`` or ``"r"`` for each synset (satellites count as adjectives).
    lemmas : list of str
        Every lemma name, lower-cased, multiword lemmas with ``_``, sorted.
    membership : scipy.sparse.csr_array, shape (n_lemmas, n_synsets)
        1 where a lemma is a member of a synset.
    """

    _cache = {}

    def __init__(self, wn):
        keys, names, pos = {}, [], []
        synset_ptrs, lemma_ptrs, members = [], [], []
        for s in wordnet_data.all_synsets(wn):  # a damaged WordNet: a UserError
            file_pos = "a" if s._pos == "s" else s._pos
            keys[(file_pos, s._offset)] = len(names)
            names.append(s._name)
            pos.append(file_pos)
            members.append([lemma.lower() for lemma in s._lemma_names])
            # NLTK's parsed pointer tables: symbol -> {(pos, offset)} between synsets, and
            # (lemma name, symbol) -> [(pos, offset, lemma number)] between lemmas.
            synset_ptrs.append(s._pointers)
            lemma_ptrs.append((s._lemma_names, s._lemma_pointers))
        self.synset_names = names
        self.synset_pos = np.array(pos)
        self.lemmas = sorted({lemma for group in members for lemma in group})
        self.lemma_index = {lemma: i for i, lemma in enumerate(self.lemmas)}
        n_syn, n_lem = len(names), len(self.lemmas)

        rows = np.repeat(np.arange(n_syn), [len(g) for g in members])
        cols = np.fromiter((self.lemma_index[lemma] for g in members for lemma in g),
                           dtype=np.int64, count=len(rows))
        member = sp.csr_array((np.ones(len(rows), np.float32), (cols, rows)),
                              shape=(n_lem, n_syn))
        member.sum_duplicates()
        member.data[:] = 1.0  # "Dog" and "dog" in one synset are one lemma
        self.membership = member
        # Each synset's members as lemma ids, in WordNet's order: lexical pointers give a
        # target lemma by its position in the target synset.
        members = [[self.lemma_index[lemma] for lemma in g] for g in members]

        symbol_rel = {sym: rel for rel, syms in RELATIONS.items() for sym in syms}
        synset_edges = {rel: ([], []) for rel in RELATIONS}
        lemma_edges = {rel: ([], []) for rel in RELATIONS}
        for i, pointers in enumerate(synset_ptrs):
            for symbol, targets in pointers.items():
                rel = symbol_rel.get(symbol)
                if rel is None:
                    continue
                src, dst = synset_edges[rel]
                for target_pos, offset in targets:
                    j = keys.get(("a" if target_pos == "s" else target_pos, offset))
                    if j is not None:
                        src.append(i)
                        dst.append(j)
        for i, (lemma_names, pointers) in enumerate(lemma_ptrs):
            for (lemma_name, symbol), targets in pointers.items():
                rel = symbol_rel.get(symbol)
                if rel is None:
                    continue
                source = self.lemma_index[lemma_name.lower()]
                src, dst = lemma_edges[rel]
                for target_pos, offset, number in targets:
                    j = keys.get(("a" if target_pos == "s" else target_pos, offset))
                    if j is not None and number < len(members[j]):
                        src.append(source)
                        dst.append(members[j][number])
        self._synset_rel = {rel: _binary(e, n_syn) for rel, e in synset_edges.items()}
        self._lemma_rel = {rel: _binary(e, n_lem) for rel, e in lemma_edges.items()}
        self._lemma_cache = {}
        log.info("WordNet index: %d synsets, %d lemmas", n_syn, n_lem)

    @classmethod
    def get(cls, wn=None):
        """The index of ``wn`` (the located WordNet by default), built once per WordNet."""
        if wn is None:
            wn = wordnet_data.load()
        key = id(wn)
        if key not in cls._cache:
            cls._cache.clear()  # one WordNet at a time: an index holds ~100 MB
            cls._cache[key] = cls._cached(wn)
        return cls._cache[key]

    @classmethod
    def _cached(cls, wn):
        from .. import cache
        from ..home import cache_dir
        entry = cache_dir("wordnet-index") / f"v{INDEX_FORMAT}-{data_fingerprint(wn)[:20]}"
        return cache.cached(entry, load=cls.read, build=lambda: cls(wn),
                            save=lambda tmp, index: index.write(tmp), background=True,
                            what="WordNet index")

    def write(self, folder):
        """Save the index's names and matrices into ``folder`` (pickle-free)."""
        names = {"synsets": self.synset_names, "pos": "".join(self.synset_pos),
                 "lemmas": self.lemmas}
        (folder / "names.json").write_text(json.dumps(names), encoding="utf-8")
        arrays = _csr_arrays("membership", self.membership)
        for kind, table in (("synset", self._synset_rel), ("lemma", self._lemma_rel)):
            for relation, matrix in table.items():
                arrays.update(_csr_arrays(f"{kind}.{relation}", matrix))
        np.savez(folder / "matrices.npz", **arrays)

    @classmethod
    def read(cls, folder):
        """An index saved by :meth:`write`."""
        names = json.loads((folder / "names.json").read_text(encoding="utf-8"))
        index = cls.__new__(cls)
        index.synset_names, index.lemmas = names["synsets"], names["lemmas"]
        index.synset_pos = np.array(list(names["pos"]))
        index.lemma_index = {lemma: i for i, lemma in enumerate(index.lemmas)}
        n_syn, n_lem = len(index.synset_names), len(index.lemmas)
        with np.load(folder / "matrices.npz", allow_pickle=False) as arrays:
            index.membership = _csr_from(arrays, "membership", (n_lem, n_syn))
            index._synset_rel = {rel: _csr_from(arrays, f"synset.{rel}", (n_syn, n_syn))
                                 for rel in RELATIONS}
            index._lemma_rel = {rel: _csr_from(arrays, f"lemma.{rel}", (n_lem, n_lem))
                                for rel in RELATIONS}
        index._lemma_cache = {}
        return index

    def synset_matrix(self, relation):
        """The synset-to-synset matrix of a semantic ``relation`` (1 where it links them)."""
        check_relations([relation])
        return self._synset_rel[relation]

    def lemma_matrix(self, relation):
        """Lemma-to-lemma matrix of ``relation``: 1 where it links two distinct lemmas.

        Lemmas are linked when WordNet links them directly (a lexical pointer such as an
        antonym) or when it links synsets they belong to (every member of the one to every
        member of the other); ``synonym`` links the members of each synset.
        """
        check_relations([relation])
        if relation not in self._lemma_cache:
            member = self.membership
            if relation == "synonym":
                linked = member @ member.T
            else:
                linked = member @ self._synset_rel[relation] @ member.T \
                    + self._lemma_rel[relation]
            linked = sp.csr_array(linked)
            linked.setdiag(0)
            linked.eliminate_zeros()
            linked.data[:] = 1.0
            self._lemma_cache[relation] = linked.astype(np.float32)
        return self._lemma_cache[relation]

    def lemma_mask(self, pos):
        """Boolean mask over :attr:`lemmas`: which have a synset of one of the ``pos`` letters."""
        wanted = np.isin(self.synset_pos, check_pos(pos)).astype(np.float32)
        return (self.membership @ wanted) > 0


def data_fingerprint(wn):
    """SHA-256 of WordNet's four data files, which hold every synset, lemma and pointer."""
    digest = hashlib.sha256()
    for pos in ("noun", "verb", "adj", "adv"):
        with wn.open(f"data.{pos}") as stream:
            for block in iter(lambda: stream.read(1 << 20), ""):
                digest.update(block.encode("utf-8") if isinstance(block, str) else block)
    return digest.hexdigest()


def _csr_arrays(name, matrix):
    return {f"{name}.data": matrix.data, f"{name}.indices": matrix.indices,
            f"{name}.indptr": matrix.indptr}


def _csr_from(arrays, name, shape):
    return sp.csr_array((arrays[f"{name}.data"], arrays[f"{name}.indices"],
                         arrays[f"{name}.indptr"]), shape=shape)


def _binary(edges, n):
    src, dst = edges
    matrix = sp.csr_array((np.ones(len(src), np.float32), (np.asarray(src, dtype=np.int64),
                                                           np.asarray(dst, dtype=np.int64))),
                          shape=(n, n))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix
