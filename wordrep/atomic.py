"""Write files and folders atomically: to a temporary name beside the target, then rename.

A crash, a Ctrl-C or an error while writing leaves the previous file (or nothing) in place,
never a half-written one.
"""
import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from .errors import UserError


def check_writable(path):
    """Fail early, with a clear message, when ``path`` cannot be created."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UserError(f"cannot write {path}: the folder {parent} does not exist.",
                        "Create it first or choose another output path.")
    if not os.access(parent, os.W_OK):
        raise UserError(f"cannot write {path}: no permission to write in {parent}.",
                        "Choose an output path in a folder you can write to.")
    if path.is_dir() and not path.is_symlink() and not _is_replaceable_dir(path):
        raise UserError(f"cannot write {path}: it is an existing folder that is not a wordrep model.",
                        "Choose another output path.")
    return path


def _is_replaceable_dir(path):
    return (path / "meta.json").is_file()


@contextlib.contextmanager
def atomic_path(target, directory=False):
    """Yield a temporary path; on success move it to ``target`` (replacing what was there).

    With ``directory=True`` the temporary path is an empty folder to fill.
    """
    target = check_writable(target)
    parent = target.parent if str(target.parent) else Path(".")
    prefix = f".{target.name}.tmp-"
    try:
        if directory:
            tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        else:
            fd, name = tempfile.mkstemp(prefix=prefix, dir=parent)
            os.close(fd)
            tmp = Path(name)
    except OSError as exc:
        raise UserError(f"cannot write {target}: {exc.strerror}.",
                        "Choose an output path you can write to.") from None
    try:
        yield tmp
        _replace(tmp, target)
    except BaseException:
        _remove(tmp)
        raise


def _replace(tmp, target):
    if tmp.is_dir() and target.is_dir() and not target.is_symlink():
        # A folder cannot be renamed over a non-empty one: move the old one aside first.
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, old / "model")
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, target)


def _remove(path):
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
