"""What the fuzz tests (tests/test_fuzz_*.py) share: the hypothesis profiles, the one property
every reader must have, the count of cases per reader, and strategies for hostile text.

The property: whatever the input, a reader either returns a valid object (each test checks
what valid means for its reader) or raises :class:`~wordrep.errors.UserError` whose one-line
message names the input. Any other exception fails the test: it is a bug in the reader.

Profiles (``HYPOTHESIS_PROFILE``): ``wordrep`` (the default) is deterministic
(``derandomize``) and small enough for every test run; ``fuzz`` tries 20 times as many cases,
randomly, for a deeper run::

    HYPOTHESIS_PROFILE=fuzz .venv/bin/python -m pytest tests/test_fuzz_*.py

The number of cases each reader met, and how each ended, is printed at the end of the pytest
run (see ``pytest_terminal_summary`` in conftest.py).
"""
import contextlib
import os
import shutil
import socket
import stat
import tempfile
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from wordrep.errors import UserError

_SHARED = dict(
    # A deadline far above any honest case (milliseconds): a reader that takes this long on
    # a few kilobytes is stuck, not slow. The 500 MB line and the damaged Wikipedia dump,
    # where a hang is plausible, run in a child process with a timeout instead.
    deadline=timedelta(seconds=20),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
    print_blob=True,
)
settings.register_profile("wordrep", max_examples=60, derandomize=True, database=None, **_SHARED)
settings.register_profile("fuzz", max_examples=1200, **_SHARED)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "wordrep")
settings.load_profile(PROFILE)


def examples(n):
    """``n`` cases under the default profile, scaled like the profile's own max_examples."""
    return max(1, n * settings.get_profile(PROFILE).max_examples // 60)


# -- the property and the counts ------------------------------------------------------------------

COUNTS = defaultdict(Counter)


def read(reader, path, call):
    """``call()``'s result, or None when it refused the input with a proper UserError.

    Counts the case for ``reader`` as loaded or refused. A UserError must name ``path`` (its
    file name at least) in one line; any other exception propagates and fails the test.
    """
    COUNTS[reader]["generated"] += 1
    try:
        result = call()
    except UserError as exc:
        message = exc.format()
        assert Path(path).name in message, f"the error does not name {path}: {message}"
        assert "\n" not in message and "Traceback" not in message, message
        COUNTS[reader]["refused"] += 1
        return None
    COUNTS[reader]["loaded"] += 1
    return result


def summary_lines():
    """One line a reader: cases generated, survived (loaded or refused with a UserError)."""
    lines = []
    for reader in sorted(COUNTS):
        c = COUNTS[reader]
        survived = c["loaded"] + c["refused"]
        lines.append(f"{reader:38} {c['generated']:5} generated, {survived:5} survived "
                     f"(loaded {c['loaded']}, refused {c['refused']} with UserError)")
    if lines:
        total = sum(c["generated"] for c in COUNTS.values())
        lines.append(f"{'all readers':38} {total:5} generated (profile {PROFILE!r})")
    return lines


@contextlib.contextmanager
def scratch():
    """A fresh folder for one generated case (hypothesis calls a test many times, and
    pytest's tmp_path is made once per test, not per case)."""
    folder = Path(tempfile.mkdtemp(prefix="wordrep-fuzz-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- hostile text ---------------------------------------------------------------------------------

# Words a reader may meet: plain, accented, other scripts, inner spaces and tabs, apostrophes,
# hyphens, a byte-order mark, Unicode line and paragraph separators, a very long one. (NUL
# bytes come from the binary strategies and UTF-16 lines: every file with one in its first
# block is refused as binary, so they would leave few files to read.)
AWKWARD_WORDS = ["cat", "dog", "new york", "a\tb", "naïve", "Éclair", "日本語", "don't",
                 "well-known", "\ufeffbom", "line\u2028sep", "über_cool", "42",
                 "e\u0301", "😀", "q" * 300, "", " ", "\t", "-", "'", "\r"]
SAFE_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs",))
words = st.one_of(st.sampled_from(AWKWARD_WORDS), st.text(SAFE_CHARS, min_size=1, max_size=10))
plain_words = st.from_regex(r"[a-z]{1,8}", fullmatch=True)

ENCODINGS = ["utf-8"] * 4 + ["latin-1", "cp1252", "utf-8-sig"]


def one_in(draw, n):
    """True about once in ``n`` draws. (Not ``integers(0, n - 1) == 0``: hypothesis favours
    the ends of a range, which would make the rare case a common one.)"""
    return draw(st.integers(1, n)) == n // 2 + 1


@st.composite
def mixed_encoding_bytes(draw, lines):
    """Lines of text, each encoded its own way, now and then with random bytes between them;
    or, once in ten files, the whole file in UTF-16 (NUL bytes in ASCII text)."""
    if one_in(draw, 10):
        return "".join(lines).encode(draw(st.sampled_from(["utf-16", "utf-16-le"])))
    out = []
    for line in lines:
        out.append(line.encode(draw(st.sampled_from(ENCODINGS)), errors="replace"))
        if one_in(draw, 30):
            out.append(draw(st.binary(max_size=8)))
    return b"".join(out)


@st.composite
def mutated(draw, data):
    """``data`` damaged in one of the ways files get damaged: cut short, bytes flipped, a
    run deleted or inserted, junk appended; or left intact."""
    how = draw(st.sampled_from(["intact", "truncate", "flip", "delete", "insert", "append"]))
    if not data or how == "intact":
        return data, how
    at = draw(st.integers(0, len(data) - 1))
    if how == "truncate":
        return data[:at], how
    if how == "flip":
        damaged = bytearray(data)
        for i in draw(st.lists(st.integers(at, len(data) - 1), min_size=1, max_size=4)):
            damaged[i] ^= draw(st.integers(1, 255))
        return bytes(damaged), how
    if how == "delete":
        return data[:at] + data[at + draw(st.integers(1, 64)):], how
    junk = draw(st.binary(min_size=1, max_size=64))
    return (data[:at] + junk + data[at:], how) if how == "insert" else (data + junk, how)


# -- output paths ---------------------------------------------------------------------------------

def char_device(path):
    """A character device node (the numbers of /dev/null); making one needs root."""
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))


def unix_socket(path):
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))  # the socket file stays after the socket is closed


def plain_folder(path):
    path.mkdir()
    (path / "mine.txt").write_text("the user's own file")


def model_folder(path):
    """A small saved wordrep model (a folder with meta.json)."""
    import numpy as np

    from wordrep.representations.dense import DenseVectors
    from wordrep.storage import save
    save(DenseVectors.from_arrays(["old", "model"], np.eye(2, dtype=np.float32)), path,
         format="native")  # a folder whatever the suffix


def regular_file(path):
    path.write_text("the user's own file")


def linked(make):
    """A maker of a symbolic link (relative) to a thing ``make`` puts beside it."""
    def make_link(path):
        target = path.with_name(path.name + ".target")
        make(target)
        path.symlink_to(target.name)
    return make_link


# What may be at an output path: kind -> (maker, or None for nothing, what it resolves to).
# The last is what a write would meet after following links: "missing", "file", "model",
# or None for something never replaced (special files, other folders, dangling links).
OUTPUT_KINDS = {
    "missing": (None, "missing"),
    "file": (regular_file, "file"),
    "model folder": (model_folder, "model"),
    "plain folder": (plain_folder, None),
    "empty folder": (lambda p: p.mkdir(), None),
    "fifo": (os.mkfifo, None),
    "socket": (unix_socket, None),
    "link to a file": (linked(regular_file), "file"),
    "link to a link to a file": (linked(linked(regular_file)), "file"),
    "link to a model folder": (linked(model_folder), "model"),
    "link to a plain folder": (linked(plain_folder), None),
    "link to a fifo": (linked(os.mkfifo), None),
    "dangling link": (lambda p: p.symlink_to("nowhere"), None),
    "link to itself": (lambda p: p.symlink_to(p.name), None),
    "in a missing folder": (None, None),
}
if hasattr(os, "geteuid") and os.geteuid() == 0:  # mknod needs root
    OUTPUT_KINDS["character device"] = (char_device, None)
    OUTPUT_KINDS["link to a character device"] = (linked(char_device), None)

OUTPUT_NAMES = ["out", "my model", "naïve", "x*[1]", ".hidden", "-dash", "日本", "a.b"]


@st.composite
def output_paths(draw, suffixes=("", ".json", ".wr", ".vec", ".txt", ".bin")):
    """``(kind, name)``: what to put at an output path (a key of OUTPUT_KINDS, or ``"-"``,
    standard output) and the path's file name."""
    kind = draw(st.sampled_from(sorted(OUTPUT_KINDS) + ["-"]))
    name = draw(st.sampled_from(OUTPUT_NAMES)) + draw(st.sampled_from(suffixes))
    return kind, name


def make_output(folder, kind, name):
    """Put a thing of ``kind`` at ``folder / name``; the path to give to ``-o``."""
    if kind == "-":
        return "-"
    path = folder / "missing" / name if kind == "in a missing folder" else folder / name
    make = OUTPUT_KINDS[kind][0]
    if make:
        make(path)
    return path


def snapshot(path):
    """What is at ``path``, to compare before and after: its kind, and its contents (a folder's
    files, a link's text and what it leads to); None when nothing is there."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if stat.S_ISLNK(info.st_mode):
        text = os.readlink(path)
        return ("link", text, None if text == Path(path).name else snapshot(path.parent / text))
    if stat.S_ISDIR(info.st_mode):
        return ("folder", sorted((p.name, snapshot(p)) for p in path.iterdir()))
    if stat.S_ISREG(info.st_mode):
        return ("file", path.read_bytes())
    return (stat.S_IFMT(info.st_mode), info.st_rdev)


def leftovers(folder):
    """Temporary files of atomic writes left in ``folder``."""
    return [p.name for p in Path(folder).iterdir() if ".tmp-" in p.name or ".old-" in p.name]


def output_inputs(folder):
    """A model, a benchmark and a corpus, in a subfolder of ``folder``."""
    inputs = folder / "inputs"
    inputs.mkdir()
    (inputs / "m.vec").write_text("3 2\ncat 1 0\ndog 0 1\npet 1 1\n")
    (inputs / "b.txt").write_text("cat\tdog\t1\ncat\tpet\t2\ndog\tpet\t3\n")
    (inputs / "c.txt").write_text("the cat and the dog are pets of the house\n" * 20)
    return inputs
