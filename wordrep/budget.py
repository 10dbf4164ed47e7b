"""One memory budget for a run: how many bytes the count path may hold at once.

The budget comes from, in order: ``--memory`` (or ``[run] memory`` / ``memory=`` in Python),
the ``WORDREP_MEMORY`` environment variable, or half of the memory the machine has available
when it starts (``MemAvailable``; the log says which). Stages that hold data in proportion to
the corpus (counting, above all) read :func:`current` and spill to disk instead of growing past
it. The budget never changes a result, only where the work is kept, so it is not part of any
cache key.

Examples
--------
>>> parse_size("4G"), parse_size("512M"), parse_size("1.5GB"), parse_size("100000000")
(4294967296, 536870912, 1610612736, 100000000)
>>> with limit(parse_size("2G")):
...     current() == 2 * 1024 ** 3
True
"""
import contextlib
import contextvars
import ctypes
import logging
import os
import re

from .errors import UserError

log = logging.getLogger(__name__)

DEFAULT_FRACTION = 0.5      # of the memory available at start: the rest is the OS's, the page
#                             cache's (memory-mapped token ids and matrices) and other programs'
MIN_BUDGET = 64 << 20       # below this every stage would spill after a few blocks
UNITS = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}

_budget = contextvars.ContextVar("wordrep_memory_budget", default=None)


def parse_size(text):
    """Bytes from ``"8G"``, ``"512M"``, ``"1.5GB"``, ``"2T"`` or a plain number of bytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)I?B?\s*", str(text), re.I)
    if not match:
        raise UserError(f"memory budget {text!r} is not a size.",
                        "Write it as 8G, 512M or 1.5GB (bytes with a unit K, M, G or T).")
    number, unit = match.groups()
    size = int(float(number) * UNITS[unit.upper()])
    if size < MIN_BUDGET:
        raise UserError(f"memory budget {text!r} is below the {MIN_BUDGET >> 20} MB that "
                        "counting needs to make progress.", "Give at least 64M.")
    return size


def available_memory():
    """Bytes the machine can give without swapping (Linux's MemAvailable), or its total."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def resolve(option=None):
    """The budget in bytes and where it came from: the option, ``WORDREP_MEMORY``, or the
    default fraction of the available memory."""
    if option is not None:
        return (option if isinstance(option, int) else parse_size(option)), "--memory"
    if os.environ.get("WORDREP_MEMORY"):
        return parse_size(os.environ["WORDREP_MEMORY"]), "WORDREP_MEMORY"
    available = available_memory()
    return max(MIN_BUDGET, int(available * DEFAULT_FRACTION)), \
        f"{DEFAULT_FRACTION:.0%} of the {available / 2**30:.1f} GB available"


@contextlib.contextmanager
def limit(size):
    """Run the enclosed stages within ``size`` bytes (an int, or text such as ``"4G"``)."""
    token = _budget.set(size if isinstance(size, int) else parse_size(size))
    try:
        yield
    finally:
        _budget.reset(token)


def current():
    """The budget in force: the innermost :func:`limit`, else as :func:`resolve` finds it."""
    size = _budget.get()
    if size is None:
        size, source = resolve()
        _budget.set(size)
        log.info("memory budget: %s (%s)", format_size(size), source)
    return size


def resident():
    """Bytes this process holds in memory now (Linux), else 0: what a stage sizing itself
    to the budget must count as taken already."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def release_free_memory():
    """Give the heap memory freed by a finished stage back to the system.

    glibc keeps freed heap pages for reuse: after counting 1.7e8 tokens about 470 MB that the
    next stage never uses, which stays resident and which forked workers would inherit. A
    no-op where the C library is not glibc.
    """
    try:
        ctypes.CDLL(None).malloc_trim(0)   # this program's own symbols, libc's among them
    except (OSError, AttributeError):
        pass


def format_size(size):
    """``1.5 GB``, ``512 MB``: sizes for people."""
    for unit, scale in (("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{size} B"
