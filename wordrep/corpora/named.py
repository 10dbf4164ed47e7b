"""Named corpora: the entries of the catalogue (:mod:`.catalogue`), and how each is fetched.

A corpus is named by a file, not by code: :data:`corpora` holds the packaged catalogue and
reads the user's folders again on each use, so that a file added or fixed counts at once.
``wordrep corpus list|info|fetch`` read it, and so does :func:`wordrep.corpora.open_corpus`.

Each ``format`` of a catalogue file has a reader here that returns the path to read:

- ``gensim-test-data``: the file in gensim's test data; nothing to download.
- ``file``: a download into ``data/<name>/``, read as it is (the readers recognise plain
  text, .gz/.bz2/.xz and Wikipedia dumps by their content).
- ``archive-member``: a zip or tar download, unpacked by :func:`wordrep.archives.extract` (no
  member outside the target folder, no links, a size cap) into ``data/<name>/``, which appears
  only once the member's own SHA-256 has been checked.

A download comes with the SHA-256 and size of its catalogue file (:mod:`wordrep.download`).

>>> corpora.get("lee").format
'gensim-test-data'
"""
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from ..archives import extract, remove_incomplete
from ..download import fetch, sha256_file
from ..errors import UserError
from ..gensim_data import gensim_test_file
from ..home import cache_dir, home
from .catalogue import PACKAGED_FOLDER, read_folder, user_folders


@dataclass(frozen=True)
class NamedCorpus:
    """A corpus of the catalogue: the fields of its file (see ``corpora/README.md``)."""
    name: str
    description: str
    licence: str
    format: str
    url: str
    size: int
    sha256: str
    tokens: int = None
    file: str = None            # gensim-test-data: the file's name there
    member: str = None          # archive-member: the file to take out of the archive
    member_sha256: str = None
    source: Path = None         # the catalogue file

    @property
    def summary(self):
        return self.description

    def path(self, fetch_missing=True, progress=None):
        """The path to read; downloaded first if missing (unless ``fetch_missing`` is False)."""
        return READERS[self.format](self, fetch_missing, progress)

    def fetch(self, progress=None):
        """The path to read, downloaded if missing, and checked against the catalogue."""
        path = self.path(fetch_missing=True, progress=progress)
        if self.format == "gensim-test-data":
            # A download is checked on its way in; a file that gensim ships is checked here.
            _check_file(path, self.size, self.sha256,
                        f"gensim's copy of {self.file} does not match the size and SHA-256 of "
                        f"{self.source}: this gensim ships another version of it.",
                        "Results on it will not compare with results on the catalogued file.")
        return path

    def is_available(self):
        """True when the corpus can be read without a download."""
        try:
            self.path(fetch_missing=False)
            return True
        except UserError:
            return False


def _gensim_file(corpus, fetch_missing, progress):
    return gensim_test_file(corpus.file)


def _downloaded_file(corpus, fetch_missing, progress):
    # Not cache_dir(): asking whether a corpus is here must not create its folder.
    target = home() / "data" / corpus.name / _file_name(corpus.url)
    if target.is_file():  # renamed there only once verified
        return target
    _refuse_missing(corpus, fetch_missing)
    return fetch(corpus.url, target, corpus.sha256, corpus.size, progress)


def _archive_member(corpus, fetch_missing, progress):
    folder = cache_dir("data") / corpus.name  # made by the extraction, atomically
    target = folder / corpus.member
    if target.is_file() and target.stat().st_size > 0:
        return target
    _refuse_missing(corpus, fetch_missing)
    archive = fetch(corpus.url, cache_dir("downloads") / _file_name(corpus.url), corpus.sha256,
                    corpus.size, progress)
    remove_incomplete(folder)
    extract(archive, folder, check=lambda tmp: _check_member(tmp, corpus, archive))
    return target


READERS = {"gensim-test-data": _gensim_file, "file": _downloaded_file,
           "archive-member": _archive_member}


def _file_name(url):
    return PurePosixPath(urlparse(url).path).name


def _refuse_missing(corpus, fetch_missing):
    if not fetch_missing:
        raise UserError(f"the corpus {corpus.name} has not been downloaded yet.",
                        f"Run `wordrep corpus fetch {corpus.name}` first.")


def _check_member(folder, corpus, archive):
    path = folder / corpus.member
    again = f"Delete {archive} and run `wordrep corpus fetch {corpus.name}` again."
    if not path.is_file():
        raise UserError(f"{archive} has no member {corpus.member}.", again)
    if corpus.member_sha256 and sha256_file(path) != corpus.member_sha256:
        raise UserError(f"{corpus.member} from {archive} does not match its SHA-256 checksum.",
                        again)


def _check_file(path, size, sha256, message, hint):
    if path.stat().st_size != size or sha256_file(path) != sha256:
        raise UserError(message, hint)


class Catalogue:
    """The named corpora: the packaged catalogue, then the user's folders.

    Parameters
    ----------
    packaged : dict
        ``{name: NamedCorpus}`` of the packaged files, read once.
    """

    def __init__(self, packaged):
        self.packaged = packaged

    def entries(self):
        """``{name: NamedCorpus}``, the user's files read now (a wrong one is a UserError)."""
        found = dict(self.packaged)
        for folder in user_folders():
            taken = {name: c.source for name, c in found.items()}
            found.update(_corpora(read_folder(folder, taken)))
        return found

    def get(self, name):
        entries = self.entries()
        if name not in entries:
            known = ", ".join(sorted(entries))
            raise UserError(f"unknown corpus {name!r}.",
                            f"Known: {known}; to add one, see `wordrep corpus --help`.")
        return entries[name]

    def __contains__(self, name):
        return name in self.entries()

    def __iter__(self):
        return iter(self.entries().values())

    def names(self):
        return list(self.entries())


def _corpora(entries):
    return {name: NamedCorpus(**fields) for name, fields in entries.items()}


def _packaged():
    if not PACKAGED_FOLDER.is_dir():
        raise UserError(f"wordrep's corpus catalogue {PACKAGED_FOLDER} is missing.",
                        "Reinstall wordrep.")
    return _corpora(read_folder(PACKAGED_FOLDER))


# Read on import: the packaged files are the package's own data, checked by its tests.
PACKAGED = _packaged()
corpora = Catalogue(PACKAGED)
