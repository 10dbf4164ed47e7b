"""Reading and tokenizing a corpus on every core, in corpus order.

The work is cut into tasks that worker processes run while the parent consumes their results
in the order of the corpus, so that the token stream (and with it the token ids, the
vocabulary order and every result) is exactly that of reading in one process:

- a plain file: byte ranges that begin after a line break (after a space in a one-line file),
  each read, decoded and tokenized by a worker. A worker reads its range in chunks that end
  where the single-process reader's do (multiples of ``reading.BLOCK`` from the start of the
  file), so that even a word cut for being longer than ``reading.MAX_CARRY`` is cut at the
  same place;
- a compressed file: gzip and xz streams decompress only from the start, so this process
  decompresses (in its reader thread) and decodes, and the workers tokenize its text blocks.
  A bzip2 file of several streams (a "multistream" Wikipedia dump, pbzip2's output) is cut
  at stream starts and the workers decompress it too;
- a folder: its files one after the other, each as above;
- a Wikipedia dump: this process parses the XML (expat, fast), the workers remove the markup
  (gensim's ``process_article``, the slow part) and tokenize. gensim's own
  ``WikiCorpus(processes=...)`` is not used: it parses in a child process that its parent
  waits for forever when the dump is damaged.

A worker sends a block's tokens as one string, joined by spaces (no token holds a space; the
NEWLINE token is a line break): this process splits it, which costs about what pickling a
list of strings would cost in the worker alone, and the parent's work per token is a split
instead of a tokenization (measured: wiki17m, 17M tokens, 2.2 s split against 3.2 s
tokenized; more on raw text, whose tokenizer is a regular expression).

A worker that dies (killed, out of memory, crashed) breaks the pool: the parent raises a
UserError naming the file being read, never waits. Workers ignore Ctrl-C; the parent stops
them. Corpora under ``MIN_BYTES`` (or a machine with one core) are read in this process: a
pool costs more to start than it saves.
"""
import bz2
import io
import multiprocessing
import os
import re
import signal
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from itertools import chain, islice, pairwise
from multiprocessing.context import ForkProcess

from ..errors import UserError
from . import reading

WORKERS = None          # processes; None: every core this process may run on
MIN_BYTES = 4 << 20     # smaller corpora (bytes on disk) are read in this process
RANGE = 1 << 24         # bytes of a plain file per task (about 3M tokens of English)
BZ2_RANGE = 1 << 20     # compressed bytes of a multistream bzip2 file per task (~5 MB of XML)
ARTICLES = 100          # Wikipedia articles per task
SCAN = 1 << 16          # bytes searched for a line break at a range's nominal start
SCAN_BZ2 = 1 << 22      # bytes read at a time looking for bzip2 streams
_BZ2_STREAM = re.compile(rb"BZh[1-9]\x31\x41\x59\x26\x53\x59")  # stream header + first block


def workers():
    """Worker processes to use: ``WORKERS``, else the cores this process may run on."""
    return WORKERS or len(os.sched_getaffinity(0))


def token_blocks(source, tokenizer, stats, update=lambda n: None):
    """Lists of tokens of ``source`` (NEWLINE tokens at line breaks), in corpus order, read
    on ``workers()`` processes when the corpus is at least ``MIN_BYTES`` on disk.

    Parameters
    ----------
    source : sources.Source
    tokenizer : tokenize.Tokenizer
    stats : sources.ReadStats
        Counts files and replaced bytes, as :meth:`~sources.Source.text_blocks` does.
    update : callable
        Called with the number of bytes (on disk) read since its last call.
    """
    n = workers()
    if n < 2 or source.size < MIN_BYTES:
        for text in source.text_blocks(stats, update):
            yield tokenizer.tokens_with_newlines(text)
        return
    with _pool(n) as pool:
        reader = _Reader(pool, 2 * n, tokenizer, stats, update)
        if source.kind == "wikipedia":
            stats.files += 1
            with reading.still_there(source.path), _worker_death(source.path):
                yield from reader.wikipedia(source.path)
            return
        for path in source.files:
            stats.files += 1
            with reading.still_there(path), _worker_death(path):
                yield from reader.file(path)


# -- the pool ----------------------------------------------------------------------------------

@contextmanager
def _pool(n):
    # fork: the workers start at once with this process's modules and settings (including
    # the module constants that tests lower), without re-importing anything
    before = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork"),
                               initializer=signal.signal,
                               initargs=(signal.SIGINT, signal.SIG_IGN))
    finished = False
    try:
        # every worker is forked now, before this process starts a reader thread
        pool.submit(int).result()
        yield pool
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _stop(pool, before)


def _stop(pool, before):
    """Stops a pool's workers at once (an error, Ctrl-C, or a consumer that stopped reading):
    shutdown alone would wait for the tasks that already run. The workers are this process's
    children forked since the pool began (a pool broken by a dead worker has already dropped
    its own list of them). Children started otherwise are left: a Dask worker, which its
    nanny (re)starts by spawning, for one."""
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + 10
    # again until none is left: the executor may still start one it had been asked for
    while time.monotonic() < deadline:
        processes = [p for p in multiprocessing.active_children()
                     if p not in before and isinstance(p, ForkProcess)]
        if not processes:
            break
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=1)


@contextmanager
def _worker_death(path):
    try:
        yield
    except BrokenProcessPool:
        raise UserError(f"a process reading {path} stopped unexpectedly (killed, out of "
                        "memory, or crashed); the corpus was not read.",
                        "Run the command again; if it recurs, check the memory available "
                        "(the system log names processes the kernel killed).") from None


def _ordered(pool, calls, window):
    """Results of ``pool.submit(*call)`` for each call, in order, at most ``window`` running
    or waiting at once (memory stays bounded however fast the parent consumes)."""
    pending = deque()
    try:
        for call in calls:
            pending.append(pool.submit(*call))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


# -- the parent's side -------------------------------------------------------------------------

class _Reader:
    """Token blocks of files and dumps through a pool, in order."""

    def __init__(self, pool, window, tokenizer, stats, update):
        self.pool, self.window, self.tokenizer = pool, window, tokenizer
        self.stats, self.update = stats, update

    def map(self, calls):
        return _ordered(self.pool, calls, self.window)

    def file(self, path):
        kind = reading.compression(path)
        if kind is None:
            yield from self._plain(path)
            return
        chunks = self._bz2_chunks(path) if kind == "bz2" else None
        before = reading.replaced_so_far()
        texts = reading.text_of(chunks or reading.byte_blocks(path, self.update))
        for encoded in self.map((_tokenize, text, self.tokenizer) for text in texts):
            yield _decode(encoded)
        self.stats.replaced_bytes += reading.replaced_so_far() - before

    def _plain(self, path):
        ranges = list(pairwise(_range_bounds(path)))
        results = self.map((_read_range, path, start, end, self.tokenizer)
                           for start, end in ranges)
        for (start, end), (blocks, replaced) in zip(ranges, results):
            self.update(end - start)
            self.stats.replaced_bytes += replaced
            for encoded in blocks:
                yield _decode(encoded)

    def _bz2_chunks(self, path):
        """Decompressed chunks of a multistream bzip2 file, the streams decompressed by the
        workers; None for a file of one stream (or of streams too large to hold at once)."""
        bounds = _bz2_bounds(path)
        if bounds is None:
            return None
        return _rechunked(self._decompressed(path, bounds), reading.BLOCK)

    def _decompressed(self, path, bounds):
        size = path.stat().st_size
        ranges = _Remembered(pairwise(bounds))
        calls = ((_decompress, path, start, end, end == size) for start, end in ranges)
        for data in self.map(calls):
            start, end = ranges.done.popleft()
            self.update(end - start)
            yield data

    def wikipedia(self, path):
        from gensim.corpora import wikicorpus

        chunks = self._bz2_chunks(path) or reading.byte_blocks(path, self.update)
        pages = wikicorpus.extract_pages(_ChunkReader(chunks), filter_namespaces=("0",))
        batches = iter(lambda: list(islice(pages, ARTICLES)), [])
        try:
            for encoded in self.map((_wiki_tokens, path, batch, self.tokenizer)
                                    for batch in batches):
                yield _decode(encoded)
        except (BrokenProcessPool, UserError):
            raise
        except reading.CORRUPT as exc:
            raise reading.corrupt_error(path, "bz2", exc) from None
        except reading.BAD_XML as exc:
            raise reading.bad_dump_error(path, exc) from None


def _decode(joined):
    """The token list of a worker's joined tokens."""
    return joined.split(" ") if joined else []


def _range_bounds(path):
    """Offsets cutting a plain file into ranges of about RANGE bytes, each range beginning
    after a line break (after a space or tab if none is near: a one-line file)."""
    size = path.stat().st_size
    bounds = [0]
    with open(path, "rb") as f:
        for nominal in range(RANGE, size, RANGE):
            if nominal > bounds[-1]:
                bound = _next_boundary(f, nominal)
                if bound >= size:
                    break
                bounds.append(bound)
    return bounds + [size]


def _next_boundary(f, offset):
    f.seek(offset)
    head = f.read(SCAN)
    newline = head.find(b"\n")
    if newline >= 0:
        return offset + newline + 1
    window = head
    while window:  # no line break near: the first space or tab, however far
        found = [i for i in (window.find(b" "), window.find(b"\t")) if i >= 0]
        if found:
            return offset + min(found) + 1
        offset += len(window)
        window = f.read(SCAN)
    return offset


def _bz2_bounds(path):
    """Offsets of a bzip2 file's streams grouped into ranges of about BZ2_RANGE bytes (a
    lazy iterator, the file scanned as it is read), or None if no second stream begins within
    4 * BZ2_RANGE bytes: a file of one stream, or of streams too large to hold in memory."""
    starts = _bz2_stream_starts(path)
    head = list(islice(starts, 2))
    if len(head) < 2 or head[0] != 0 or head[1] > 4 * BZ2_RANGE:
        return None
    return _grouped(chain(head, starts), path.stat().st_size)


def _bz2_stream_starts(path):
    with open(path, "rb") as f:
        offset, tail = 0, b""
        while block := f.read(SCAN_BZ2):
            data = tail + block
            # a header across two reads is found in the tail: 9 bytes, too short to hold one
            for match in _BZ2_STREAM.finditer(data):
                yield offset - len(tail) + match.start()
            tail = data[-9:]
            offset += len(block)


def _grouped(starts, size):
    bound = next(starts)
    yield bound
    for start in starts:
        if start - bound >= BZ2_RANGE:
            bound = start
            yield bound
    yield size


def _rechunked(pieces, size):
    """The bytes of ``pieces`` in chunks of ``size`` (the last one shorter): the chunks the
    single-process reader gets from ``read(size)``."""
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        whole = len(buffer) - len(buffer) % size
        for start in range(0, whole, size):
            yield bytes(buffer[start:start + size])
        del buffer[:whole]
    if buffer:
        yield bytes(buffer)


class _Remembered:
    """An iterator that remembers what it gave until the consumer takes it from ``done``
    (the ranges of tasks submitted ahead, for the progress of each result in turn)."""

    def __init__(self, items):
        self._items, self.done = iter(items), deque()

    def __iter__(self):
        for item in self._items:
            self.done.append(item)
            yield item


class _ChunkReader(io.RawIOBase):
    """A binary file reading from an iterator of byte chunks (for the XML parser)."""

    def __init__(self, chunks):
        self._chunks, self._rest = iter(chunks), memoryview(b"")

    def readable(self):
        return True

    def readinto(self, buffer):
        while not self._rest:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._rest = memoryview(chunk)
        n = min(len(buffer), len(self._rest))
        buffer[:n] = self._rest[:n]
        self._rest = self._rest[n:]
        return n


# -- the workers' side -------------------------------------------------------------------------

def _tokenize(text, tokenizer):
    """A block's tokens joined by spaces (see the module's docstring)."""
    return " ".join(tokenizer.tokens_with_newlines(text))


def _read_range(path, start, end, tokenizer):
    """The encoded token blocks of bytes [start, end) of a plain file, and the bytes of
    invalid UTF-8 replaced."""
    before = reading.replaced_so_far()
    with reading.still_there(path):
        blocks = [_tokenize(text, tokenizer) for text in reading.text_of(_chunks(path, start, end))]
    return blocks, reading.replaced_so_far() - before


def _chunks(path, start, end):
    """Bytes [start, end) of a file, in chunks that end at multiples of BLOCK (or at end)."""
    block = reading.BLOCK
    with open(path, "rb") as f:
        f.seek(start)
        position = start
        while position < end:
            chunk = f.read(min(block - position % block, end - position))
            if not chunk:
                return
            position += len(chunk)
            yield chunk


def _decompress(path, start, end, last):
    """The decompressed bytes of the bzip2 streams in bytes [start, end) of ``path``.

    Bytes after the last stream that begin no stream are ignored, but only at the end of the
    file (as :class:`.reading.Streams` does): elsewhere, or beginning as a stream does, they
    are damage.
    """
    with reading.still_there(path), open(path, "rb") as f:
        f.seek(start)
        data = f.read(end - start)
    out = []
    try:
        while data:
            decompressor = bz2.BZ2Decompressor()
            try:
                out.append(decompressor.decompress(data))
            except OSError:
                if out and last and not data.startswith(reading.STREAM_MAGIC["bz2"]):
                    break
                raise
            if not decompressor.eof:
                raise EOFError("Compressed file ended before the end-of-stream marker was reached")
            data = decompressor.unused_data
    except reading.CORRUPT as exc:
        raise reading.corrupt_error(path, "bz2", exc) from None
    return b"".join(out)


def _wiki_tokens(path, pages, tokenizer):
    """The encoded tokens of a batch of (title, text, pageid) pages: one line per article."""
    try:
        lines = list(reading.article_lines(pages))
    except reading.BAD_XML as exc:
        raise reading.bad_dump_error(path, exc) from None
    return _tokenize("".join(line + "\n" for line in lines), tokenizer)
