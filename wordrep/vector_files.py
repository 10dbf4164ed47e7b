"""What a word2vec or GloVe file holds, checked before and after gensim reads it.

gensim trusts the header of a word2vec file: it allocates ``rows x dim`` floats (and a list of
``rows`` slots) before it reads a single row, and it stops after ``rows`` rows, whatever
follows. A damaged or hostile header would make it allocate terabytes, or silently drop the
rest of the file. So the file is measured first, in one streaming pass (no pass at all for
an uncompressed binary file: its size is enough), and the header must agree with it:

- text (word2vec and GloVe): the number of rows is the number of non-blank lines, and every
  row of ``dim`` numbers takes at least ``2 * dim + 2`` bytes;
- binary: every row takes at least ``4 * dim + 2`` bytes before reading, and after reading,
  the words read and their vectors must account for every byte of the file.

Two things gensim misreads are refused before it reads, naming the line: a UTF-8 byte-order
mark (it becomes part of the header or the first word) and tabs between a word and its values
(gensim splits rows on single spaces). A text file detected as binary because its first word
holds a space is told apart from a binary file.

After reading, three things gensim lets through are refused or undone: a text row of a single
value (numpy broadcasts it over the whole row), an empty word, and the ``None`` words it
leaves for duplicates.
"""
import codecs
import lzma
import re
import zlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from .errors import UserError

BLOCK = 1 << 20
MAX_HEADER = 256            # "3000000 300\n": a longer first line is no header
MAX_FIRST_ROW = 16 << 20    # the first GloVe row gives the dimension: 16 MB is dim > 10^6
FLOAT_BYTES = 4             # the C tool's binary rows are float32
# A tab followed by a value: what gensim, splitting on spaces, misreads (a tab that ends a line
# is stripped with the line break and harmless).
INNER_TAB = re.compile(rb"\t(?=[^\s])")


@dataclass
class Shape:
    """What a vector file holds: ``rows`` words of ``dim`` numbers, in ``size`` bytes
    (decompressed), the first ``header_bytes`` of which are the header line."""
    rows: int
    dim: int
    size: int
    header_bytes: int


def measure(path, fmt):
    """The :class:`Shape` of a ``word2vec``, ``word2vec-binary`` or ``glove`` file.

    Raises
    ------
    UserError
        A header that is not two positive whole numbers, or that promises more rows or
        dimensions than the file can hold (or, for text, fewer rows than it has).
    """
    path = Path(path)
    try:
        with _open(path) as f:
            first = f.readline(MAX_FIRST_ROW if fmt == "glove" else MAX_HEADER)
            _check_no_bom(path, first)
            text = fmt != "word2vec-binary"
            if text:  # the first row of a GloVe file is data: tabs there count too
                _check_no_inner_tab(path, first if fmt == "glove" else b"", 1, b"")
            size, lines = _count(f, first, count_lines=text, known_size=_plain_size(path),
                                 on_block=partial(_check_no_inner_tab, path) if text else None)
    except (OSError, EOFError, ImportError, zlib.error, lzma.LZMAError) as exc:
        raise UserError(f"cannot read {path}: {exc}.", "The file may be truncated or damaged; "
                        "download or write it again.") from None
    if fmt == "glove":
        return _glove_shape(path, first, size, lines)
    rows, dim = _header(path, first)
    shape = Shape(rows, dim, size, len(first))
    if fmt == "word2vec-binary":
        _check_not_text(path, dim)
        _check_room(path, shape, FLOAT_BYTES * dim + 2)
    else:
        _check_room(path, shape, 2 * dim + 2)
        if lines - 1 != rows:
            raise UserError(f"{path}: the header says {rows:,} word(s), but "
                            f"{lines - 1:,} line(s) follow it.",
                            "Correct the first line (words dimensions), or check that the file "
                            "is complete.")
    return shape


def check_all_read(path, kv, shape):
    """After gensim has read a binary file: its rows must account for the whole file.

    gensim stops after the number of rows in the header; bytes left over mean the header
    gives too few rows or the wrong dimension. A row is the word, a space and ``dim`` floats;
    the C tool ends each with a line break, gensim's writer does not: the byte after the first
    row tells which. A duplicate word (gensim keeps the first) is allowed for.
    """
    words = kv.index_to_key
    encoded = [len(w.encode("utf-8")) for w in words]
    row_bytes = FLOAT_BYTES * shape.dim + 1
    used = shape.header_bytes + len(words) * row_bytes + sum(encoded)
    duplicates = shape.rows - len(words)
    after_first_row = _byte_at(path, shape.header_bytes + encoded[0] + row_bytes)
    line_breaks = shape.rows if after_first_row == b"\n" else 0
    left = shape.size - used
    if left > line_breaks + duplicates * (row_bytes + max(encoded) + 1):
        raise UserError(f"{path}: the header says {shape.rows:,} word(s) of {shape.dim} "
                        f"dimension(s), but {left:,} bytes follow those rows.",
                        "The header is wrong or the file is damaged; correct the first line or "
                        "write the file again.")


def _byte_at(path, offset):
    with _open(path) as f:
        return f.read(offset + 1)[offset:]


def check_row_lengths(path, kv, header_lines):
    """A text row of one value passes gensim's reader as a constant vector: numpy broadcasts
    it over the whole row. Rows whose values are all equal are looked up in the file (by
    their word, since duplicates shift rows), and must hold ``dim`` values like the others."""
    vectors = kv.vectors
    dim = vectors.shape[1]
    if dim < 2:
        return
    # max - min by two reductions: no rows x dim temporary
    constant = np.flatnonzero(np.ptp(vectors, axis=1) == 0)
    suspects = {kv.index_to_key[i] for i in constant}
    with _open(path) as f:
        for number, line in enumerate(f, 1):
            if not suspects:
                return
            if number <= header_lines:
                continue
            fields = line.rstrip().split(b" ")  # as gensim splits a row
            word = fields[0].decode("utf-8", errors="replace")
            if word in suspects:
                suspects.discard(word)  # its first row is the one gensim kept
                if len(fields) - 1 != dim:
                    raise UserError(f"{path}, line {number:,}: {len(fields) - 1} value(s) for "
                                    f"{word!r}, but the vectors have {dim} dimensions.",
                                    "Fix or remove that line.")


def check_words(path, kv):
    """A row whose word is empty (a line that starts with a space) cannot be looked up, nor
    written back: refuse it."""
    if "" in kv.key_to_index:
        raise UserError(f"{path}: row {kv.key_to_index[''] + 1:,} has an empty word (the line "
                        "starts with a space).", "Fix or remove that row.")


def drop_unfilled_rows(kv):
    """gensim leaves a ``None`` word and a zero row for every duplicate word it skips
    (it shrinks only the matrix, not the word list): drop them."""
    n = kv.next_index
    if len(kv.index_to_key) > n:
        kv.index_to_key = kv.index_to_key[:n]
        kv.vectors = np.ascontiguousarray(kv.vectors[:n])
        kv.expandos = {key: values[:n] for key, values in kv.expandos.items()}


def _open(path):
    from gensim import utils  # the same decompression (by suffix) as gensim's reader
    return utils.open(str(path), "rb")


def _plain_size(path):
    from smart_open.compression import get_supported_extensions
    return None if path.suffix.lower() in get_supported_extensions() else path.stat().st_size


def _count(f, first, count_lines, known_size, on_block=None):
    """Bytes in the file and non-blank lines (a run of blank lines at the end is not rows).

    ``on_block(block, line, before)`` sees each block after ``first`` with the number of the
    line it starts in and the byte before it.
    """
    if known_size is not None and not count_lines:
        return known_size, None
    size, newlines, trailing, seen = len(first), first.count(b"\n"), 0, bool(first.strip())
    if seen:
        trailing = first.count(b"\n", len(first.rstrip()))
    else:
        trailing = newlines
    last = first[-1:]
    while block := f.read(BLOCK):
        if on_block:
            on_block(block, newlines + 1, last)
        last = block[-1:]
        size += len(block)
        newlines += block.count(b"\n")
        content = block.rstrip()
        if content:
            seen, trailing = True, block.count(b"\n", len(content))
        else:
            trailing += block.count(b"\n")
    return size, (newlines - trailing + 1 if seen else 0)


def _check_no_bom(path, first):
    if first.startswith(codecs.BOM_UTF8):
        raise UserError(f"{path}, line 1: the file starts with a UTF-8 byte-order mark (BOM), "
                        "which word2vec and GloVe readers take as part of the first line's "
                        "first field.",
                        "Save it as UTF-8 without a BOM, e.g. "
                        f"sed -i '1s/^\\xEF\\xBB\\xBF//' {path}")


def _check_no_inner_tab(path, data, line, before):
    """Refuse a tab between a word and its values in ``data``, which starts in line ``line``
    after the byte ``before``."""
    if before == b"\t" and data[:1].strip():  # a tab that ends the previous block
        _refuse_tab(path, line)
    found = b"\t" in data and INNER_TAB.search(data)  # `in` is a fast scan, the regex is not
    if found:
        _refuse_tab(path, line + data.count(b"\n", 0, found.start()))


def _refuse_tab(path, number):
    raise UserError(f"{path}, line {number:,}: a tab separates values, but word2vec and GloVe "
                    "text files separate a word and its values with single spaces.",
                    f"Replace the tabs with spaces, e.g. tr '\\t' ' ' < {path} > fixed.vec")


def _check_not_text(path, dim):
    """A text file whose first word holds a space looks like a binary one to the format
    detection (its first row has too many fields): say so, instead of what a binary reader
    makes of text."""
    with _open(path) as f:
        f.readline(MAX_HEADER)
        row = f.readline(min(FLOAT_BYTES * dim, MAX_FIRST_ROW) + MAX_HEADER)  # dim may be a lie
    try:
        fields = row.decode("utf-8").split()
        np.array(fields[-dim:], dtype=np.float64)
    except (UnicodeDecodeError, ValueError):
        return  # binary floats
    if row.endswith(b"\n") and len(fields) > dim + 1:
        word = " ".join(fields[:-dim])
        raise UserError(f"{path}, line 2: the word {word!r} contains a space, which a word2vec "
                        f"text file cannot hold ({len(fields)} fields for a word and {dim} "
                        "values).", "Join the parts of the word (new_york), or save the vectors "
                        "in wordrep's own format, which holds any word.")


def _header(path, first):
    fields = first.split()
    if not first.endswith(b"\n") or len(fields) != 2 or \
            not all(f.isdigit() and f.isascii() for f in fields):
        raise UserError(f"{path}: the first line is not a word2vec header (two whole numbers: "
                        f"words and dimensions): {first[:60]!r}.",
                        "Pass the right format (a GloVe file has no header).")
    rows, dim = int(fields[0]), int(fields[1])
    if rows == 0 or dim == 0:
        raise UserError(f"{path}: the header says {rows} words of {dim} dimensions: "
                        "the file holds no vectors.", "Give a file with vectors in it.")
    return rows, dim


def _check_room(path, shape, min_row_bytes):
    """Every row takes at least ``min_row_bytes`` (the last one may lack its line break)."""
    if shape.rows * min_row_bytes - 1 > shape.size - shape.header_bytes:
        raise UserError(f"{path}: the header says {shape.rows:,} word(s) of {shape.dim:,} "
                        f"dimension(s), more than its {shape.size:,} bytes can hold.",
                        "The header is wrong or the file is truncated; correct the first line "
                        "or download the file again.")


def _glove_shape(path, first, size, lines):
    if not first.endswith(b"\n") and len(first) == MAX_FIRST_ROW:
        raise UserError(f"{path}: the first line is longer than {MAX_FIRST_ROW:,} bytes; "
                        "this is not a GloVe file.", "Pass the right file or format.")
    dim = len(first.rstrip().split(b" ")) - 1  # gensim splits on single spaces
    if lines == 0 or dim < 1:
        raise UserError(f"{path}: no vectors (the first line should be a word and its numbers).",
                        "Give a GloVe file: one `word x1 ... xn` line per word.")
    shape = Shape(lines, dim, size, 0)
    if lines * (2 * dim + 2) - 1 > size:
        raise UserError(f"{path}: {lines:,} lines cannot all hold {dim:,} numbers as the first "
                        f"one does in {size:,} bytes.",
                        "Every line needs a word and the same number of values.")
    return shape
