"""Named corpora: small ones that gensim ships, and downloads kept in the cache.

Each is a function registered by name that returns the path to read (fetching it first when
allowed); ``wordrep corpus list`` reads this registry.

A download comes over https with its SHA-256 and size pinned here (:mod:`wordrep.download`);
its archive is unpacked by :func:`wordrep.archives.extract` (no member outside the target
folder, no links, a size cap) into ``data/<name>/``, which appears only once the member's
own SHA-256 has been checked.
"""
from dataclasses import dataclass
from pathlib import Path

from ..archives import extract, remove_incomplete
from ..download import fetch, sha256_file
from ..errors import UserError
from ..gensim_data import gensim_test_file
from ..home import cache_dir
from ..registry import Registry

corpora = Registry("corpus")


@dataclass(frozen=True)
class Download:
    """A file on the web, with what it must be."""
    url: str
    sha256: str
    size: int
    member: str = None          # the file to take out of a zip archive
    member_sha256: str = None


# Matt Mahoney's text8: the first 10^8 bytes of an English Wikipedia dump (2006), cleaned to
# lowercase a-z and spaces, digits spelled out. Checksums as published alongside its uses.
TEXT8 = Download(
    url="https://mattmahoney.net/dc/text8.zip",
    sha256="a6640522afe85d1963ad56c05b0ede0a0c000dddc9671758a6cc09b7a38e5232",
    size=31_344_016,
    member="text8",
    member_sha256="6e890197040d37d85beb962ae1f041ff1d9a9ca8d20c7d99c85027eebf51dca7",
)


@corpora.register("enwiki-sample", tokens="0.48M", source="gensim's test data",
                  default=True)
def enwiki_sample(fetch_missing=True, progress=None):
    """A shortened English Wikipedia XML dump (gensim's test data); the default corpus."""
    return gensim_test_file("enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2")


@corpora.register("lee", tokens="0.06M", source="gensim's test data")
def lee(fetch_missing=True, progress=None):
    """Lee's background corpus: 300 Australian news articles, one a line (gensim's test data)."""
    return gensim_test_file("lee_background.cor")


@corpora.register("text8", tokens="17.0M", source=TEXT8.url, download=True)
def text8(fetch_missing=True, progress=None):
    """text8: 100 MB of cleaned English Wikipedia, one line (downloaded once, 31 MB)."""
    return fetch_zip_member(TEXT8, "text8", fetch_missing, progress)


def fetch_zip_member(spec, name, fetch_missing=True, progress=None):
    """The verified file ``spec.member`` of a zip download, extracted into the cache."""
    folder = cache_dir("data") / name  # made by the extraction, atomically
    target = folder / spec.member
    if target.is_file() and target.stat().st_size > 0:
        return target
    if not fetch_missing:
        raise UserError(f"the corpus {name} has not been downloaded yet.",
                        f"Run `wordrep corpus fetch {name}` first.")
    archive = fetch(spec.url, cache_dir("downloads") / Path(spec.url).name, spec.sha256,
                    spec.size, progress)
    remove_incomplete(folder)
    extract(archive, folder, check=lambda tmp: _check_member(tmp, spec, archive, name))
    return target


def _check_member(folder, spec, archive, name):
    path = folder / spec.member
    if not path.is_file():
        raise UserError(f"{archive} has no member {spec.member}.",
                        f"Delete {archive} and run `wordrep corpus fetch {name}` again.")
    if spec.member_sha256 and sha256_file(path) != spec.member_sha256:
        raise UserError(f"{spec.member} from {archive} does not match its SHA-256 checksum.",
                        f"Delete {archive} and run `wordrep corpus fetch {name}` again.")


def is_available(entry):
    """True when a named corpus can be read without a download."""
    try:
        entry.func(fetch_missing=False)
        return True
    except UserError:
        return False
