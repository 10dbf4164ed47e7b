"""Where WordNet data is: looked for, in this order,

1. ``$WORDREP_WORDNET``: a folder of WordNet database files (``data.noun``, ``index.noun``...);
2. NLTK's data path (``nltk.data.path``): ``corpora/wordnet`` or ``corpora/wordnet.zip``,
   including the ``nltk_data`` folder of wordrep's cache, where
   :func:`wordrep.wordnet.install` downloads;
3. the system's WordNet: ``/usr/share/wordnet`` (Debian's ``wordnet-base`` and
   ``wordnet-sense-index``), then ``$WNHOME/dict``.

A folder NLTK cannot read in place gets its NLTK-ready copy (:mod:`wordrep.wordnet.copying`).
"""
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError
from ..home import cache_dir
from .copying import ready_copy
from .files import REQUIRED_FILES, authorize, missing_files, nltk_ready, version

ENV_VAR = "WORDREP_WORDNET"
SYSTEM_DIRS = (Path("/usr/share/wordnet"),)

INSTALL_HINT = ("Install it with `wordrep wordnet install`, or `python -m nltk.downloader "
                "wordnet`, or `sudo apt-get install wordnet-base wordnet-sense-index`; "
                f"or set {ENV_VAR} to a folder of WordNet database files.")


@dataclass(frozen=True)
class WordNetLocation:
    """Where WordNet was found, and what NLTK's reader reads.

    Attributes
    ----------
    source : str
        ``"WORDREP_WORDNET"``, ``"nltk"`` or ``"system"``.
    path : Path
        Where the data was found (a folder, or NLTK's ``wordnet.zip``).
    reader_root : Path or nltk.data.ZipFilePathPointer
        What NLTK reads: the folder itself, its NLTK-ready copy in the cache, or a pointer
        into ``wordnet.zip``.
    version : str
        The WordNet version written in ``data.adj`` (e.g. ``"3.0"``), or ``"unknown"``.
    """

    source: str
    path: Path
    reader_root: object
    version: str


def nltk_data_dir():
    """The ``nltk_data`` folder in wordrep's cache: where NLTK's downloader puts WordNet."""
    return cache_dir("nltk_data")


def system_dirs():
    """The system folders WordNet may be installed in, in search order."""
    dirs = list(SYSTEM_DIRS)
    if os.environ.get("WNHOME"):
        dirs.append(Path(os.environ["WNHOME"]) / "dict")
    return dirs


def locate():
    """Find WordNet data, making an NLTK-ready copy in the cache the first time if needed.

    Returns
    -------
    WordNetLocation

    Raises
    ------
    UserError
        When ``$WORDREP_WORDNET`` is not a WordNet folder, or no WordNet is found at all (the
        message gives the commands that install it).
    """
    authorize(nltk_data_dir())
    env = os.environ.get(ENV_VAR)
    if env:
        return _from_env(Path(env).expanduser())
    found = _from_nltk()
    if found is not None:
        return found
    found, incomplete = _from_system()
    if found is None:
        raise UserError(_not_found_message(incomplete), INSTALL_HINT)
    return found


def _from_env(directory):
    if not directory.is_dir():
        raise UserError(f"{ENV_VAR}={directory} is not a folder.",
                        f"Point {ENV_VAR} at a folder of WordNet database files "
                        "(e.g. /usr/share/wordnet), or unset it.")
    missing = missing_files(directory)
    if missing:
        lacks = ("holds no WordNet database files" if len(missing) == len(REQUIRED_FILES)
                 else f"has no {', '.join(missing)}")
        raise UserError(f"{ENV_VAR}={directory} is not a WordNet database folder: it {lacks}.",
                        f"Point {ENV_VAR} at the folder holding WordNet's data.noun, "
                        "index.noun... files (e.g. /usr/share/wordnet), or unset it.")
    return _located(ENV_VAR, directory, _reader_dir(directory, ENV_VAR))


def _from_nltk():
    import nltk.data

    # The same two names NLTK's own `nltk.corpus.wordnet` loader tries, in its order.
    for resource in ("corpora/wordnet", "corpora/wordnet.zip/wordnet/"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # NLTK warns about every refused root
                pointer = nltk.data.find(resource)
        except (LookupError, OSError, ValueError):
            continue
        if hasattr(pointer, "zipfile"):
            return _located("nltk", Path(pointer.zipfile.filename), pointer)
        directory = Path(pointer.path)
        if not missing_files(directory):
            return _located("nltk", directory, _reader_dir(directory, "nltk"))
    return None


def _from_system():
    incomplete = []
    for directory in system_dirs():
        if not directory.is_dir():
            continue
        missing = missing_files(directory)
        if missing:
            incomplete.append((directory, missing))
            continue
        return _located("system", directory, ready_copy(directory, "system")), incomplete
    return None, incomplete


def _not_found_message(incomplete):
    places = [f"{ENV_VAR} (unset)", "NLTK's data path"] + [str(d) for d in system_dirs()]
    if not os.environ.get("WNHOME"):
        places.append("$WNHOME/dict (WNHOME unset)")
    message = f"no WordNet data found (looked in: {', '.join(places)})"
    for directory, missing in incomplete:
        message += f"; {directory} is incomplete (no {', '.join(missing)})"
    return message + "."


def _located(source, path, reader_root):
    return WordNetLocation(source, path, reader_root, version(reader_root))


def _reader_dir(directory, source):
    """``directory`` itself when NLTK can read it in place, else its NLTK-ready copy."""
    if nltk_ready(directory):
        authorize(directory)
        return directory
    return ready_copy(directory, source)
