"""Where corpus text comes from: a file (plain or compressed), a folder of files, or a
Wikipedia XML dump.

Everything is streamed in large blocks of text that end on whitespace, so that a one-line,
100 MB file (text8) never becomes one Python string, and the tokenizer runs on megabytes at a
time instead of line by line. Decompression runs in a background thread (lzma, bz2 and zlib
release the GIL), which overlaps it with tokenization on a second core. How bytes become
text is in :mod:`.reading` (shared with the workers of :mod:`.parallel`).
"""
import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import atomic_path
from ..download import sha256_file
from ..errors import UserError
from ..home import cache_dir
from . import parallel
from .reading import (BAD_XML, CORRUPT, Streams, article_lines, bad_dump_error,
                      byte_blocks, compression, corrupt_error, looks_binary, replaced_so_far,
                      sniff, still_there, text_of)

log = logging.getLogger(__name__)


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
            with still_there(path):
                total += path.stat().st_size
        return total

    def checksum(self):
        """SHA-256 of the source's bytes (for a folder: of its files' names and checksums)."""
        if self.kind != "folder":
            with still_there(self.path):
                return file_checksum(self.path)
        lines = []
        for path in self.files:
            with still_there(path):
                lines.append(f"{path.relative_to(self.path).as_posix()}\t{file_checksum(path)}")
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()

    def text_blocks(self, stats, update=lambda n: None):
        """Blocks of text ending on whitespace; line breaks kept."""
        if self.kind == "wikipedia":
            with still_there(self.path):
                yield from _wikipedia_blocks(self.path, stats)
            return
        for path in self.files:
            stats.files += 1
            with still_there(path):
                yield from _file_blocks(path, stats, update)

    def token_blocks(self, tokenizer, stats, update=lambda n: None):
        """Lists of tokens (NEWLINE tokens at line breaks), in corpus order: the tokens of
        :meth:`text_blocks`, read and tokenized on every core when the corpus is large
        (see :mod:`.parallel`)."""
        return parallel.token_blocks(self, tokenizer, stats, update)


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
    before = replaced_so_far()
    yield from text_of(byte_blocks(path, update))
    stats.replaced_bytes += replaced_so_far() - before


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
        with open(path, "rb") as raw, Streams(raw, "bz2") as f:  # a damaged stream: an error
            for line in article_lines(wikicorpus.extract_pages(f, filter_namespaces=("0",))):
                lines.append(line)
                if len(lines) >= articles_per_block:
                    yield "\n".join(lines) + "\n"
                    lines = []
    except CORRUPT as exc:
        raise corrupt_error(path, "bz2", exc) from None
    except BAD_XML as exc:
        raise bad_dump_error(path, exc) from None
    if lines:
        yield "\n".join(lines) + "\n"


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
