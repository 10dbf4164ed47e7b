"""The catalogue of named corpora: one small TOML file per corpus, read and checked.

The files are data, not code: the root ``corpora/`` folder of the source tree, installed inside
the package as ``wordrep/corpora/catalogue/`` (in a checkout, a link to that folder). A user
adds a corpus without editing the package by putting a file of their own in a folder of
``$WORDREP_CORPORA`` (folders separated by ``os.pathsep``), by default
``$WORDREP_HOME/corpora.d/``. ``corpora/README.md`` describes the fields; :data:`FIELDS` is
what they are checked against. A file with a missing, misspelt or invalid field is one
:class:`~wordrep.errors.UserError` naming the file and the field.

>>> entries = read_folder(PACKAGED_FOLDER)
>>> entries["text8"]["format"], entries["text8"]["member"]
('archive-member', 'text8')
"""
import os
import re
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from ..errors import UserError
from ..home import home

PACKAGED_FOLDER = Path(__file__).parent / "catalogue"
README = PACKAGED_FOLDER / "README.md"
USER_FOLDERS_VARIABLE = "WORDREP_CORPORA"
MAX_FILE_BYTES = 64 * 1024  # a catalogue file is a dozen lines

# How a corpus is read, and the fields only that way of reading has (and requires).
FORMATS = {
    "gensim-test-data": {"file"},                  # a file gensim ships; nothing to download
    "file": set(),                                 # the download is read as it is
    "archive-member": {"member", "member_sha256"},  # one file of a zip or tar download
}
FORMAT_FIELDS = set().union(*FORMATS.values())
OPTIONAL = {"tokens", "member_sha256"}


def _text(value):
    if not isinstance(value, str) or not value.strip() or "\n" in value:
        raise ValueError("must be a one-line string")
    return value.strip()


def _name(value):
    # The name is a folder of the cache (data/NAME/), so it must be a plain file name.
    if not isinstance(value, str) or not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,63}", value):
        raise ValueError("must be lowercase letters, digits, '.', '_' or '-' (at most 64), "
                         "starting with a letter or digit")
    return value


def _format(value):
    if not isinstance(value, str) or value not in FORMATS:
        raise ValueError(f"must be one of {', '.join(FORMATS)}")
    return value


def _url(value):
    parsed = urlparse(value) if isinstance(value, str) else None
    # The download's name in the cache is the last part of the URL's path.
    if parsed is None or parsed.scheme not in ("https", "http") or not parsed.hostname \
            or PurePosixPath(parsed.path).name in ("", ".."):
        raise ValueError("must be the https URL of a file")
    return value


def _bytes(value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError("must be a positive integer, the number of bytes")
    return value


def _count(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("must be an integer >= 0")
    return value


def _sha256(value):
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]{64}", value):
        raise ValueError("must be a SHA-256 digest: 64 lowercase hex digits")
    return value


def _file_name(value):
    if not isinstance(value, str) or not value or value != PurePosixPath(value).name \
            or value in (".", ".."):
        raise ValueError("must be a file name, with no folder")
    return value


def _member(value):
    # Checked again when the archive is unpacked; refused here so that the file is what is wrong.
    path = PurePosixPath(value) if isinstance(value, str) and value else None
    if path is None or path.is_absolute() or ".." in path.parts or "\\" in value:
        raise ValueError("must be a relative path inside the archive, with no '..'")
    return value


FIELDS = {"name": _name, "description": _text, "licence": _text, "format": _format,
          "url": _url, "size": _bytes, "sha256": _sha256, "tokens": _count,
          "file": _file_name, "member": _member, "member_sha256": _sha256}


def read_entry(path):
    """The checked fields of the catalogue file ``path``, plus ``source`` (the path).

    Raises
    ------
    UserError
        The file is not valid TOML, or a field is missing, unknown, not for its format, or
        invalid; the message names the file and the field.
    """
    path = Path(path)
    data = _read_toml(path)
    allowed = _allowed_fields(path, data)
    fields = {}
    for field in FIELDS:  # in this order: an invalid format is reported before its fields
        if field in data:
            try:
                fields[field] = FIELDS[field](data[field])
            except ValueError as exc:
                _refuse(path, f"field '{field}' {exc} (it is {_shown(data[field])})")
        elif field in allowed and field not in OPTIONAL:
            needs = f", which format '{data['format']}' needs" if field in FORMAT_FIELDS else ""
            _refuse(path, f"no field '{field}'{needs}")
    if fields["name"] != path.stem:
        _refuse(path, f"field 'name' must be the file's name without .toml, "
                      f"'{path.stem}' (it is {_shown(fields['name'])})")
    return {**fields, "source": path}


def _allowed_fields(path, data):
    """The fields a file of ``data``'s format may have; refuses any other field it has."""
    fmt = data.get("format") if isinstance(data.get("format"), str) else None
    allowed = set(FIELDS) - FORMAT_FIELDS | FORMATS.get(fmt, set())
    for field in data:
        if field not in FIELDS:
            _refuse(path, f"unknown field '{field}' (known: {', '.join(FIELDS)})")
        if field not in allowed and fmt in FORMATS:
            _refuse(path, f"field '{field}' is not used by format '{fmt}'")
    return allowed


def _shown(value, width=60):
    text = repr(value)
    return text if len(text) <= width else text[:width - 3] + "..."


def _refuse(path, problem):
    raise UserError(f"corpus catalogue {path}: {problem}.",
                    f"The fields are described in {README}.")


def _read_toml(path):
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            _refuse(path, f"over {MAX_FILE_BYTES:,} bytes, too large for a catalogue file")
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        _refuse(path, f"not valid TOML: {exc}")
    except RecursionError:  # tomllib recurses into nested arrays and inline tables
        _refuse(path, "arrays or tables nested too deeply")
    except OSError as exc:
        _refuse(path, f"cannot read it: {exc.strerror}")


def read_folder(folder, taken=None):
    """``{name: fields}`` for the ``*.toml`` files of ``folder``, in file-name order.

    ``taken`` maps the names already in the catalogue to the files that name them; a file that
    names one of them again is refused (a user file cannot silently replace a packaged corpus).
    """
    taken = dict(taken or {})
    entries = {}
    for path in sorted(Path(folder).glob("*.toml")):
        fields = read_entry(path)
        if fields["name"] in taken:
            _refuse(path, f"the name '{fields['name']}' is taken by {taken[fields['name']]}; "
                          "give one of them another name")
        entries[fields["name"]] = fields
        taken[fields["name"]] = path
    return entries


def user_folders():
    """The folders of the user's catalogue files: ``$WORDREP_CORPORA``, else
    ``$WORDREP_HOME/corpora.d`` (which may not exist)."""
    value = os.environ.get(USER_FOLDERS_VARIABLE)
    if not value:
        return [home() / "corpora.d"]
    folders = [Path(part) for part in value.split(os.pathsep) if part]
    for folder in folders:
        if not folder.is_dir():
            raise UserError(f"{USER_FOLDERS_VARIABLE} names {folder}, which is not a folder.",
                            f"Give folders of corpus catalogue files, separated by "
                            f"'{os.pathsep}'.")
    return folders
