"""Find WordNet data, make it readable by NLTK, and load NLTK's WordNet reader on it.

WordNet is looked for, in this order:

1. ``$WORDREP_WORDNET``: a folder of WordNet database files (``data.noun``, ``index.noun``...);
2. NLTK's data path (``nltk.data.path``): ``corpora/wordnet`` or ``corpora/wordnet.zip``,
   including the ``nltk_data`` folder of wordrep's cache, where :func:`install` downloads;
3. the system's WordNet: ``/usr/share/wordnet`` (Debian's ``wordnet-base`` and
   ``wordnet-sense-index``), then ``$WNHOME/dict``.

NLTK cannot read a system folder as it is: Debian's lacks ``lexnames`` (the table of
lexicographer files, which NLTK reads first), and NLTK's path sandbox refuses any file outside
its data roots, symbolic links that lead out of them included. Such a folder is copied once,
as real files and with ``lexnames`` added, into wordrep's cache, and the copy is used from then
on. The copy is made in a temporary folder and renamed into place, so an interrupted copy is
never used.

Examples
--------
>>> from wordrep import wordnet
>>> location = wordnet.locate()
>>> location.source in ("WORDREP_WORDNET", "nltk", "system"), location.version
(True, '3.0')
>>> sorted(s.name() for s in wordnet.load().synset("dog.n.01").hypernyms())
['canine.n.02', 'domestic_animal.n.01']
"""
import contextlib
import functools
import hashlib
import io
import logging
import os
import re
import shutil
import socket
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from .errors import OfflineError, UserError
from .home import cache_dir

log = logging.getLogger(__name__)

ENV_VAR = "WORDREP_WORDNET"
SYSTEM_DIRS = (Path("/usr/share/wordnet"),)
APT_PACKAGES = ("wordnet-base", "wordnet-sense-index")
NLTK_PACKAGE = "wordnet"
CONNECT_TIMEOUT_S = 10.0

# The 45 lexicographer files of WordNet 3.x, as in Princeton's ``lexnames`` (see
# lexnames(5WN)): index, name, and the syntactic category the file holds (1 noun, 2 verb,
# 3 adjective, 4 adverb). NLTK maps each synset's lexicographer file number through it.
LEXNAMES = (
    ("adj.all", 3), ("adj.pert", 3), ("adv.all", 4), ("noun.Tops", 1), ("noun.act", 1),
    ("noun.animal", 1), ("noun.artifact", 1), ("noun.attribute", 1), ("noun.body", 1),
    ("noun.cognition", 1), ("noun.communication", 1), ("noun.event", 1), ("noun.feeling", 1),
    ("noun.food", 1), ("noun.group", 1), ("noun.location", 1), ("noun.motive", 1),
    ("noun.object", 1), ("noun.person", 1), ("noun.phenomenon", 1), ("noun.plant", 1),
    ("noun.possession", 1), ("noun.process", 1), ("noun.quantity", 1), ("noun.relation", 1),
    ("noun.shape", 1), ("noun.state", 1), ("noun.substance", 1), ("noun.time", 1),
    ("verb.body", 2), ("verb.change", 2), ("verb.cognition", 2), ("verb.communication", 2),
    ("verb.competition", 2), ("verb.consumption", 2), ("verb.contact", 2),
    ("verb.creation", 2), ("verb.emotion", 2), ("verb.motion", 2), ("verb.perception", 2),
    ("verb.possession", 2), ("verb.social", 2), ("verb.stative", 2), ("verb.weather", 2),
    ("adj.ppl", 3),
)

# What NLTK's reader opens when it is built (the rest, e.g. cntlist.rev, only on demand):
# a folder without these is not a WordNet database.
REQUIRED_FILES = tuple(f"{kind}.{pos}" for pos in ("noun", "verb", "adj", "adv")
                       for kind in ("index", "data")) \
    + tuple(f"{pos}.exc" for pos in ("noun", "verb", "adj", "adv"))

# The four parts of speech: NLTK's letter and the suffix of their index and data files.
POS_FILES = (("n", "noun"), ("v", "verb"), ("a", "adj"), ("r", "adv"))
SAMPLE_SYNSETS = 200   # per part of speech, spread over its data file, checked when loading

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


def lexnames_text():
    """The contents of a WordNet ``lexnames`` file: ``00\\tadj.all\\t3`` ... ``44\\tadj.ppl\\t3``."""
    return "".join(f"{i:02d}\t{name}\t{pos}\n" for i, (name, pos) in enumerate(LEXNAMES))


def nltk_data_dir():
    """The ``nltk_data`` folder in wordrep's cache: where :func:`install` downloads to."""
    return cache_dir("nltk_data")


def system_dirs():
    """The system folders WordNet may be installed in, in search order."""
    dirs = list(SYSTEM_DIRS)
    if os.environ.get("WNHOME"):
        dirs.append(Path(os.environ["WNHOME"]) / "dict")
    return dirs


# --------------------------------------------------------------------------------------------
# Locating
# --------------------------------------------------------------------------------------------

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
    _authorize(nltk_data_dir())
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
    missing = _missing_files(directory)
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
        if not _missing_files(directory):
            return _located("nltk", directory, _reader_dir(directory, "nltk"))
    return None


def _from_system():
    incomplete = []
    for directory in system_dirs():
        if not directory.is_dir():
            continue
        missing = _missing_files(directory)
        if missing:
            incomplete.append((directory, missing))
            continue
        return _located("system", directory, _ready_copy(directory, "system")), incomplete
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
    return WordNetLocation(source, path, reader_root, _version(reader_root))


def _missing_files(directory):
    return [name for name in REQUIRED_FILES if not (directory / name).is_file()]


def _reader_dir(directory, source):
    """``directory`` itself when NLTK can read it in place, else its NLTK-ready copy."""
    if _nltk_ready(directory):
        _authorize(directory)
        return directory
    return _ready_copy(directory, source)


def _nltk_ready(directory):
    # A symbolic link would lead NLTK out of the data root it was given, which it refuses.
    files = [directory / "lexnames"] + [directory / name for name in REQUIRED_FILES]
    return all(f.is_file() and not f.is_symlink() for f in files)


def _version(reader_root):
    try:
        with _open_bytes(reader_root, "data.adj") as stream:
            # The version is in the licence header at the top of the file.
            for _, line in zip(range(60), stream):
                match = re.search(rb"WordNet (\d+\.\d+\+?|\d+\+?) Copyright", line)
                if match:
                    return match.group(1).decode("ascii")
    except OSError:
        pass
    return "unknown"


# --------------------------------------------------------------------------------------------
# The NLTK-ready copy
# --------------------------------------------------------------------------------------------

def _ready_copy(directory, source):
    """The NLTK-ready copy of ``directory`` in the cache, made now if there is none yet."""
    parent = cache_dir("wordnet")
    _authorize(parent)
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
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
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
    for name in sorted(_database_files(directory)):
        info = (directory / name).stat()
        digest.update(f"\0{name}\0{info.st_size}\0{info.st_mtime_ns}".encode())
    return f"{source.lower().replace('_', '-')}-{digest.hexdigest()[:16]}"


def _database_files(directory):
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    return [name for name in WordNetCorpusReader._FILES if (directory / name).is_file()]


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
    for name in _database_files(source):
        shutil.copyfile(source / name, target / name)
    if not (target / "lexnames").is_file():
        (target / "lexnames").write_text(lexnames_text(), encoding="ascii")


def _authorize(directory):
    """Put ``directory`` on NLTK's data path: NLTK reads nothing outside that path."""
    import nltk.data

    entry = str(Path(directory).resolve())
    if entry not in nltk.data.path:
        nltk.data.path.append(entry)


# --------------------------------------------------------------------------------------------
# Loading and status
# --------------------------------------------------------------------------------------------

_reader = {"key": None, "reader": None}


def load(location=None):
    """NLTK's WordNet reader on the located data, built once per process.

    Parameters
    ----------
    location : WordNetLocation, optional
        Where to read from; :func:`locate` by default.

    Returns
    -------
    nltk.corpus.reader.wordnet.WordNetCorpusReader

    Examples
    --------
    >>> wn = load()
    >>> wn.synset("dog.n.01").path_similarity(wn.synset("cat.n.01"))
    0.2
    """
    location = location or locate()
    key = (location.source, str(location.reader_root))
    if _reader["key"] != key:
        # Only one reader is kept: each holds a few hundred MB of index.
        _reader["key"], _reader["reader"] = None, None
        _reader["reader"] = _build_reader(location)
        _reader["key"] = key
    return _reader["reader"]


def _build_reader(location):
    root = location.reader_root
    _check_files(location)
    try:
        with warnings.catch_warnings():
            # Without the Open Multilingual WordNet NLTK warns on every load; wordrep is English.
            warnings.filterwarnings("ignore", message="The multilingual functions")
            reader = _reader_class()(str(root) if isinstance(root, Path) else root, None)
    # NLTK's reader is a parser of the data files: on damaged ones it asserts, fails to parse
    # (ValueError, WordNetError), runs out of tokens on a cut line (StopIteration) or of terms
    # (IndexError); it refuses (PermissionError) a folder another account can write to.
    except Exception as exc:  # noqa: BLE001
        raise UserError(f"NLTK cannot read the WordNet data in {root} "
                        f"(found via {location.source} in {location.path}): {_why(exc)}.",
                        DAMAGED_HINT) from None
    check(reader)
    return reader


DAMAGED_HINT = ("Reinstall WordNet (`wordrep wordnet install --force`), or delete that folder "
                "if it is a copy in wordrep's cache, and try again.")


def damaged(root, detail):
    """The error for WordNet data that cannot be used: ``detail`` says what is wrong.

    ``root`` is the folder, or NLTK's pointer to it (``reader.root``) or into its zip file.
    """
    return UserError(f"damaged WordNet data in {getattr(root, 'path', root)}: {detail}.",
                     DAMAGED_HINT)


def _check_files(location):
    """Every file NLTK's reader reads ends with a line end: a copy or download cut short, or
    a full disk, leaves a file that stops within a line."""
    for name in ("lexnames", *REQUIRED_FILES):
        try:
            with _open_bytes(location.reader_root, name) as stream:
                end = stream.seek(0, os.SEEK_END)
                whole = end > 0 and stream.seek(-1, os.SEEK_END) >= 0 and stream.read(1) == b"\n"
        except (OSError, KeyError) as exc:  # KeyError: not in NLTK's zip file
            raise damaged(location.reader_root, f"cannot read {name} ({_why(exc)})") from None
        if not whole:
            raise damaged(location.reader_root,
                          f"{name} is cut short (it does not end with a line end)")


def check(reader, complete=False):
    """Raise a :class:`UserError` unless the data ``reader`` reads looks whole.

    A file cut at a line end still parses: a cut data file then ends before synsets its
    index names, and a cut index file lacks its alphabetically last lemmas. So the last
    synset each index names must be in its data file, and a sample of synsets spread over
    each data file must parse and be found again by looking up each of their lemmas: about
    0.4 s, done once per loaded reader. With ``complete``, every lemma of every synset line
    is looked up (about a second more; ``wordrep wordnet status`` does it).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NLTK warns on each offset it finds nothing at
        try:
            last = _last_offsets(reader)
            for pos, name in POS_FILES:
                _check_part_of_speech(reader, pos, name, last.get(pos))
                if complete:
                    _check_every_lemma(reader, pos, name)
        except UserError:
            raise
        except Exception as exc:  # noqa: BLE001  (the parser's many ways to fail, as above)
            raise damaged(reader.root, f"NLTK cannot parse it ({_why(exc)})") from None


def check_indexed(reader, synset):
    """Raise a :class:`UserError` unless looking up each lemma of ``synset`` finds it."""
    pos = "a" if synset._pos == "s" else synset._pos
    for lemma in synset._lemma_names:
        if synset._offset not in reader._lemma_pos_offset_map.get(lemma.lower(), {}).get(pos, ()):
            name = dict(POS_FILES)[pos]
            raise damaged(reader.root, f"index.{name} lacks {lemma!r} of synset {synset._offset} "
                                  "(it is cut short or damaged)")


def _last_offsets(reader):
    """The largest synset offset the index files name, for each part of speech."""
    last = {}
    for forms in reader._lemma_pos_offset_map.values():
        for pos, offsets in forms.items():
            if offsets:
                last[pos] = max(last.get(pos, 0), max(offsets))
    return last


def _check_part_of_speech(reader, pos, name, last):
    if last is None or reader.synset_from_pos_and_offset(pos, last) is None:
        raise damaged(reader.root, f"data.{name} is cut short (it ends before synset {last}, "
                              f"which index.{name} names)")
    for offset in _sample_offsets(reader, name, SAMPLE_SYNSETS):
        try:
            synset = reader.synset_from_pos_and_offset(pos, offset)
        except KeyError:  # NLTK names a synset after its first lemma's entry in the index
            raise damaged(reader.root, f"index.{name} lacks the lemmas of synset {offset} "
                                  "(it is cut short or damaged)") from None
        if synset is None:
            raise damaged(reader.root, f"data.{name} has no whole synset line at byte {offset}")
        check_indexed(reader, synset)


def _check_every_lemma(reader, pos, name):
    """Each synset line of ``data.<name>`` starts at its own offset, and looking up each of
    its lemmas finds it. Read from the file's bytes: NLTK would build each synset."""
    lookup = reader._lemma_pos_offset_map
    with reader.root.join(f"data.{name}").open() as stream:
        at = 0
        for line in stream:
            if not line[:1].isspace():   # the licence header
                # offset, lexicographer file, pos, lemma count (hex), then lemma, lex id...
                offset, _, _, count, rest = line.split(b" ", 4)
                if int(offset) != at:
                    raise damaged(reader.root, f"data.{name} has a line at byte {at} that "
                                               f"says it is at {int(offset)}")
                n = int(count, 16)
                for lemma in rest.split(b" ", 2 * n)[:2 * n:2]:
                    # without an adjective's syntactic marker, as NLTK reads it: "big(a)"
                    word = lemma.split(b"(")[0].decode("utf-8").lower()
                    if at not in lookup.get(word, {}).get(pos, ()):
                        raise damaged(reader.root, f"index.{name} lacks {word!r} of synset "
                                                   f"{at} (it is cut short or damaged)")
            at += len(line)


def _sample_offsets(reader, name, n):
    """The offsets of about ``n`` synset lines spread evenly over ``data.<name>``."""
    offsets = []
    with reader.root.join(f"data.{name}").open() as stream:
        size = stream.seek(0, os.SEEK_END)
        for k in range(n):
            stream.seek(size * k // n)
            stream.readline()  # the rest of the line the position fell in
            offset, line = stream.tell(), stream.readline()
            if line and not line[:1].isspace():  # not the licence header, not past the end
                offsets.append(offset)
    return sorted(set(offsets))


def _open_bytes(reader_root, name):
    """A file of the WordNet that ``reader_root`` (a folder, or a place in NLTK's zip) holds."""
    if isinstance(reader_root, Path):
        return open(reader_root / name, "rb")
    return reader_root.join(name).open()


def _why(exc):
    """An exception in a few words: its type, and its text if it has one (StopIteration has
    none)."""
    text = _one_line(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@functools.cache
def _reader_class():
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class EnglishWordNetReader(WordNetCorpusReader):
        """NLTK's reader without the sense map to WordNet 3.0 that only multilingual data uses.

        NLTK builds that map on every load by reading ``index.sense`` a second time from
        ``corpora/wordnet`` on its data path: a few seconds wasted, and a LookupError when
        WordNet was found anywhere else (``$WORDREP_WORDNET``, the system's copy).
        """

        def map_wn(self, version="wordnet"):
            if self._omw_reader is None:
                return None
            return super().map_wn(version)

    return EnglishWordNetReader


def status(count_synsets=False):
    """What ``wordrep wordnet status`` shows.

    Parameters
    ----------
    count_synsets : bool
        Also count all synsets (loads WordNet and reads every data file: about 10 s).

    Returns
    -------
    dict
        ``source``, ``path``, ``reader_root``, ``version`` and, when counted, ``synsets``.

    Raises
    ------
    UserError
        When no WordNet is found, or it is damaged: NLTK's reader is loaded and the data
        checked (:func:`check`), as the builders need them.
    """
    location = locate()
    info = {"source": location.source, "path": str(location.path),
            "reader_root": str(location.reader_root), "version": location.version}
    reader = load(location)
    check(reader, complete=True)
    info["data"] = "checked: every file whole, every lemma found in its index"
    if count_synsets:
        info["synsets"] = sum(1 for _ in all_synsets(reader))
    return info


def all_synsets(reader):
    """Every synset of ``reader``, each checked by :func:`check_indexed`.

    Raises
    ------
    UserError
        When a data file cannot be parsed or a lemma is missing from its index.
    """
    try:
        for synset in reader.all_synsets():
            check_indexed(reader, synset)
            yield synset
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001  (NLTK's parser's many ways to fail on bad data)
        raise damaged(reader.root, f"NLTK cannot parse it ({_why(exc)})") from None


# --------------------------------------------------------------------------------------------
# Installing
# --------------------------------------------------------------------------------------------

def install(echo=None, *, server_index_url=None, use_apt=True, force=False,
            timeout=CONNECT_TIMEOUT_S):
    """Get WordNet: NLTK's downloader first, then Debian's packages (as root).

    Parameters
    ----------
    echo : callable, optional
        Called with each progress message (a str); logged at INFO by default.
    server_index_url : str, optional
        The index of the NLTK data server; NLTK's default server when None.
    use_apt : bool
        Fall back on ``apt-get install wordnet-base wordnet-sense-index``.
    force : bool
        Download even when WordNet is already found.
    timeout : float
        Seconds to wait for the data server to accept a connection.

    Returns
    -------
    WordNetLocation
        Where WordNet is now found.

    Raises
    ------
    UserError
        When every way failed; the message says why each one failed and gives the commands.
    """
    echo = echo or log.info
    if not force:
        with contextlib.suppress(UserError):
            location = locate()
            echo(f"WordNet {location.version} is already available ({location.source}: "
                 f"{location.path}).")
            return location
    attempts = [lambda: _install_nltk(echo, server_index_url, timeout)]
    if use_apt:
        attempts.append(lambda: _install_apt(echo))
    failures = []
    for number, attempt in enumerate(attempts, 1):
        try:
            attempt()
        except UserError as exc:
            failures.append(exc.format())
            if number < len(attempts):  # the last failure is in the final message already
                echo(exc.format())
            continue
        location = locate()
        echo(f"WordNet {location.version} installed ({location.source}: {location.path}).")
        return location
    raise UserError(f"could not install WordNet: {' '.join(failures)}",
                    "Run one of `python -m nltk.downloader wordnet` (needs internet) or "
                    "`sudo apt-get install wordnet-base wordnet-sense-index`, then "
                    "`wordrep wordnet status`.")


def _install_nltk(echo, server_index_url, timeout):
    from nltk.downloader import Downloader

    downloader = Downloader(server_index_url=server_index_url)
    url = downloader.url
    # NLTK waits up to 120 s for a silent server; offline, fail within `timeout` instead.
    _check_reachable(url, timeout)
    target = nltk_data_dir()
    _authorize(target)
    echo(f"Downloading WordNet with NLTK from {url} into {target} ...")
    try:
        downloader.download(NLTK_PACKAGE, download_dir=str(target), quiet=True,
                            raise_on_error=True, print_error_to=io.StringIO())
    # The downloader is third-party network and archive code with many failure types; any of
    # them means this way did not work and the next one should be tried.
    except Exception as exc:  # noqa: BLE001
        raise UserError(f"NLTK's download of WordNet from {url} failed: "
                           f"{_one_line(exc)}.") from None


def _check_reachable(url, timeout):
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise UserError(f"the NLTK data index URL {url!r} is not an http(s) URL.",
                        "Give one like https://raw.githubusercontent.com/nltk/nltk_data/"
                        "gh-pages/index.xml.")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise OfflineError(f"NLTK's data server {parsed.hostname}:{port} cannot be reached "
                           f"({reason}; offline?).") from None


def _install_apt(echo):
    packages = list(APT_PACKAGES)
    unavailable = _apt_unavailable()
    if unavailable:
        raise UserError(unavailable)
    echo(f"Installing {' '.join(packages)} with apt-get ...")
    code, output = _run(["apt-get", "install", "-y", *packages])
    if code != 0:
        echo("apt-get install failed; updating the package lists and retrying ...")
        _run(["apt-get", "update"])
        code, output = _run(["apt-get", "install", "-y", *packages])
    if code != 0:
        last_line = output.strip().splitlines()[-1] if output.strip() else "no output"
        raise UserError(f"`apt-get install -y {' '.join(packages)}` failed (exit status "
                        f"{code}): {last_line}.")


def _apt_unavailable():
    """Why apt-get cannot install packages here, or None when it can."""
    if not shutil.which("apt-get") or not Path("/etc/debian_version").exists():
        return "apt-get is not available (not a Debian system)."
    if os.geteuid() != 0:
        return ("apt-get needs root: run "
                f"`sudo apt-get install {' '.join(APT_PACKAGES)}`.")
    return None


def _run(command):
    """Run a fixed argument list non-interactively; return its exit status and output."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, env=env, check=False)
    except OSError as exc:
        return 127, str(exc)
    return done.returncode, done.stdout


def _one_line(value):
    return " ".join(str(value).split())
