"""The NLTK-ready copy of a WordNet folder NLTK cannot read in place.

NLTK cannot read a system folder as it is: Debian's lacks ``lexnames`` (the table of
lexicographer files, which NLTK reads first), and NLTK's path sandbox refuses any file outside
its data roots, symbolic links that lead out of them included. Such a folder is copied once,
as real files and with ``lexnames`` added, into wordrep's cache, and the copy is used from then
on. The copy is made in a temporary folder and renamed into place, so an interrupted copy is
never used; the next copy from the same folder removes a killed one's partial folder.
"""
import hashlib
import logging
import os
import shutil
from pathlib import Path

from ..atomic import make_temporary, remove_stale
from ..errors import UserError
from ..home import cache_dir
from .files import authorize, database_files, lexnames_text

log = logging.getLogger(__name__)


def ready_copy(directory, source):
    """The NLTK-ready copy of ``directory`` in the cache, made now if there is none yet.

    Parameters
    ----------
    directory : Path
        A folder of WordNet database files.
    source : str
        Where it was found (``"WORDREP_WORDNET"``, ``"nltk"``, ``"system"``): part of the
        copy's name.

    Returns
    -------
    Path
        The copy, on NLTK's data path.
    """
    parent = cache_dir("wordnet")
    authorize(parent)
    target = parent / _copy_name(directory, source)
    if (target / "lexnames").is_file():
        return target
    if target.exists():  # not wordrep's: an interrupted copy never gets this name
        shutil.rmtree(target)
    log.info("Making an NLTK-ready copy of WordNet from %s in %s (once).", directory, target)
    try:
        _copy_atomically(directory, target)
    except OSError as exc:
        raise UserError(f"cannot copy WordNet from {directory} to {target}: "
                        f"{exc.strerror or exc}.",
                        "Free some disk space, or set WORDREP_HOME to a folder you can "
                        "write to.") from None
    return target


def _copy_atomically(directory, target):
    """Copy into a temporary folder beside ``target``, then rename it into place.

    Unlike :func:`wordrep.atomic.atomic_path`, a copy another process finished first is kept,
    not replaced: that process's reader may have files in it open, or still to open.
    """
    remove_stale(target)  # a killed copy's partial folder: the same source, the same name
    tmp = make_temporary(target.parent, target.name, "tmp", directory=True)
    try:
        copy_nltk_ready(directory, tmp)
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / "lexnames").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _copy_name(directory, source):
    """A folder name that changes when the source folder or any of its files change."""
    digest = hashlib.sha256(str(directory.resolve()).encode())
    for name in sorted(database_files(directory)):
        info = (directory / name).stat()
        digest.update(f"\0{name}\0{info.st_size}\0{info.st_mtime_ns}".encode())
    return f"{source.lower().replace('_', '-')}-{digest.hexdigest()[:16]}"


def copy_nltk_ready(source, target):
    """Copy the WordNet database files of ``source`` into the folder ``target`` for NLTK.

    The copy holds real files (symbolic links are followed), and a ``lexnames`` file when
    ``source`` has none.

    Parameters
    ----------
    source : Path
        A folder of WordNet database files (``data.noun``, ``index.noun``...).
    target : Path
        An existing, empty folder.
    """
    source, target = Path(source), Path(target)
    for name in database_files(source):
        shutil.copyfile(source / name, target / name)
    if not (target / "lexnames").is_file():
        (target / "lexnames").write_text(lexnames_text(), encoding="ascii")
