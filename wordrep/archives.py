"""Unpack downloaded archives (zip, tar) without trusting what is inside them.

Every member is checked before anything is written, and one bad member refuses the whole
archive:

- its name must be a relative path with no ``..`` component (and no drive or backslash, which
  another system would read as a path), so nothing lands outside the target folder
  ("zip-slip");
- it must be a regular file or a folder: symbolic and hard links (tar), zip entries whose
  file mode marks a link, devices and pipes are refused, so no link is ever created or
  followed;
- the sizes the archive declares must add up to at most :data:`MAX_EXTRACTED_BYTES` (a zip
  bomb is refused before it is unpacked), and the bytes actually written are counted against
  the same cap, in case the declared sizes lie.

Files are written with default permissions (an archive's modes and owners are ignored) into a
temporary folder beside the target, which is renamed into place only when all of it is there
and the caller's check has passed: an error or an interruption leaves nothing half-unpacked.
"""
import shutil
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from .atomic import atomic_path
from .errors import UserError

# The most an archive may unpack to, unless the caller gives its own cap.
MAX_EXTRACTED_BYTES = 1 << 30
BLOCK = 1 << 20


@dataclass(frozen=True)
class _Member:
    name: str
    kind: str        # "file", "folder", or what it is when it is refused
    size: int
    handle: object   # the ZipInfo or TarInfo, to open it by


def extract(archive, target, max_bytes=None, check=None):
    """Unpack the zip or tar ``archive`` into the new folder ``target``, atomically.

    Parameters
    ----------
    archive : path
        A zip file, or a tar file (plain, gzip, bzip2 or xz).
    target : path
        The folder to create; it must not exist yet (see :func:`remove_incomplete`).
    max_bytes : int, optional
        The cap on the unpacked size; :data:`MAX_EXTRACTED_BYTES` by default.
    check : callable, optional
        Called with the temporary folder once everything is unpacked; an exception it raises
        (e.g. a checksum mismatch) aborts the extraction and removes the folder.

    Returns
    -------
    Path
        ``target``.

    Raises
    ------
    UserError
        A member that would escape the folder, a link or special file, an archive over the
        size cap, or a damaged archive.

    Examples
    --------
    >>> import tarfile
    >>> Path("MEN").mkdir()
    >>> _ = Path("MEN/pairs.txt").write_text("sun sunlight 50")
    >>> with tarfile.open("MEN.tar.gz", "w:gz") as archive:
    ...     archive.add("MEN")
    >>> extract("MEN.tar.gz", "men")
    PosixPath('men')
    >>> Path("men/MEN/pairs.txt").read_text()
    'sun sunlight 50'
    >>> with tarfile.open("bad.tar", "w") as archive:   # a member that would land outside
    ...     archive.add("MEN/pairs.txt", arcname="../pairs.txt")
    >>> extract("bad.tar", "bad")                       # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    wordrep.errors.UserError: refusing to unpack bad.tar: its member '../pairs.txt' would be ...
    >>> Path("bad").exists()
    False
    """
    archive, target = Path(archive), Path(target)
    limit = max_bytes or MAX_EXTRACTED_BYTES
    try:
        with _open(archive) as container:
            members = _members(container)
            paths = _checked_paths(archive, members)
            declared = sum(m.size for m in members)
            if declared > limit:
                raise _too_large(archive, limit, f"its members declare {declared:,} bytes")
            target.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(target, directory=True) as tmp:
                _unpack(container, archive, members, paths, tmp, limit)
                if check:
                    check(tmp)
    except (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError) as exc:
        raise UserError(f"cannot unpack {archive}: it is damaged ({exc}).",
                        "Delete it and download it again.") from None
    except OSError as exc:  # a full disk, or members that clash (a file where a folder goes)
        raise UserError(f"cannot unpack {archive} into {target}: {exc.strerror or exc}.",
                        "Free some disk space, or delete the archive and download it again."
                        ) from None
    return target


def _open(archive):
    if zipfile.is_zipfile(archive):
        return zipfile.ZipFile(archive)
    if tarfile.is_tarfile(archive):
        return tarfile.open(archive, "r:*")
    raise UserError(f"cannot unpack {archive}: it is neither a zip nor a tar archive.",
                    "Delete it and download it again.")


def _members(container):
    if isinstance(container, zipfile.ZipFile):
        return [_zip_member(info) for info in container.infolist()]
    return [_tar_member(info) for info in container.getmembers()]


def _zip_member(info):
    # The upper 16 bits of external_attr hold a Unix file mode when the archive was made on Unix.
    mode = info.external_attr >> 16
    kind = "folder" if info.is_dir() else "file"
    if stat.S_ISLNK(mode):
        kind = "a symbolic link"
    elif stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
        kind = "a special file"
    return _Member(info.filename, kind, info.file_size, info)


def _tar_member(info):
    if info.isdir():
        kind = "folder"
    elif info.isreg():
        kind = "file"
    elif info.issym():
        kind = f"a symbolic link (to {info.linkname})"
    elif info.islnk():
        kind = f"a hard link (to {info.linkname})"
    else:
        kind = "a device or special file"
    return _Member(info.name, kind, info.size if info.isreg() else 0, info)


def _checked_paths(archive, members):
    """Each member's path inside the target folder, or a refusal naming the first bad member."""
    paths, files = [], set()
    for member in members:
        path = _checked_path(archive, member)
        if member.kind == "file" and path in files:
            raise UserError(f"refusing to unpack {archive}: it holds {member.name!r} twice.",
                            "Delete the archive and report where it came from.")
        files.add(path)
        paths.append(path)
    return paths


def _checked_path(archive, member):
    """The member's path inside the target folder, or a refusal naming the member."""
    name = member.name
    if member.kind not in ("file", "folder"):
        raise UserError(f"refusing to unpack {archive}: its member {name!r} is {member.kind}.",
                        "Archives wordrep downloads hold only files and folders; delete it and "
                        "report where it came from.")
    path = PurePosixPath(name)
    if not name or "\\" in name or "\0" in name or path.is_absolute() \
            or PureWindowsPath(name).drive or ".." in path.parts:
        raise UserError(f"refusing to unpack {archive}: its member {name!r} would be written "
                        "outside the target folder.",
                        "Delete the archive and report where it came from.")
    return Path(*[p for p in path.parts if p not in ("", ".")])


def _unpack(container, archive, members, paths, folder, limit):
    written = 0
    for member, relative in zip(members, paths):
        path = folder / relative
        if member.kind == "folder":
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with _read(container, member) as src, open(path, "xb") as out:
            for chunk in iter(lambda: src.read(BLOCK), b""):
                written += len(chunk)
                if written > limit:
                    raise _too_large(archive, limit, "more bytes than its members declare")
                out.write(chunk)


def _read(container, member):
    if isinstance(container, zipfile.ZipFile):
        return container.open(member.handle)
    return container.extractfile(member.handle)


def _too_large(archive, limit, detail):
    return UserError(f"refusing to unpack {archive}: it unpacks to more than the {limit:,}-byte "
                     f"cap ({detail}; a zip bomb?).",
                     "Delete it and report where it came from.")


def remove_incomplete(folder):
    """Delete a folder of wordrep's cache that does not hold what it should (never a link)."""
    folder = Path(folder)
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    elif folder.is_dir():
        shutil.rmtree(folder)
