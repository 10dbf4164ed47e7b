"""The corpus as a numpy array of token ids, built in one streaming pass and cached.

``ids[i]`` is the vocabulary id of the i-th token (vocabulary order: frequency descending, then
the word), and ``lines`` holds the index of the first token of each line, so that windows can
respect line boundaries. Every later stage (counts, word2vec's training file, statistics) reads
these arrays instead of the text: the next run starts in a fraction of a second.

The pass assigns provisional ids in order of first appearance, with C-speed dictionary lookups
(``map(index.__getitem__, tokens)`` on a defaultdict that numbers new words) on blocks of a
million tokens, and writes each block's ids and line starts to files in the cache entry's
temporary folder as it goes; the counts are summed block by block (``np.bincount``). One
permutation then renumbers the provisional file into vocabulary order, a chunk at a time, into
``ids.npy``. Memory is that of the vocabulary and one block, whatever the corpus length: the
token ids are never all in memory (a billion tokens are 4 GB on disk).
"""
import json
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

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
    """A corpus as arrays: token ids, line starts, and the full vocabulary (min_count 1).

    ``ids`` is the memory map of ``ids.npy`` (or an array, or for a :meth:`prefix` a
    :class:`Renumbered` view of the map); ``lines`` is the memory map of ``lines.npy``. Read
    the ids with :meth:`chunks`.
    """
    ids: np.ndarray
    lines: np.ndarray
    vocabulary: Vocabulary
    info: dict
    path: Path | None = None  # the ids.npy that ``ids`` maps, if any

    def chunks(self, size):
        """(start, ids[start:start + size]) for consecutive pieces, each an array in memory.

        The cached file is read piece by piece rather than through its memory map: pages read
        through a map count in the process's resident memory until it is unmapped, so one pass
        over a billion tokens would seem to hold 4 GB.
        """
        raw, table = _raw(self.ids)
        for start, ids in _raw_chunks(raw, self.path, size):
            yield start, ids if table is None else table[ids]

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
        """The first ``n_tokens`` tokens, with their own vocabulary (recounted, in vocabulary
        order: count descending, then the word).

        The prefix reads the same files, a chunk at a time: its ids are this corpus's,
        renumbered as they are read (:class:`Renumbered`), and its counts are summed chunk by
        chunk, so that a learning curve's half of a billion tokens is not 2 GB in memory.
        """
        raw, table = _raw(self.ids)
        raw = raw[:n_tokens]  # still the memory map
        head = TokenIds(Renumbered(raw, table), self.lines, self.vocabulary, self.info, self.path)
        counts = np.zeros(len(self.vocabulary), np.int64)
        for _, ids in head.chunks(CHUNK):
            chunk_counts = np.bincount(ids)
            counts[:chunk_counts.size] += chunk_counts
        words = self.vocabulary.words
        seen = np.flatnonzero(counts)
        # vocabulary order again (count descending, then the word) among the words seen
        order = seen[np.lexsort((np.array(words, dtype=object)[seen].astype(str), -counts[seen]))]
        renumber = np.full(len(words), -1, dtype=np.int32)
        renumber[order] = np.arange(order.size, dtype=np.int32)
        vocab = Vocabulary([words[i] for i in order.tolist()], counts[order])
        # the starts below n_tokens (at least line 0's): a slice of the map, not a copy
        lines = self.lines[:int(np.searchsorted(self.lines, max(n_tokens, 1)))]
        ids = Renumbered(raw, renumber if table is None else renumber[table])
        info = dict(self.info, tokens=int(ids.size), types=len(vocab), lines=int(lines.size))
        return TokenIds(ids, lines, vocab, info, self.path)


class Renumbered:
    """The token ids ``table[raw]``, translated as they are read: a prefix's ids in its own
    vocabulary's numbering without a renumbered copy of them (``raw`` stays a memory map).

    Reading through :meth:`TokenIds.chunks` holds one chunk at a time; indexing (``ids[a:b]``)
    reads only the tokens asked for; ``np.asarray(ids)`` reads them all into memory.
    """

    def __init__(self, raw, table=None):
        self.raw = raw
        self.table = table

    @property
    def dtype(self):
        return self.raw.dtype

    @property
    def size(self):
        return self.raw.size

    @property
    def shape(self):
        return self.raw.shape

    def __len__(self):
        return len(self.raw)

    def __getitem__(self, key):
        ids = np.asarray(self.raw[key])
        return ids if self.table is None else self.table[ids]

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self[:], dtype=dtype)


def _raw(ids):
    """(the array or memory map ids are read from, the table that renumbers them or None)."""
    return (ids.raw, ids.table) if isinstance(ids, Renumbered) else (ids, None)


def _raw_chunks(ids, path, size):
    """(start, ids[start:start + size]) as arrays, read from the file ``path`` that ``ids``
    maps if there is one (see :meth:`TokenIds.chunks`)."""
    if path is None:
        for start in range(0, ids.size, size):
            yield start, np.asarray(ids[start:start + size])
        return
    with open(path, "rb") as file:
        file.seek(ids.offset)  # a memory map's, or a prefix of it (same start)
        for start in range(0, ids.size, size):
            count = min(size, ids.size - start)
            yield start, np.fromfile(file, dtype=ids.dtype, count=count)


def _ranks(counts):
    """[0..c0-1, 0..c1-1, ...] for counts [c0, c1, ...], vectorized."""
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(offsets.size) - offsets


CHUNK = 1 << 22  # tokens renumbered (or read back) at a time: 16 MB of int32


def build(blocks, folder):
    """Write the token ids of a stream of token lists (each may contain NEWLINE tokens).

    Writes ``ids.npy`` (int32) and ``lines.npy`` (int64) into ``folder``, block by block.

    Returns
    -------
    (n_tokens, n_lines, vocabulary)
    """
    folder = Path(folder)
    provisional = folder / "provisional.i32"  # removed before the entry is checksummed
    starts = folder / "starts.i64"
    try:
        with open(provisional, "wb") as ids_file, open(starts, "wb") as lines_file:
            words, counts, n, n_lines = _read_blocks(blocks, ids_file, lines_file)
        order = _vocabulary_order(words, counts)
        renumber = np.empty(len(words), dtype=np.int32)
        renumber[order] = np.arange(len(order), dtype=np.int32)
        _write_npy(folder / "ids.npy", np.int32, n, _file_chunks(provisional, np.int32, n),
                   renumber.__getitem__)
        _write_npy(folder / "lines.npy", np.int64, n_lines,
                   _file_chunks(starts, np.int64, n_lines))
    finally:
        provisional.unlink(missing_ok=True)
        starts.unlink(missing_ok=True)
    return n, n_lines, Vocabulary([words[i] for i in order.tolist()], counts[order])


def _read_blocks(blocks, ids_file, lines_file):
    """Provisional ids and line starts to the two files; the words and their counts."""
    # A word seen for the first time gets the next provisional id, inside the C-level lookup.
    index = defaultdict()
    index.default_factory = index.__len__
    index[NEWLINE] = 0
    counts = np.zeros(1, np.int64)
    n, n_lines, last_start = 0, 0, -1
    for tokens in blocks:
        ids = np.fromiter(map(index.__getitem__, tokens), dtype=np.int32, count=len(tokens))
        breaks = np.flatnonzero(ids == 0)
        # the line starts of the stream without NEWLINE tokens: non-decreasing, so dropping
        # repeats (blank lines) as they come leaves each start once, as np.unique did
        line_starts = np.concatenate((np.zeros(int(n == 0), np.int64),
                                      n + breaks - np.arange(breaks.size)))
        line_starts = line_starts[line_starts != np.append(last_start, line_starts[:-1])]
        ids = ids[ids != 0] if breaks.size else ids
        counts = _add_counts(counts, ids, len(index))
        _write(ids_file, ids)
        n += ids.size
        if line_starts.size:
            _write(lines_file, line_starts.astype(np.int64))
            n_lines += line_starts.size
            last_start = int(line_starts[-1])
    # a start at the very end (the text ends with a line break) begins no line
    if n_lines and last_start >= n:
        n_lines -= 1
    return list(index), counts, n, n_lines


def _add_counts(counts, ids, n_words):
    block = np.bincount(ids, minlength=n_words)
    block[:counts.size] += counts
    return block


def _vocabulary_order(words, counts):
    """Provisional ids in vocabulary order: count descending, then the word (a stable sort by
    count of the words in alphabetical order); the NEWLINE marker (id 0) drops out."""
    alphabetical = np.array(sorted(range(1, len(words)), key=words.__getitem__), dtype=np.int64)
    return alphabetical[np.argsort(-counts[alphabetical], kind="stable")]


def _file_chunks(path, dtype, count):
    """The first ``count`` values of a raw file, ``CHUNK`` at a time."""
    with open(path, "rb") as file:
        for start in range(0, count, CHUNK):
            yield np.fromfile(file, dtype=dtype, count=min(CHUNK, count - start))


def _write_npy(path, dtype, size, chunks, transform=lambda a: a):
    """A 1-d ``.npy`` file written chunk by chunk: the same bytes as ``np.save`` of the whole
    array, without the whole array in memory (nor mapped: written pages of a memory map
    would count in the process's resident memory)."""
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False,
              "shape": (int(size),)}
    with open(path, "wb") as file:
        np.lib.format.write_array_header_1_0(file, header)
        for chunk in chunks:
            _write(file, np.asarray(transform(chunk), dtype=dtype))


def _write(file, array):
    """``array``'s bytes to ``file``. Not ``ndarray.tofile``: a short write there is an OSError
    without an errno, which a full disk or the file-size limit must not be (the temporary
    files are gone before anyone could measure them); a plain write says EFBIG or ENOSPC."""
    file.write(memoryview(np.ascontiguousarray(array)).cast("B"))


def tokenize_blocks(source, tokenizer, stats, update):
    """The corpus's tokens, block by block in corpus order, read and tokenized on every core
    when it is large enough to pay for the worker processes (see :mod:`.parallel`): the same
    tokens as one process would give, so the same ids and fingerprint."""
    return source.token_blocks(tokenizer, stats, update)


def load_or_build(corpus, progress=None):
    """The cached token ids of ``corpus``, building (and caching) them on first use.

    The arrays are written straight into the entry's temporary folder as the text is read,
    then the entry is checksummed and renamed into place (see :mod:`wordrep.cache`); it is
    checked against its checksums on every read, a damaged one is built again, and two
    processes never build the same one at once.
    """
    return cache.cached(corpus.cache_folder, load=_load,
                        build=lambda folder: _build(corpus, progress, folder),
                        what=f"token ids of {corpus.name}")


def _build(corpus, progress, folder):
    started = time.perf_counter()
    stats = ReadStats()
    label = f"Reading {corpus.name}"
    with (progress or no_progress)(corpus.source.size, label) as update:
        n, n_lines, vocab = build(tokenize_blocks(corpus.source, corpus.tokenizer, stats, update),
                                  folder)
    if n == 0:
        raise UserError(f"the corpus {corpus.name} is empty: no tokens after tokenization.",
                        "Check that it is the intended file and that it contains text.")
    info = {"format": FORMAT, "name": corpus.name, "source": str(corpus.source.path),
            "kind": corpus.source.kind, "tokenizer": corpus.tokenizer.settings(),
            "fingerprint": corpus.fingerprint, "tokens": n, "types": len(vocab),
            "lines": n_lines, "files": stats.files,
            "replaced_bytes": stats.replaced_bytes,
            "build_seconds": round(time.perf_counter() - started, 3)}
    vocab.save(folder / "vocab.json")
    (folder / "info.json").write_text(json.dumps(info, indent=1))


def _load(folder):
    info = json.loads((folder / "info.json").read_text())
    if info.get("format") != FORMAT:
        raise ValueError("old cache format")
    ids = np.load(folder / "ids.npy", mmap_mode="r", allow_pickle=False)
    # mapped, not read: lines of 20 tokens are 400 MB of starts at a billion tokens, and
    # counting looks up one chunk's at a time
    lines = np.load(folder / "lines.npy", mmap_mode="r", allow_pickle=False)
    vocab = Vocabulary.load(folder / "vocab.json")
    if ids.size != info["tokens"] or len(vocab) != info["types"]:
        raise ValueError("cache entry does not match its info")
    return TokenIds(ids, lines, vocab, info, folder / "ids.npy")
