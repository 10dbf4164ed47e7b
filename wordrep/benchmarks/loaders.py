"""Reading benchmark files as they are published.

Similarity files: one pair a line, ``word1 word2 score`` separated by tabs (or, when a line
has no tab, by spaces; by commas in ``.csv`` files). Comment lines (``#``, ``//``), blank lines,
Windows line endings and one header line before the data are skipped. Anything else that does
not parse stops loading with the file name and line number: a silently skipped line would
change every score computed on the file.

Analogy files: ``a b c d`` lines, grouped by ``: section`` lines (the Google format) or with
no sections at all (the MSR format).
"""
import hashlib
import logging
import re
from collections import Counter
from pathlib import Path

import numpy as np

from ..errors import UserError
from .datasets import AnalogyDataset, SimilarityDataset

log = logging.getLogger("wordrep")
COMMENTS = ("#", "//")
MAX_BYTES = 64 << 20  # the largest published benchmark (BATS) is a few MB
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _read_lines(path):
    """The decoded lines of ``path`` and the file's SHA-256."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"benchmark file {path} does not exist.",
                        "Check the path, or use a name from `wordrep benchmarks list`.")
    if path.is_dir():
        raise UserError(f"benchmark {path} is a folder, not a file.", "Give the file inside it.")
    if not path.is_file():  # a pipe or a device could block or never end
        raise UserError(f"benchmark {path} is not a regular file.", "Give a text file.")
    if path.stat().st_size > MAX_BYTES:
        raise UserError(f"benchmark file {path} is {path.stat().st_size:,} bytes; benchmark files "
                        f"are small (the limit is {MAX_BYTES:,}).",
                        "Check that it is the intended file.")
    data = path.read_bytes()
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise UserError(f"benchmark file {path} is binary, not text (a NUL byte on line {line}).",
                        "Give a text file with one pair or question a line.")
    # utf-8-sig drops a byte-order mark; invalid bytes are replaced, not fatal: the affected
    # words simply will not be found in any vocabulary.
    text = data.decode("utf-8-sig", errors="replace")
    # Only \n, \r\n and \r end a line: str.splitlines would also break at form feeds and
    # Unicode separators inside a field, and give wrong line numbers.
    return _LINE_BREAK.split(text), hashlib.sha256(data).hexdigest()


def _fields(line, comma):
    if "\t" in line:
        return [f.strip() for f in line.split("\t")]
    if comma and "," in line:
        return [f.strip() for f in line.split(",")]
    return line.split()


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def read_similarity(path, name=None, columns=None, scale=None, **info):
    """Load word pairs with gold scores from a text file.

    Parameters
    ----------
    path : str or Path
    name : str, optional
        Defaults to the file's stem.
    columns : (int, int, int), optional
        Which fields hold word 1, word 2 and the score, for published files with more fields
        (SimVerb-3500 keeps its score in the fourth). Without it, a line must have exactly
        three fields.
    scale : (float, float), optional
        The published score range; defaults to the observed one.
    **info
        Passed on to :class:`SimilarityDataset` (agreement, licence, citation...).

    Raises
    ------
    UserError
        A missing, empty or binary file; a line with the wrong number of fields or a score
        that is not a number (naming the file and the line).

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "pairs.txt")
    >>> _ = open(path, "w").write("# my pairs\\nword1 word2 score\\ncat dog 7.5\\r\\ncar bus 6\\n")
    >>> data = read_similarity(path)
    >>> data.pairs, data.scores
    ([('cat', 'dog'), ('car', 'bus')], array([7.5, 6. ]))
    """
    path = Path(path)
    lines, sha256 = _read_lines(path)
    comma = path.suffix.lower() == ".csv"
    exact = columns is None
    w1, w2, sc = columns = columns or (0, 1, 2)
    need = max(columns) + 1
    pairs, scores, seen_data = [], [], False
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped or stripped.startswith(COMMENTS):
            continue
        fields = _fields(stripped, comma)
        if (len(fields) != need) if exact else (len(fields) < need):
            raise UserError(f"{path}, line {number}: expected {need if exact else f'at least {need}'} "
                            f"fields (word1 word2 score), found {len(fields)}: {stripped[:60]!r}.",
                            "Fix or delete that line.")
        if not fields[w1] or not fields[w2]:
            raise UserError(f"{path}, line {number}: an empty word: {stripped[:60]!r}.",
                            "Fix or delete that line.")
        if not _is_number(fields[sc]):
            if not seen_data:
                seen_data = True  # a header line ("word1 word2 score") before the data
                continue
            raise UserError(f"{path}, line {number}: the score {fields[sc]!r} is not a number.",
                            "Fix or delete that line.")
        seen_data = True
        score = float(fields[sc])
        if not np.isfinite(score):
            raise UserError(f"{path}, line {number}: the score {fields[sc]!r} is not finite.",
                            "Fix or delete that line.")
        pairs.append((fields[w1], fields[w2]))
        scores.append(score)
    if not pairs:
        raise UserError(f"benchmark file {path} has no word pairs.",
                        "A similarity file has one `word1 word2 score` line per pair.")
    scores = np.array(scores)
    _check_scale(scores, scale, pairs, path)
    duplicates = _count_duplicates(pairs, path)
    return SimilarityDataset(name or path.stem, pairs, scores, scale=scale,
                             source=str(path), sha256=sha256, duplicates=duplicates, **info)


def _check_scale(scores, scale, pairs, path):
    """A published dataset's scores lie on its published scale; a score outside it means a
    damaged file or another dataset."""
    if scale is None:
        return
    outside = np.flatnonzero((scores < scale[0]) | (scores > scale[1]))
    if outside.size:
        first = int(outside[0])
        raise UserError(f"{path}: the score {scores[first]:g} of the pair "
                        f"{'-'.join(pairs[first])} is outside the scale {scale[0]:g}-{scale[1]:g} "
                        f"({outside.size} pair(s) in all).",
                        "The file may be damaged or not the expected dataset: fetch it again.")


def _count_duplicates(pairs, path):
    """Warn about pairs that occur twice (in either order): kept, since published data has them."""
    counts = Counter(tuple(sorted(p)) for p in pairs)
    extra = sum(c - 1 for c in counts.values() if c > 1)
    if extra:
        examples = ", ".join("-".join(p) for p, c in counts.items() if c > 1)
        log.warning("Warning: %s has %d duplicate pair(s) (%s); they are kept, as published.",
                    path, extra, examples[:120])
    return extra


def read_analogy(path, name=None, groups=None, **info):
    """Load analogy questions ``a b c d`` from a text file.

    Sections start with a ``: name`` line (the Google format); questions before the first
    one, or in a file without any, belong to a section named after the dataset. When some
    section names start with ``gram``, the Google convention, each section is tagged
    syntactic (those) or semantic (the others).

    Raises
    ------
    UserError
        A missing or empty file, or a question line without exactly four words.
    """
    path = Path(path)
    lines, sha256 = _read_lines(path)
    name = name or path.stem
    questions, sections, names = [], [], []
    current = None
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped or stripped.startswith(COMMENTS):
            continue
        if stripped.startswith(":"):
            names.append(stripped[1:].strip() or f"section {len(names) + 1}")
            current = len(names) - 1
            continue
        fields = stripped.split()
        if len(fields) != 4:
            raise UserError(f"{path}, line {number}: an analogy question has 4 words "
                            f"(a b c d), found {len(fields)}: {stripped[:60]!r}.",
                            "Fix or delete that line.")
        if current is None:
            names.append(name)
            current = len(names) - 1
        questions.append(tuple(fields))
        sections.append(current)
    if not questions:
        raise UserError(f"benchmark file {path} has no analogy questions.",
                        "An analogy file has one `a b c d` line per question.")
    if groups is None and any(n.startswith("gram") for n in names):
        groups = {n: "syntactic" if n.startswith("gram") else "semantic" for n in names}
    return AnalogyDataset(name, questions, names, np.array(sections), groups or {},
                          source=str(path), sha256=sha256, **info)


def sniff_kind(path):
    """``"analogy"`` or ``"similarity"`` for a user's file, from its first data lines."""
    lines, _ = _read_lines(path)
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith(COMMENTS):
            continue
        if stripped.startswith(":"):
            return "analogy"
        fields = _fields(stripped, Path(path).suffix.lower() == ".csv")
        if len(fields) == 4 and not _is_number(fields[-1]):
            return "analogy"
        return "similarity"
    return "similarity"  # empty: read_similarity says so
