"""Where corpus text comes from: a file (plain or compressed), a folder of files, or a
Wikipedia XML dump.

Everything is streamed in large blocks of text that end on whitespace, so that a one-line,
100 MB file (text8) never becomes one Python string, and the tokenizer runs on megabytes at a
time instead of line by line. Decompression runs in a background thread (lzma, bz2 and zlib
release the GIL), which overlaps it with tokenization on a second core.
"""
import bz2
import codecs
import gzip
import hashlib
import json
import logging
import lzma
import queue
import threading
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from ..atomic import atomic_path
from ..download import sha256_file
from ..errors import UserError
from ..home import cache_dir

log = logging.getLogger(__name__)

BLOCK = 1 << 22          # bytes per read: large enough that per-block overhead vanishes
MAX_CARRY = 1 << 20      # a "word" longer than this is cut (at a block end): memory stays bounded
SNIFF = 8192
_MAGIC = {b"\x1f\x8b": "gzip", b"BZh": "bz2", b"\xfd7zXZ\x00": "xz"}
_OPENERS = {"gzip": lambda raw: gzip.GzipFile(fileobj=raw), "bz2": bz2.BZ2File,
            "xz": lzma.LZMAFile}
_CORRUPT = (lzma.LZMAError, zlib.error, EOFError, OSError)


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
    return (_OPENERS[kind](raw) if kind else raw), raw, kind


def sniff(path):
    """The first decompressed bytes of a file; raises UserError if it cannot be read."""
    stream, raw, kind = open_binary(path)
    try:
        with raw, stream:
            return stream.read(SNIFF)
    except _CORRUPT as exc:
        raise _corrupt_error(path, kind, exc) from None


def looks_binary(head):
    return b"\x00" in head


def _corrupt_error(path, kind, exc):
    what = f"a valid {kind} file" if kind else "readable"
    return UserError(f"cannot read {path}: it is not {what} or it is truncated ({exc}).",
                     "Download or compress it again.")


# -- invalid UTF-8: replaced, and counted for one warning at the end ---------------------------

_replaced = [0]


def _count_and_replace(exc):
    _replaced[0] += exc.end - exc.start
    return "\ufffd", exc.end


codecs.register_error("wordrep-count", _count_and_replace)


@dataclass
class ReadStats:
    """What reading found besides the text."""
    replaced_bytes: int = 0
    files: int = 0
    skipped: list = field(default_factory=list)


# -- sources ------------------------------------------------------------------------------------

@dataclass
class Source:
    """A corpus on disk.

    Parameters
    ----------
    path : Path
        A file or a folder.
    kind : str
        'text' (a file, plain or compressed), 'folder' or 'wikipedia' (an XML dump, .bz2).
    files : list of Path
        The text files to read, in order.
    """

    path: Path
    kind: str
    files: list

    @classmethod
    def from_path(cls, path):
        path = Path(path).expanduser()
        if not path.exists():
            raise UserError(f"corpus not found: {path} does not exist.",
                            "Give a path to a text file or folder, or a named corpus "
                            "(see `wordrep corpus list`).")
        if path.is_dir():
            return cls(path, "folder", _text_files(path))
        if not path.is_file():
            raise UserError(f"cannot read corpus {path}: not a regular file.",
                            "Give a text file or a folder of text files.")
        head = sniff(path)
        if looks_binary(head):
            raise UserError(f"{path} looks like a binary file, not text (it contains NUL bytes).",
                            "Give a plain-text corpus (optionally .gz, .bz2 or .xz).")
        kind = "wikipedia" if b"<mediawiki" in head[:2048] and compression(path) == "bz2" else "text"
        return cls(path, kind, [path])

    @property
    def size(self):
        """Bytes on disk (compressed), for progress."""
        total = 0
        for path in self.files:
            with _still_there(path):
                total += path.stat().st_size
        return total

    def checksum(self):
        """SHA-256 of the source's bytes (for a folder: of its files' names and checksums)."""
        if self.kind != "folder":
            with _still_there(self.path):
                return file_checksum(self.path)
        lines = []
        for path in self.files:
            with _still_there(path):
                lines.append(f"{path.relative_to(self.path).as_posix()}\t{file_checksum(path)}")
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()

    def text_blocks(self, stats, update=lambda n: None):
        """Blocks of text ending on whitespace; line breaks kept."""
        if self.kind == "wikipedia":
            with _still_there(self.path):
                yield from _wikipedia_blocks(self.path, stats)
            return
        for path in self.files:
            stats.files += 1
            with _still_there(path):
                yield from _file_blocks(path, stats, update)

    def token_blocks(self, tokenizer, stats, update=lambda n: None):
        """Lists of tokens (NEWLINE tokens at line breaks), in corpus order: the tokens of
        :meth:`text_blocks`, read and tokenized on every core when the corpus is large
        (see :mod:`.parallel`)."""
        from . import parallel
        return parallel.token_blocks(self, tokenizer, stats, update)


@contextmanager
def _still_there(path):
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


def _text_files(folder):
    files, skipped = [], []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        try:
            binary = looks_binary(sniff(path))
        except (UserError, OSError):
            binary = True
        (skipped if binary else files).append(path)
    if skipped:
        log.warning("skipped %d binary or unreadable file(s) in %s, e.g. %s",
                    len(skipped), folder, skipped[0].name)
    if not files:
        raise UserError(f"the folder {folder} has no text files.",
                        "Put plain-text files (optionally .gz, .bz2 or .xz) in it, or give a file.")
    return files


def _file_blocks(path, stats, update):
    before = _replaced[0]
    yield from text_of(_byte_blocks(path, update))
    stats.replaced_bytes += _replaced[0] - before


def text_of(chunks):
    """Blocks of text ending on whitespace, decoded from byte chunks (invalid UTF-8 replaced
    and counted in ``_replaced``).

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


def _byte_blocks(path, update):
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
        except _CORRUPT as exc:
            _put(blocks, (exc, None), stop)

    reader = threading.Thread(target=produce, name=f"read {path.name}", daemon=True)
    reader.start()
    done = 0
    try:
        while True:
            block, position = blocks.get()
            if isinstance(block, BaseException):
                raise _corrupt_error(path, kind, block)
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


def _wikipedia_blocks(path, stats, articles_per_block=200):
    """Article texts from a MediaWiki XML dump, through gensim's wikicorpus (markup removed).

    An article becomes one line; gensim's WikiCorpus filters apply (only main-namespace
    articles, none of fewer than 50 tokens, no redirects). gensim's own ``WikiCorpus.get_texts``
    is not used: it parses the XML in a child process, and when that child fails on a damaged
    dump the parent waits for it forever. Here the parse runs in this process, so a damaged
    dump ends in an error.
    """
    from gensim.corpora import wikicorpus

    stats.files += 1
    lines = []
    try:
        with bz2.BZ2File(path) as f:
            for line in article_lines(wikicorpus.extract_pages(f, filter_namespaces=("0",))):
                lines.append(line)
                if len(lines) >= articles_per_block:
                    yield "\n".join(lines) + "\n"
                    lines = []
    except _CORRUPT as exc:
        raise _corrupt_error(path, "bz2", exc) from None
    except _BAD_XML as exc:
        raise bad_dump_error(path, exc) from None
    if lines:
        yield "\n".join(lines) + "\n"


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
_BAD_XML = (ElementTree.ParseError, ValueError, AttributeError, RuntimeError)


def _ignored_title(title):
    from gensim.corpora.wikicorpus import IGNORED_NAMESPACES
    return not title or any(title.startswith(f"{ns}:") for ns in IGNORED_NAMESPACES)


def _split_words(text, token_min_len, token_max_len, lower):
    return text.split()


# -- checksums, remembered by file identity so the next run does not re-read the file -----------

def file_checksum(path):
    """SHA-256 of a file, remembered under its path, size, times and inode.

    The inode change time is part of the key because a user can restore everything else: a
    file edited in place to the same size, its mtime set back (``touch -r``), must be hashed
    again, and no program can set the change time back.
    """
    path = Path(path).resolve()
    st = path.stat()
    key = f"{path}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}|{st.st_ctime_ns}"
    memo = cache_dir("checksums") / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".json")
    if memo.is_file():
        try:
            return json.loads(memo.read_text())["sha256"]
        except (ValueError, KeyError):
            pass  # a damaged memo is recomputed, never trusted
    digest = sha256_file(path)
    with atomic_path(memo) as tmp:
        tmp.write_text(json.dumps({"path": str(path), "sha256": digest}))
    return digest
