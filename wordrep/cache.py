"""Cache entries that are written once, checked on every read and built by one process at a time.

An entry is a folder of the cache (``corpora/FINGERPRINT``, ``counts/FINGERPRINT/KEY``,
``pmi/...``, ``text/FINGERPRINT``, ``wordnet-index/...``) whose name says what it holds. It is

- written whole: its files go into a temporary folder beside it, with a ``checksums.json``
  listing each file's size and SHA-256, and the folder is renamed into place
  (:func:`wordrep.atomic.atomic_path`). A kill at any moment leaves either no entry or a whole
  one; the killed writer's temporary folder is swept up by the next build of any entry in the
  same folder (:func:`sweep_leftovers`), once no build of its entry holds the lock.
- checked on every read: a file that is missing, of another size, of another SHA-256, or not
  listed, or a loader that fails, makes the entry *damaged*. (A file's SHA-256 is computed once
  per process, then kept while its size, times and inode stay the same: :func:`sha256_once`.)
  A damaged entry is removed, with a warning, and built again; it is never used. An entry
  without ``checksums.json`` (written by an older wordrep) counts as damaged, once.
- built by one process at a time: the builder holds an exclusive ``flock`` on a lock file
  beside the entry (``.NAME.lock``, never removed), and a second process that needs the same
  entry waits for it, then reads what the first one wrote instead of building it again.
  Reading a whole entry takes no lock: entries are never changed once in place, only removed
  when damaged (and that under the lock).
- resumed, not leaked: a build may keep work that outlives a kill in ``.NAME.KIND`` beside the
  entry (:func:`work_folder`; a count's spills), which the next build of the entry resumes
  from. Such a folder whose entry's lock is free (no one is using it) and that was not touched
  for a day is removed by :func:`sweep_work_folders` (the counts call it when they start), so
  that a killed run whose parameters are never asked for again leaves nothing behind.

Why SHA-256 over every byte: on this machine's CPU (SHA extensions) hashlib's SHA-256 runs at
about 0.9 GB/s, faster than BLAKE2b (0.45 GB/s); the largest entry in common use, the token ids
of a 17M-token corpus (wiki17m), is 71 MB: checking it takes 0.10 s, and opening it 0.16 s with
the check against 0.11 s without (medians of 5, files in the page cache; the check also brings
the file into the page cache that the memory map then reads).
A sampled or size-only check would miss a flipped block in the middle, which is the damage a
cache on a failing disk shows; xxHash would be ten times faster but is one more dependency for
a saving of well under a second. Entries are small next to what they save (a corpus pass, a
counting pass, a PMI), so checking them all in full is the simple rule.

Models saved with :func:`wordrep.storage.save` carry the same ``checksums.json``, which
:func:`wordrep.storage.load` checks (sizes always, SHA-256 unless ``verify=False``) and the
pipeline before it reuses a model; a digest computed by one is not computed again by the other.

Over 500 lines because the sweeps of what killed builds left (the last part) are one protocol
with the lock: they take an entry's lock as :class:`EntryLock` does, and :func:`cached` runs
them; in a module of their own they and this one would import each other.
"""
import contextlib
import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path

from .atomic import alive, atomic_path, clear_leftover, glob_escape, leftovers, temporary_name
from .budget import format_size
from .download import sha256_file
from .errors import UserError

try:
    import fcntl
except ImportError:  # Windows: entries are still written whole, just not built one at a time
    fcntl = None

log = logging.getLogger(__name__)

CHECKSUMS = "checksums.json"
FORMAT = 1


class Damaged(Exception):
    """A cache entry or model folder that does not match its checksums."""


class NoChecksums(Damaged):
    """A folder without ``checksums.json``: incomplete, or written by an older wordrep."""


# -- checksums ----------------------------------------------------------------------------------

def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and p.name != CHECKSUMS)


def write_checksums(folder):
    """Record the size and SHA-256 of every file in ``folder`` (a folder still being written,
    not yet renamed into place) in its ``checksums.json``."""
    folder = Path(folder)
    files = {name: {"size": (folder / name).stat().st_size,
                    "sha256": sha256_file(folder / name)} for name in _files(folder)}
    text = json.dumps({"format": FORMAT, "algorithm": "sha256", "pid": os.getpid(),
                       "files": files}, indent=1)
    (folder / CHECKSUMS).write_text(text, encoding="utf-8")


def verify(folder, hash=True, files=None):
    """Raise :class:`Damaged`, saying why, unless ``folder`` matches its ``checksums.json``.

    Parameters
    ----------
    folder : path
        A cache entry or a native model folder.
    hash : bool
        Compare SHA-256 digests too, not only sizes. A digest is computed once per file and
        process (see :func:`sha256_once`).
    files : collection of str, optional
        The names that must be listed when present; other files are left alone (a model folder
        may gain a README or a ``.DS_Store``). Default: every file of ``folder``.

    Raises
    ------
    NoChecksums
        ``folder`` has no ``checksums.json`` (a :class:`Damaged` too).
    Damaged
        Anything else that does not match.
    """
    folder = Path(folder)
    listed = _read_checksums(folder)
    try:
        present = _files(folder) if files is None else [n for n in files if (folder / n).exists()]
        unlisted = sorted(set(present) - set(listed))
        if unlisted:
            raise Damaged(f"{unlisted[0]} is not in {CHECKSUMS}")
        for name, expected in listed.items():
            _check_file(folder, name, expected, hash)
    except (OSError, KeyError, TypeError) as exc:
        raise Damaged(f"cannot be checked ({exc})") from None


def _read_checksums(folder):
    """The ``files`` table of ``folder``'s ``checksums.json``: name -> size and sha256."""
    try:
        manifest = json.loads((folder / CHECKSUMS).read_text(encoding="utf-8"))
        listed = manifest["files"]
        if manifest.get("format") != FORMAT or manifest.get("algorithm") != "sha256" \
                or not isinstance(listed, dict):
            raise Damaged(f"{CHECKSUMS} is of an unknown format")
    except FileNotFoundError:
        raise NoChecksums(f"no {CHECKSUMS}: incomplete, or written by an older wordrep") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise Damaged(f"unreadable {CHECKSUMS} ({exc})") from None
    return listed


def _check_file(folder, name, expected, hash):
    path = folder / name
    if not path.is_file():
        raise Damaged(f"{name} is missing")
    size = path.stat().st_size
    if size != expected["size"]:
        raise Damaged(f"{name} has {size:,} bytes, not {expected['size']:,}")
    if hash and sha256_once(path) != expected["sha256"]:
        raise Damaged(f"{name} does not match its SHA-256")


# A file's SHA-256 is kept for the rest of the process under what identifies its content without
# reading it: device, inode, size, mtime and ctime (the inode change time, which no user can set
# back: a file edited in place with its size and mtime restored still gets a new one). Reloading a
# model or re-reading an entry then costs a stat per file. Timestamps are coarse (a kernel tick,
# 2 s on FAT), so a file changed less than RACY_SECONDS before it was hashed could change again
# within the same timestamp: its digest is not kept (git's "racily clean" entries).
RACY_SECONDS = 2.0
_digests = {}


def sha256_once(path):
    """The SHA-256 of ``path`` (:func:`wordrep.download.sha256_file`), computed once per file
    and process while the file stays unchanged."""
    now = time.time_ns()
    before = os.stat(path)
    key = _identity(path, before)
    digest = _digests.get(key)
    if digest is None:
        digest = sha256_file(path)
        settled = now - max(before.st_mtime_ns, before.st_ctime_ns) > RACY_SECONDS * 1e9
        if settled and _identity(path, os.stat(path)) == key:  # and not changed while read
            _digests[key] = digest
    return digest


def _identity(path, stat):
    return (os.path.abspath(path), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns,
            stat.st_ctime_ns)


def builder_pid(folder):
    """The id of the process that wrote the entry ``folder``, or None."""
    try:
        return json.loads((Path(folder) / CHECKSUMS).read_text(encoding="utf-8")).get("pid")
    except (OSError, ValueError, AttributeError):
        return None


# -- locks --------------------------------------------------------------------------------------

class EntryLock:
    """An exclusive lock on the cache entry ``folder``, held by one process (or thread) at a time.

    ``flock`` locks belong to an open file, so two threads of one process exclude each other as
    two processes do, and the kernel drops the lock of a process that is killed.
    """

    def __init__(self, folder, what=None, lock_file=None):
        folder = Path(folder)
        self.path = Path(lock_file) if lock_file else folder.parent / f".{folder.name}.lock"
        self.what = what or folder.name
        self.fd = None

    def acquire(self):
        if fcntl is None or not self._open():
            return self
        if not self._try_flock():
            log.info("Waiting for another wordrep process to finish %s (lock: %s).",
                     self.what, self.path)
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX)
            except BaseException:
                self.release()
                raise
        return self

    def try_acquire(self):
        """Take the lock if no one holds it, without waiting.

        Returns
        -------
        bool
            True when taken (release it after); False when another process or thread holds
            it, or when it cannot be taken here (no ``flock``, a read-only cache).
        """
        if fcntl is None or not self._open():
            return False
        if not self._try_flock():
            self.release()
            return False
        return True

    def _open(self):
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:  # a read-only cache: build without the lock, writing will warn
            log.debug("no lock for %s: %s", self.path, exc)
            return False
        return True

    def _try_flock(self):
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def release(self):
        if self.fd is not None:
            fd, self.fd = self.fd, None
            os.close(fd)  # closing the file drops the lock

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


# -- entries ------------------------------------------------------------------------------------

_MISSING = object()


def cached(folder, *, load, build, save=None, background=False, what=None):
    """The value of the cache entry ``folder``: read if whole, else built and written.

    Parameters
    ----------
    folder : Path
        The entry (a folder, created by this function only).
    load : callable
        ``load(folder) -> value`` for a checked entry. An exception it raises (OSError,
        ValueError, KeyError) counts as damage too.
    build : callable
        With ``save``: ``build() -> value``, whose files ``save`` then writes. Without:
        ``build(tmp)`` writes the files into the empty folder ``tmp`` itself, and the value
        is ``load(folder)``.
    save : callable, optional
        ``save(tmp, value)`` writes the files of ``value`` into the empty folder ``tmp``. A
        failed write (full disk...) only warns: the value is there, only the cache is not.
    background : bool
        Write in a thread while the caller goes on (with ``save`` only). The thread is not a
        daemon, so the interpreter waits for it at exit, Ctrl-C included.
    what : str, optional
        What the entry holds, for messages.
    """
    folder = Path(folder)
    what = what or folder.name
    value = _read(folder, load, what, remove=False)  # no lock: a whole entry never changes
    if value is not _MISSING:
        return value
    lock = EntryLock(folder, what).acquire()
    try:
        # Another process may have written it while this one waited; a damaged one goes now.
        value = _read(folder, load, what, remove=True)
        if value is not _MISSING:
            lock.release()
            return value
        # what killed builds of this entry's neighbours left: as large as the entries, and
        # never cleared by their own next write if their parameters are not asked for again
        sweep_leftovers(folder.parent, held=[folder])
        if save is None:
            with atomic_path(folder, directory=True) as tmp:
                build(tmp)
                write_checksums(tmp)
            log.debug("cache: wrote %s (%s)", what, folder)
            lock.release()
            return load(folder)
        value = build()
        if background:
            # The lock goes with the thread: it is released once the entry is in place.
            writer = threading.Thread(target=_store, args=(folder, save, value, lock, what),
                                      name=f"cache {what}")
            writer.start()
            _writers[:] = [w for w in _writers if w.is_alive()] + [writer]
            return value
    except BaseException:
        lock.release()
        raise
    _store(folder, save, value, lock, what)
    return value


_writers = []


def finish_writes():
    """Wait for the entries still being written in the background.

    The command line calls it before it exits, where a Ctrl-C is still a clean stop: the
    interpreter would wait for them anyway, but a Ctrl-C there ends in a traceback.
    """
    while _writers:
        _writers.pop().join()


def _read(folder, load, what, remove):
    if not folder.is_dir():
        return _MISSING
    try:
        verify(folder)
        value = load(folder)
        log.debug("cache: reused %s (%s)", what, folder)
        return value
    except (Damaged, OSError, ValueError, KeyError, UserError) as exc:
        if remove:
            log.warning("Warning: the cached %s in %s is damaged (%s); building it again.",
                        what, folder, exc)
            discard(folder)
        return _MISSING


def discard(folder):
    """Remove a damaged entry: renamed away first, so that no half-removed folder stays at
    its name, then deleted."""
    folder = Path(folder)
    aside = folder.with_name(temporary_name(folder.name))
    try:
        os.rename(folder, aside)
    except FileNotFoundError:
        return
    except OSError as exc:  # e.g. a read-only cache: writing the new entry will say so
        log.debug("cannot remove %s: %s", folder, exc)
        return
    shutil.rmtree(aside, ignore_errors=True)


def _store(folder, save, value, lock, what):
    try:
        with atomic_path(folder, directory=True) as tmp:
            save(tmp, value)
            write_checksums(tmp)
        log.debug("cache: wrote %s (%s)", what, folder)
    except (OSError, UserError) as exc:
        log.warning("Warning: could not cache %s in %s (%s); it will be computed again next "
                    "time.", what, folder, exc)
    finally:
        lock.release()


# -- work folders -------------------------------------------------------------------------------

ABANDONED_AFTER = 24 * 3600  # seconds untouched after which unused work is no longer resumed


def work_folder(entry, kind):
    """The folder ``.NAME.KIND`` beside the entry ``NAME`` where its build keeps work that
    outlives a kill (``kind`` "spills": a count's sorted runs), for the next build to resume
    from; it belongs to whoever holds the entry's lock."""
    entry = Path(entry)
    return entry.with_name(f".{entry.name}.{kind}")


def sweep_work_folders(parent, kind, older_than=ABANDONED_AFTER, keep=()):
    """Remove the work folders ``.NAME.KIND`` in ``parent`` that no build will resume: no
    process holds the lock of their entry ``NAME`` (so none is using them), and nothing in
    them changed for ``older_than`` seconds.

    A killed build's work is resumed by the next build of the same entry; but an entry whose
    parameters are never asked for again (a count with another window) would keep its spills,
    gigabytes at scale, for ever. Each folder is removed under its entry's lock, taken without
    waiting: a build that starts meanwhile waits for the removal, then starts afresh. The
    folders in ``keep`` (the caller's own) are left alone.

    Returns
    -------
    (int, int)
        The folders removed and their bytes (also logged).
    """
    if fcntl is None:  # without locks, a folder in use cannot be told from an abandoned one
        return 0, 0
    suffix, keep = f".{kind}", {Path(k).absolute() for k in keep}
    removed, size = [], 0
    for path in sorted(Path(parent).glob(f".*{glob_escape(suffix)}")):
        lock = EntryLock(path.with_name(path.name[1:-len(suffix)]))
        if path.absolute() in keep or not path.is_dir() or not lock.try_acquire():
            continue
        try:
            if time.time() - _last_change(path) >= older_than:
                bytes_ = _bytes_in(path)
                discard(path)
                if not path.exists():
                    removed.append(path.name)
                    size += bytes_
        except OSError as exc:  # gone meanwhile, unreadable: not this sweep's business
            log.debug("cannot sweep %s: %s", path, exc)
        finally:
            lock.release()
    if removed:
        log.info("Removed %d abandoned %s folder%s (%s) in %s: %s.", len(removed), kind,
                 "s" * (len(removed) != 1), format_size(size), parent, ", ".join(removed))
    return len(removed), size


def _last_change(folder):
    """The latest modification time of ``folder`` (or file) and of what is in it."""
    times = [folder.lstat().st_mtime]
    for path in folder.rglob("*") if folder.is_dir() else ():
        with contextlib.suppress(OSError):
            times.append(path.lstat().st_mtime)
    return max(times)


def _bytes_in(folder):
    if not folder.is_dir():
        return folder.lstat().st_size
    total = 0
    for path in folder.rglob("*"):
        with contextlib.suppress(OSError):
            total += path.lstat().st_size if path.is_file() else 0
    return total


# -- leftovers of killed builds -----------------------------------------------------------------

def sweep_leftovers(parent, held=(), older_than=ABANDONED_AFTER):
    """Remove the temporary files and folders that killed builds of the entries in ``parent``
    left behind (``.NAME.tmp-PID-RANDOM``: :data:`wordrep.atomic.LEFTOVER`).

    A build killed while writing its entry leaves a partial entry, as large as the whole one
    (gigabytes of CSR files at scale). The next write of the same entry clears it
    (:func:`wordrep.atomic.remove_stale`), but an entry whose parameters are never asked for
    again would keep it for ever. A leftover is removed when no build of its entry can be
    writing it:

    - the entry's lock is free: taken without waiting and held during the removal (a build
      holds it from before its temporary folder exists until the folder is renamed into
      place; a process id alone says nothing of a build in another process-id namespace);
    - and the process named in it is not running, or nothing in it changed for
      ``older_than`` seconds (process ids are reused: a running one may be another program).

    Only entries' leftovers are touched (their ``.NAME.lock`` exists); other files' are their
    own writer's business. A previous version moved aside (``.NAME.old-...``) whose entry is
    missing is put back rather than removed, as :func:`wordrep.atomic.clear_leftover` does.

    Parameters
    ----------
    parent : Path
        The folder of the entries.
    held : collection of Path
        Entries whose lock the caller holds (its own build): no one else is writing them.
    older_than : float
        Seconds untouched after which a leftover whose process id runs is taken for
        abandoned.

    Returns
    -------
    (int, int)
        The leftovers removed and their bytes (also logged).
    """
    if fcntl is None:  # without locks, a live build cannot be told from a killed one
        return 0, 0
    held = {Path(entry).absolute() for entry in held}
    by_entry = {}
    for path, match in leftovers(parent):
        by_entry.setdefault(path.with_name(match["name"]), []).append((path, match))
    removed, size = [], 0
    for entry, found in by_entry.items():
        for name, bytes_ in _clear_abandoned(entry, found, entry.absolute() in held,
                                             older_than):
            removed.append(name)
            size += bytes_
    if removed:
        log.info("Removed %d leftover%s of killed builds (%s) in %s: %s.", len(removed),
                 "s" * (len(removed) != 1), format_size(size), parent, ", ".join(removed))
    return len(removed), size


def _clear_abandoned(entry, found, held, older_than):
    """Remove the leftovers ``found`` of ``entry`` that no build is writing (see
    :func:`sweep_leftovers`): the name and bytes of each one removed."""
    lock, removed = EntryLock(entry), []
    try:
        if not lock.path.exists() or not (held or lock.try_acquire()):
            return removed  # not an entry's leftovers, or its build is running
        for path, match in found:
            if alive(int(match["pid"])) and time.time() - _last_change(path) < older_than:
                continue
            bytes_ = _bytes_in(path)
            if clear_leftover(path, match):
                removed.append((path.name, bytes_))
    except OSError as exc:  # gone meanwhile, unreadable: not this sweep's business
        log.debug("cannot sweep the leftovers of %s: %s", entry, exc)
    finally:
        lock.release()
    return removed

