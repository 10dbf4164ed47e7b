"""The corpus as a numpy array of token ids, built in one streaming pass and cached.

``ids[i]`` is the vocabulary id of the i-th token (vocabulary order: frequency descending, then
the word), and ``lines`` holds the index of the first token of each line, so that windows can
respect line boundaries. Every later stage (counts, word2vec's training file, statistics) reads
these arrays instead of the text: the next run starts in a fraction of a second.

The pass assigns provisional ids in order of first appearance, with C-speed dictionary lookups
(``map(index.__getitem__, tokens)`` on a defaultdict that numbers new words) on blocks of a
million tokens; the counts then fall out of
``np.bincount`` and one permutation renumbers everything into vocabulary order.
"""
import json
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from .. import cache
from ..errors import UserError
from ..progress import no_progress
from .sources import ReadStats
from .tokenize import NEWLINE
from .vocabulary import Vocabulary

FORMAT = 1


@dataclass
class TokenIds:
    """A corpus as arrays: token ids, line starts, and the full vocabulary (min_count 1)."""
    ids: np.ndarray
    lines: np.ndarray
    vocabulary: Vocabulary
    info: dict

    def sentences(self, max_length=10_000):
        """(start, end) token offsets of each line, long lines cut into pieces of max_length."""
        bounds = np.append(self.lines, len(self.ids))
        starts, ends = bounds[:-1], bounds[1:]
        pieces = np.maximum(1, -(-(ends - starts) // max_length))
        first = np.repeat(starts, pieces) + _ranks(pieces) * max_length
        last = np.minimum(first + max_length, np.repeat(ends, pieces))
        keep = last > first
        return first[keep], last[keep]

    def prefix(self, n_tokens):
        """The first ``n_tokens`` tokens as arrays of their own (vocabulary recounted)."""
        ids = np.asarray(self.ids[:n_tokens])
        counts = np.bincount(ids, minlength=len(self.vocabulary))
        words = self.vocabulary.words
        seen = np.flatnonzero(counts)
        # vocabulary order again (count descending, then the word) among the words seen
        order = seen[np.lexsort((np.array(words, dtype=object)[seen].astype(str), -counts[seen]))]
        renumber = np.full(len(words), -1, dtype=np.int32)
        renumber[order] = np.arange(order.size, dtype=np.int32)
        vocab = Vocabulary([words[i] for i in order.tolist()], counts[order])
        lines = self.lines[self.lines < max(n_tokens, 1)]
        info = dict(self.info, tokens=int(ids.size), types=len(vocab), lines=int(lines.size))
        return TokenIds(renumber[ids], lines, vocab, info)


def _ranks(counts):
    """[0..c0-1, 0..c1-1, ...] for counts [c0, c1, ...], vectorized."""
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(offsets.size) - offsets


def build(blocks, stats=None):
    """Token ids of a stream of token lists (each list may contain NEWLINE tokens).

    Returns
    -------
    (ids, lines, vocabulary)
    """
    # A word seen for the first time gets the next provisional id, inside the C-level lookup.
    index = defaultdict()
    index.default_factory = index.__len__
    index[NEWLINE] = 0
    chunks, line_starts, n = [], [np.zeros(1, np.int64)], 0
    for tokens in blocks:
        ids = np.fromiter(map(index.__getitem__, tokens), dtype=np.int32, count=len(tokens))
        breaks = np.flatnonzero(ids == 0)
        line_starts.append(n + breaks - np.arange(breaks.size))
        ids = ids[ids != 0] if breaks.size else ids
        chunks.append(ids)
        n += ids.size
    provisional = np.concatenate(chunks) if chunks else np.zeros(0, np.int32)
    del chunks
    words = list(index)
    counts = np.bincount(provisional, minlength=len(words))
    # vocabulary order: count descending, then the word (a stable sort by count of the words
    # in alphabetical order); the NEWLINE marker (id 0) drops out
    alphabetical = np.array(sorted(range(1, len(words)), key=words.__getitem__), dtype=np.int64)
    order = alphabetical[np.argsort(-counts[alphabetical], kind="stable")]
    renumber = np.empty(len(words), dtype=np.int32)
    renumber[order] = np.arange(len(order), dtype=np.int32)
    ids = renumber[provisional]
    del provisional
    lines = np.unique(np.concatenate(line_starts))
    lines = lines[lines < n]
    vocab = Vocabulary([words[i] for i in order.tolist()], counts[order])
    return ids, lines, vocab


def tokenize_blocks(source, tokenizer, stats, update):
    for text in source.text_blocks(stats, update):
        yield tokenizer.tokens_with_newlines(text)


def load_or_build(corpus, progress=None):
    """The cached token ids of ``corpus``, building (and caching) them on first use.

    The cache entry is checked against its checksums on every read; a damaged one is built
    again (see :mod:`wordrep.cache`), and two processes never build the same one at once.
    """
    return cache.cached(corpus.cache_folder, load=_load, save=_save,
                        build=lambda: _build(corpus, progress),
                        what=f"token ids of {corpus.name}")


def _build(corpus, progress):
    started = time.perf_counter()
    stats = ReadStats()
    label = f"Reading {corpus.name}"
    with (progress or no_progress)(corpus.source.size, label) as update:
        ids, lines, vocab = build(tokenize_blocks(corpus.source, corpus.tokenizer, stats, update))
    if ids.size == 0:
        raise UserError(f"the corpus {corpus.name} is empty: no tokens after tokenization.",
                        "Check that it is the intended file and that it contains text.")
    info = {"format": FORMAT, "name": corpus.name, "source": str(corpus.source.path),
            "kind": corpus.source.kind, "tokenizer": corpus.tokenizer.settings(),
            "fingerprint": corpus.fingerprint, "tokens": int(ids.size), "types": len(vocab),
            "lines": int(lines.size), "files": stats.files,
            "replaced_bytes": stats.replaced_bytes,
            "build_seconds": round(time.perf_counter() - started, 3)}
    return TokenIds(ids, lines, vocab, info)


def _save(folder, arrays):
    np.save(folder / "ids.npy", arrays.ids, allow_pickle=False)
    np.save(folder / "lines.npy", arrays.lines, allow_pickle=False)
    arrays.vocabulary.save(folder / "vocab.json")
    (folder / "info.json").write_text(json.dumps(arrays.info, indent=1))


def _load(folder):
    info = json.loads((folder / "info.json").read_text())
    if info.get("format") != FORMAT:
        raise ValueError("old cache format")
    ids = np.load(folder / "ids.npy", mmap_mode="r", allow_pickle=False)
    lines = np.load(folder / "lines.npy", allow_pickle=False)
    vocab = Vocabulary.load(folder / "vocab.json")
    if ids.size != info["tokens"] or len(vocab) != info["types"]:
        raise ValueError("cache entry does not match its info")
    return TokenIds(ids, lines, vocab, info)
