"""Corpus bytes as text: what both the one-process reader (:mod:`.sources`) and the workers
of the parallel one (:mod:`.parallel`) read with, so that they read the same tokens.

Compressed files are recognised by their first bytes and opened; bytes are decoded into
blocks of text that end on whitespace (invalid UTF-8 replaced, and counted for one warning);
Wikipedia pages become one line of words per article; a damaged file, a damaged dump or a file
that vanished while it was read is one clear error.
"""
import bz2
import codecs
import gzip
import io
import lzma
import queue
import threading
import zlib
from contextlib import contextmanager
from pathlib import Path
from xml.etree import ElementTree

from ..errors import UserError

BLOCK = 1 << 22          # bytes per read: large enough that per-block overhead vanishes
MAX_CARRY = 1 << 20      # a "word" longer than this is cut (at a block end): memory stays bounded
SNIFF = 8192
_MAGIC = {b"\x1f\x8b": "gzip", b"BZh": "bz2", b"\xfd7zXZ\x00": "xz"}
CORRUPT = (lzma.LZMAError, zlib.error, EOFError, OSError)


def compression(path):
    """'gzip', 'bz2', 'xz' or None, from the file's first bytes (not its name)."""
    with open(path, "rb") as f:
        head = f.read(6)
    kind = next((kind for magic, kind in _MAGIC.items() if head.startswith(magic)), None)
    if kind is None and 0 < len(head) < 6:
        # A file shorter than a magic number that it begins is a truncated compressed file
        # (its opener then says so). Not for bz2: "BZh" can begin a text.
        kind = next((kind for magic, kind in _MAGIC.items()
                     if magic.startswith(head) and kind != "bz2"), None)
    return kind


def open_binary(path):
    """The decompressed byte stream of ``path`` and the raw file under it (for progress)."""
    raw = open(path, "rb")
    kind = compression(path)
    if kind == "gzip":  # gzip's reader fails on a damaged member wherever it is
        return gzip.GzipFile(fileobj=raw), raw, kind
    return (Streams(raw, kind) if kind else raw), raw, kind


STREAM_MAGIC = {kind: magic for magic, kind in _MAGIC.items() if kind != "gzip"}
INPUT = 1 << 16  # compressed bytes read at a time


class Streams(io.RawIOBase):
    """The decompressed bytes of a bzip2 or xz file of one or more streams, as a file.

    bz2.BZ2File and lzma.LZMAFile take whatever fails to decompress after a stream's end for
    trailing garbage and stop there without a word, even when it is a damaged stream with more
    after it: a multistream file (Wikipedia's dumps) would lose the rest of its text. Here
    bytes that begin as a stream does are one, and its damage is an error; other bytes after
    the last stream are ignored, as bzip2 and xz do (padding, a signature).
    """

    def __init__(self, raw, kind):
        self.raw, self.magic = raw, STREAM_MAGIC[kind]
        self._new = bz2.BZ2Decompressor if kind == "bz2" else lzma.LZMADecompressor
        self._decompressor, self._pending, self._ended = self._new(), b"", False

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def read(self, size=-1):
        """``size`` decompressed bytes, fewer at the end of the file (all the rest if
        negative); b"" after it."""
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(BLOCK), b""))
        out, wanted = [], size
        while wanted and not self._ended:
            if self._decompressor.eof:
                self._next_stream()
                continue
            data = b""
            if self._decompressor.needs_input:
                data, self._pending = self._pending or self.raw.read(INPUT), b""
                if not data:
                    raise EOFError("the file ended inside a stream")
            out.append(self._decompressor.decompress(data, wanted))
            wanted -= len(out[-1])
        return b"".join(out)

    def _next_stream(self):
        """After a stream's end: the next stream's decompressor, or the end of the file."""
        rest = self._decompressor.unused_data
        while len(rest) < len(self.magic) and (more := self.raw.read(INPUT)):
            rest += more
        if rest.startswith(self.magic):
            self._decompressor, self._pending = self._new(), rest
        else:
            self._ended = True  # nothing more, or trailing bytes that begin no stream


def sniff(path):
    """The first decompressed bytes of a file; raises UserError if it cannot be read."""
    stream, raw, kind = open_binary(path)
    try:
        with raw, stream:
            return stream.read(SNIFF)
    except CORRUPT as exc:
        raise corrupt_error(path, kind, exc) from None


def looks_binary(head):
    return b"\x00" in head


def corrupt_error(path, kind, exc):
    what = f"a valid {kind} file" if kind else "readable"
    return UserError(f"cannot read {path}: it is not {what} or it is truncated ({exc}).",
                     "Download or compress it again.")


# -- invalid UTF-8: replaced, and counted for one warning at the end ---------------------------

_replaced = [0]


def _count_and_replace(exc):
    _replaced[0] += exc.end - exc.start
    return "\ufffd", exc.end


codecs.register_error("wordrep-count", _count_and_replace)


def replaced_so_far():
    """Bytes of invalid UTF-8 replaced so far in this process: the difference over a read is
    what that read replaced."""
    return _replaced[0]


# -- a file's bytes as blocks of text -------------------------------------------------------------

@contextmanager
def still_there(path):
    """A file of the corpus that was deleted or moved after the corpus was opened (a folder
    is listed then): one clear error instead of a FileNotFoundError."""
    try:
        yield
    except FileNotFoundError:
        if Path(path).exists():
            raise
        raise UserError(f"the corpus file {path} vanished while the corpus was being read "
                        "(deleted or moved).",
                        "Run the command again once the corpus files stay in place.") from None


def text_of(chunks):
    """Blocks of text ending on whitespace, decoded from byte chunks (invalid UTF-8 replaced
    and counted: see :func:`replaced_so_far`).

    Where a word longer than MAX_CARRY is cut depends on where the chunks end: a reader of
    part of a file (:mod:`.parallel`) gives the same blocks' tokens as a reader of the whole
    file when its part begins after whitespace and its chunks end where the whole file's do
    (at multiples of BLOCK from the start of the file).
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="wordrep-count")
    carry = ""
    for chunk in chunks:
        text = carry + decoder.decode(chunk)
        cut = max(text.rfind(" "), text.rfind("\n"), text.rfind("\t"))
        if len(text) - cut - 1 >= MAX_CARRY:
            cut = len(text) - 1  # the unfinished "word" is already too long: cut it here
        elif cut < 0:
            carry = text
            continue
        carry = text[cut + 1:]
        yield text[:cut + 1]
    tail = carry + decoder.decode(b"", final=True)
    if tail:
        yield tail + "\n"


def byte_blocks(path, update):
    """Decompressed blocks of ``path``, read ahead in a background thread."""
    stream, raw, kind = open_binary(path)
    blocks = queue.Queue(maxsize=4)
    stop = threading.Event()

    def produce():
        try:
            with raw, stream:
                while not stop.is_set():
                    block = stream.read(BLOCK)
                    _put(blocks, (block, raw.tell()), stop)
                    if not block:
                        return
        except CORRUPT as exc:
            _put(blocks, (exc, None), stop)

    reader = threading.Thread(target=produce, name=f"read {path.name}", daemon=True)
    reader.start()
    done = 0
    try:
        while True:
            block, position = blocks.get()
            if isinstance(block, BaseException):
                raise corrupt_error(path, kind, block)
            if not block:
                return
            update(position - done)
            done = position
            yield block
    finally:
        stop.set()
        reader.join(timeout=5)


def _put(q, item, stop):
    while not stop.is_set():
        try:
            q.put(item, timeout=0.1)
            return
        except queue.Full:
            continue


# -- Wikipedia dumps ------------------------------------------------------------------------------

def article_lines(pages):
    """Each kept article of (title, text, pageid) triples as one line of words, markup
    removed, without its line break."""
    from gensim.corpora import wikicorpus

    for title, text, pageid in pages:
        # the identity tokenizer on split words: the caller's tokenizer decides
        tokens = wikicorpus.process_article((text, title, pageid), _split_words, 1, 10_000, False)[0]
        if len(tokens) < wikicorpus.ARTICLE_MIN_WORDS or _ignored_title(title):
            continue
        yield " ".join(tokens)


def bad_dump_error(path, exc):
    return UserError(f"cannot read {path}: it is not a complete MediaWiki XML dump "
                     f"({type(exc).__name__}: {exc}).",
                     "Download the dump again, or decompress it and read it as text.")


# gensim's dump reader fails in several ways on damaged XML: a parse error, an unknown namespace
# (ValueError), a page without a title or text element (AttributeError), no element at all
# (StopIteration inside a generator becomes RuntimeError).
BAD_XML = (ElementTree.ParseError, ValueError, AttributeError, RuntimeError)


def _ignored_title(title):
    from gensim.corpora.wikicorpus import IGNORED_NAMESPACES
    return not title or any(title.startswith(f"{ns}:") for ns in IGNORED_NAMESPACES)


def _split_words(text, token_min_len, token_max_len, lower):
    return text.split()
