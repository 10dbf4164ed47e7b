"""Write files and folders atomically: to a temporary name beside the target, then rename.

A crash, a kill, a Ctrl-C, a full disk or an error while writing leaves the previous file (or
nothing) in place, never a half-written one.

Temporary names are ``.TARGET.tmp-PID-RANDOM``: the process id says whose they are, so that
the next write to the same target removes the leftovers of a process that was killed (a
process that is still alive keeps its own). A folder replaces an existing one in a single
``renameat2(RENAME_EXCHANGE)`` where the system has it (Linux); elsewhere the old folder is
first moved aside to ``.TARGET.old-PID-RANDOM``, and if the writer dies between the two
renames, the next write puts it back before going on. Those names are :data:`LEFTOVER`; the
cache uses it to clear what killed builds of entries that are never written again left behind
(:func:`wordrep.cache.sweep_leftovers`).

Only regular files and folders wordrep wrote are replaced: a rename would put a plain file in
place of a device, a named pipe, a socket or a symbolic link, so those are refused with a
:class:`~wordrep.errors.UserError` naming the path and what it is. A symbolic link is followed:
the file or folder it points to is what gets replaced, and the link stays a link.

A full disk (``ENOSPC``), a quota (``EDQUOT``) or the file-size limit (``EFBIG``) ends in a
:class:`~wordrep.errors.UserError` naming the target, not a traceback.
"""
import contextlib
import ctypes
import errno
import functools
import logging
import os
import re
import secrets
import shutil
import stat
from pathlib import Path

from .errors import UserError

try:
    import resource
except ImportError:  # Windows
    resource = None

# errno -> what it means for the user
FULL = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
        errno.EFBIG: "the file-size limit was reached"}
ALMOST_FULL = 1 << 20  # bytes free under which a short write is taken for a full disk
# What a path that is neither a regular file nor a folder is, for the user: a rename would
# replace it with a plain file.
SPECIAL_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
                 (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
                 (stat.S_ISLNK, "a symbolic link"))

log = logging.getLogger(__name__)


def check_writable(path, directory=None):
    """Fail early, with a clear message, when ``path`` cannot be written.

    Parameters
    ----------
    path : str or Path
        The output. A symbolic link stands for the file or folder it points to.
    directory : bool, optional
        True when a folder will be written there (an existing file is refused), False for a
        file (an existing folder is refused), None when either may follow.

    Returns
    -------
    Path
        Where to write: ``path``, or the target of the link ``path``.

    Raises
    ------
    UserError
        A missing or unwritable parent folder, a dangling link, or something at ``path`` that
        a rename must not replace: a device, a named pipe, a socket, a folder that is not a
        wordrep model, a file where a folder goes (or the reverse).
    """
    link = Path(path)
    path = _follow_link(link)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UserError(f"cannot write {path}: the folder {parent} does not exist.",
                        "Create it first or choose another output path.")
    if not os.access(parent, os.W_OK):
        raise UserError(f"cannot write {path}: no permission to write in {parent}.",
                        "Choose an output path in a folder you can write to.")
    check_replaceable(path, directory, link)
    if path != link:
        log.info("%s is a symbolic link: writing to its target %s", link, path)
    return path


def _follow_link(path):
    """``path``, or where the symbolic link ``path`` leads (a dangling one is refused)."""
    if not path.is_symlink():
        return path
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        raise UserError(f"cannot write {path}: it is a symbolic link to {os.readlink(path)}, "
                        "which does not exist.",
                        "Create what it points to, remove the link, or choose another output "
                        "path.") from None
    except (OSError, RuntimeError) as exc:  # a loop: RuntimeError before Python 3.13
        raise UserError(f"cannot write {path}: it is a symbolic link that cannot be followed "
                        f"({getattr(exc, 'strerror', None) or exc}).",
                        "Fix or remove the link, or choose another output path.") from None
    return target


def check_replaceable(path, directory=None, link=None):
    """Refuse, with a UserError, what is at ``path`` if a rename must not replace it.

    Regular files are replaced (by a file), and wordrep's model folders (by a folder); nothing
    at ``path`` is fine too. ``directory`` is as in :func:`check_writable`; ``link``, when it
    is not ``path``, is the symbolic link the user named, for the message.
    """
    try:
        mode = os.lstat(path).st_mode
    except OSError:  # nothing there, or not visible: writing will tell
        return
    name = str(path) if link in (None, path) else f"{link} (a symbolic link to {path})"
    if stat.S_ISREG(mode):
        if directory:
            raise UserError(f"cannot write {name}: it exists and is a file, and a folder goes "
                            "there.",
                            "Choose another path or remove the file (a model saved as .vec, "
                            ".txt or .bin is one file).")
        return
    if stat.S_ISDIR(mode):
        if directory is False:
            raise UserError(f"cannot write {name}: it is a folder.",
                            "Choose a file name, not a folder.")
        if not _is_replaceable_dir(path):
            raise UserError(f"cannot write {name}: it is an existing folder that is not a "
                            "wordrep model.", "Choose another output path.")
        return
    kind = next((what for test, what in SPECIAL_KINDS if test(mode)), "not a regular file")
    raise UserError(f"cannot write {name}: it is {kind}, which wordrep does not replace.",
                    "wordrep writes a new file and renames it into place; choose the path of a "
                    "regular file.")


def _is_replaceable_dir(path):
    return (path / "meta.json").is_file()


def disk_full_error(target, exc, written=None):
    """The UserError for an OSError that means "no room" while writing ``target``, else None.

    ``written`` is the temporary file or folder being written: numpy reports a short write
    as an OSError without an errno ("N requested and M written"), and then the file size limit
    and the free space tell whether there was no room.
    """
    code = getattr(exc, "errno", None)
    reason = FULL.get(code)
    if reason is None and code is None and written is not None:
        reason = _no_room(Path(written))
    if reason is None:
        return None
    return UserError(f"cannot write {target}: {reason} ({exc.strerror or exc}).",
                     f"Free some space (or raise the limit) and run again; what was at {target} "
                     "before is unchanged.")


def make_folder(path, what, hint):
    """``mkdir -p path``; a failure is one UserError (a full disk says so), else ``what`` and
    ``hint`` say which folder could not be made and what to do."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise disk_full_error(path, exc) or UserError(
            f"cannot create the {what} {path}: {exc.strerror}.", hint) from None


def _no_room(written):
    try:
        files = [written] if written.is_file() else [p for p in written.rglob("*") if p.is_file()]
        limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0] if resource else -1
        if limit not in (-1, getattr(resource, "RLIM_INFINITY", -1)) and \
                any(p.stat().st_size >= limit for p in files):
            return FULL[errno.EFBIG]
        disk = os.statvfs(written.parent)
        if disk.f_bavail * disk.f_frsize < ALMOST_FULL:
            return FULL[errno.ENOSPC]
    except (OSError, AttributeError):
        pass
    return None


@contextlib.contextmanager
def atomic_path(target, directory=False):
    """Yield a temporary path; on success move it to ``target`` (replacing what was there).

    With ``directory=True`` the temporary path is an empty folder to fill. A symbolic link is
    followed: its target is replaced and the link stays. What is not a regular file (or, for a
    folder, a wordrep model) is refused with a UserError, as :func:`check_writable` says.
    """
    target = check_writable(target, directory)
    parent = target.parent if str(target.parent) else Path(".")
    remove_stale(target)
    try:
        tmp = make_temporary(parent, target.name, "tmp", directory)
    except OSError as exc:
        raise disk_full_error(target, exc) or UserError(
            f"cannot write {target}: {exc.strerror}.",
            "Choose an output path you can write to.") from None
    try:
        yield tmp
        _replace(tmp, target, directory)
    except OSError as exc:
        full = disk_full_error(target, exc, tmp)  # before removing: the file shows the cause
        _remove(tmp)
        if full is None:
            raise
        raise full from None
    except BaseException:
        _remove(tmp)
        raise


def make_temporary(parent, name, kind, directory=False):
    """A new ``.NAME.KIND-PID-RANDOM`` file or folder in ``parent``.

    Created with the usual permissions (umask applied), unlike tempfile's private 0600 files:
    the renamed result is an ordinary file or folder.
    """
    while True:
        path = parent / temporary_name(name, kind)
        try:
            if directory:
                path.mkdir()
            else:
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return path
        except FileExistsError:
            continue


def _replace(tmp, target, directory):
    # Again, just before the rename: something else may have taken the name while writing.
    check_replaceable(target, directory)
    if tmp.is_dir() and target.is_dir() and not target.is_symlink():
        # A folder cannot be renamed over a non-empty one: swap them, then drop the old one.
        if not _exchange(tmp, target):
            _replace_in_two_steps(tmp, target)
        _remove(tmp)  # now the old folder
    else:
        os.replace(tmp, target)


def _replace_in_two_steps(tmp, target):
    old = make_temporary(target.parent, target.name, "old", directory=True)
    old.rmdir()
    os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(old, target)
        raise
    os.rename(old, tmp)  # so that the caller removes it as the swapped-out folder


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a, b):
    """Swap two paths in one system call (Linux renameat2); False where that is unsupported."""
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # e.g. a file system without exchange support: the two-step way
    raise OSError(err, os.strerror(err), str(b))


@functools.lru_cache(maxsize=1)
def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _remove(path):
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


LEFTOVER = re.compile(r"\.(?P<name>.+)\.(?P<kind>tmp|old)-(?P<pid>\d+)-[0-9a-f]{8}")
"""The name of what a writer of the target ``NAME`` keeps beside it until it is done:
``.NAME.tmp-PID-RANDOM`` (the new file or folder being written) or ``.NAME.old-PID-RANDOM``
(a previous folder moved aside for a moment); groups ``name``, ``kind`` and ``pid``."""


def temporary_name(name, kind="tmp"):
    """A new name ``.NAME.KIND-PID-RANDOM`` (:data:`LEFTOVER`) for this process's temporary
    ``kind`` ("tmp" or "old") of the target ``name``."""
    return f".{name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"


def leftovers(parent, name=None):
    """The temporary files and folders of writers in ``parent`` (of the target ``name`` only,
    if given), as ``(path, match)`` pairs, ``match`` being :data:`LEFTOVER`'s; none if
    ``parent`` cannot be listed."""
    pattern = f".{glob_escape(name)}.*-*-*" if name is not None else ".*-*-*"
    try:
        candidates = sorted(Path(parent).glob(pattern))
    except OSError:
        return []
    found = [(path, LEFTOVER.fullmatch(path.name)) for path in candidates]
    return [(path, match) for path, match in found
            if match and (name is None or match["name"] == name)]


def clear_leftover(path, match):
    """Remove the leftover ``path`` (``match`` as :func:`leftovers` gives it), or put it back
    when it is a previous version moved aside (``old``) and its target is missing: the writer
    died between its two renames.

    Returns
    -------
    bool
        True when it was removed, False when it was put back (or could not be).
    """
    target = path.with_name(match["name"])
    if match["kind"] == "old" and not target.exists():
        with contextlib.suppress(OSError):
            os.rename(path, target)
        return False
    _remove(path)
    return not os.path.lexists(path)


def remove_stale(target):
    """Clear what killed writers of ``target`` left beside it.

    Their temporary files are removed; a previous version moved aside by a writer that died
    before the new one was in place is put back. Leftovers of live processes are kept.
    """
    target = Path(target)
    parent = target.parent if str(target.parent) else Path(".")
    for path, match in leftovers(parent, target.name):
        if not alive(int(match["pid"])):
            clear_leftover(path, match)


def glob_escape(name):
    return re.sub(r"([*?\[])", r"[\1]", name)


def alive(pid):
    """Whether the process ``pid`` runs on this machine (this one's own included). Process ids
    are reused: a True may be another program's."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
