"""The catalogue of named corpora as data: the packaged files, the user's own, bad files."""
import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from wordrep.cli import main
from wordrep.corpora import catalogue, named
from wordrep.home import home

ROOT = Path(__file__).resolve().parents[1]
PACKAGED_FILES = sorted((ROOT / "corpora").glob("*.toml"))
TEXT = "the cat sat on the mat\nthe dog sat on the log\n"


def run(*args):
    return CliRunner().invoke(main, list(args))


def one_error(result):
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert result.exit_code == 2 and len(errors) == 1 and "Traceback" not in result.output, \
        result.output
    return errors[0]


# -- the packaged catalogue ---------------------------------------------------------------------

def test_the_catalogue_is_the_root_corpora_folder():
    # The package reads the root folder (through its link in a checkout, a copy when installed).
    assert catalogue.PACKAGED_FOLDER.resolve() == (ROOT / "corpora").resolve()
    assert {p.stem for p in PACKAGED_FILES} == {"enwiki-sample", "lee", "text8"}


@pytest.mark.parametrize("path", PACKAGED_FILES, ids=lambda p: p.name)
def test_every_packaged_file_parses_and_has_all_its_fields(path):
    fields = catalogue.read_entry(path)
    required = set(catalogue.FIELDS) - catalogue.FORMAT_FIELDS - catalogue.OPTIONAL
    assert required | catalogue.FORMATS[fields["format"]] - catalogue.OPTIONAL <= set(fields)
    assert fields["tokens"] > 0  # all three are known


def test_every_field_is_described_in_the_readme():
    readme = (ROOT / "corpora" / "README.md").read_text()
    for word in [*catalogue.FIELDS, *catalogue.FORMATS]:
        assert f"`{word}`" in readme, word


def test_pyproject_installs_every_file_of_the_folder():
    try:
        import tomllib
    except ModuleNotFoundError:
        import tomli as tomllib
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["wordrep.corpora"]
    installed = {p for pattern in patterns for p in (ROOT / "wordrep" / "corpora").glob(pattern)}
    assert {p.name for p in installed} == {p.name for p in (ROOT / "corpora").iterdir()}


def test_the_current_corpora_keep_their_urls_and_checksums():
    text8 = named.corpora.get("text8")
    assert (text8.url, text8.size, text8.member) == ("https://mattmahoney.net/dc/text8.zip",
                                                    31_344_016, "text8")
    assert text8.sha256 == "a6640522afe85d1963ad56c05b0ede0a0c000dddc9671758a6cc09b7a38e5232"
    assert text8.member_sha256 == \
        "6e890197040d37d85beb962ae1f041ff1d9a9ca8d20c7d99c85027eebf51dca7"


@pytest.mark.parametrize("name", ["lee", "enwiki-sample"])
def test_fetch_checks_gensims_copy_against_the_catalogue(name, monkeypatch):
    result = run("corpus", "fetch", name)
    assert result.exit_code == 0, result.output
    assert Path(result.stdout.strip()).name == named.corpora.get(name).file
    from dataclasses import replace
    monkeypatch.setitem(named.PACKAGED, name, replace(named.PACKAGED[name], sha256="0" * 64))
    assert "does not match the size and SHA-256" in one_error(run("corpus", "fetch", name))


# -- a corpus of the user's own -----------------------------------------------------------------

def user_file(folder, stem, **fields):
    """Write the catalogue file ``folder/stem.toml``; a field given as None is left out."""
    fields = {"name": stem, "description": "A test corpus.", "licence": "CC0",
              "format": "file", **fields}
    lines = [f"{key} = {json.dumps(value)}" for key, value in fields.items() if value is not None]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.toml").write_text("\n".join(lines) + "\n")
    return folder / f"{stem}.toml"


@pytest.fixture
def served(tmp_path):
    folder = tmp_path / "served"
    folder.mkdir()
    (folder / "news.txt").write_text(TEXT)
    return folder


def news_fields(served, url):
    data = (served / "news.txt").read_bytes()
    return {"url": url + "/news.txt", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def test_a_user_file_adds_a_corpus_that_is_listed_fetched_and_read(served, http_server):
    url = http_server(served)
    user_file(home() / "corpora.d", "news", **news_fields(served, url), tokens=12)
    listed = run("corpus", "list")
    assert listed.exit_code == 0, listed.output
    assert [line.split()[:4] for line in listed.stdout.splitlines() if line.startswith("news")] \
        == [["news", "0.00M", "0.0", "MB"]] and "download" in listed.stdout
    fetched = run("-q", "corpus", "fetch", "news")
    assert fetched.exit_code == 0, fetched.output
    assert Path(fetched.stdout.strip()) == home() / "data" / "news" / "news.txt"
    assert url.requests == [("/news.txt", None)]
    info = run("-q", "corpus", "info", "news", "--json")
    stats = json.loads(info.stdout)
    assert stats["tokens"] == 12 and stats["catalogue"]["licence"] == "CC0"
    assert "yes" in [line for line in run("corpus", "list").stdout.splitlines()
                     if line.startswith("news")][0]


def test_a_download_that_does_not_match_its_checksum_is_refused(served, http_server):
    fields = news_fields(served, http_server(served))
    (served / "news.txt").write_text(TEXT.replace("cat", "bat"))  # same size, other bytes
    user_file(home() / "corpora.d", "news", **fields)
    assert "SHA-256" in one_error(run("-q", "corpus", "fetch", "news"))
    assert not list((home() / "data" / "news").iterdir())


def test_an_archive_member_from_a_tar_download(tmp_path, http_server):
    served = tmp_path / "served"
    served.mkdir()
    with tarfile.open(served / "corpus.tar.gz", "w:gz") as tar:
        info = tarfile.TarInfo("corpus/text.txt")
        info.size = len(TEXT)
        tar.addfile(info, io.BytesIO(TEXT.encode()))
    data = (served / "corpus.tar.gz").read_bytes()
    user_file(home() / "corpora.d", "tarred", format="archive-member",
              url=http_server(served) + "/corpus.tar.gz", size=len(data),
              sha256=hashlib.sha256(data).hexdigest(), member="corpus/text.txt",
              member_sha256=hashlib.sha256(TEXT.encode()).hexdigest())
    assert run("-q", "corpus", "fetch", "tarred").exit_code == 0
    assert json.loads(run("-q", "corpus", "info", "tarred", "--json").stdout)["tokens"] == 12


def test_wordrep_corpora_names_the_users_folders(tmp_path, served, monkeypatch):
    first, second = tmp_path / "a", tmp_path / "b"
    user_file(first, "one", **news_fields(served, "https://example.org"))
    user_file(second, "two", **news_fields(served, "https://example.org"))
    user_file(home() / "corpora.d", "ignored", **news_fields(served, "https://example.org"))
    monkeypatch.setenv("WORDREP_CORPORA", f"{first}{os.pathsep}{second}")
    names = named.corpora.names()
    assert names[-2:] == ["one", "two"] and "ignored" not in names
    monkeypatch.setenv("WORDREP_CORPORA", str(tmp_path / "missing"))
    assert "WORDREP_CORPORA names" in one_error(run("corpus", "list"))


# -- bad files ----------------------------------------------------------------------------------

GOOD = {"url": "https://example.org/c.txt", "size": 10, "sha256": "a" * 64}


@pytest.mark.parametrize("fields, named_field", [
    ({**GOOD, "sha256": None}, "'sha256'"),
    ({**GOOD, "size": "31MB"}, "'size'"),
    ({**GOOD, "size": True}, "'size'"),
    ({**GOOD, "sha256": "A" * 64}, "'sha256'"),
    ({**GOOD, "url": "ftp://example.org/c.txt"}, "'url'"),
    ({**GOOD, "url": "https://example.org/"}, "'url'"),
    ({**GOOD, "url": "https://example.org/a/.."}, "'url'"),  # no file name for the cache
    ({**GOOD, "licnse": "CC0"}, "'licnse'"),
    ({**GOOD, "licence": None}, "'licence'"),
    ({**GOOD, "format": "zip"}, "'format'"),
    ({**GOOD, "format": ["file"]}, "'format'"),
    ({**GOOD, "description": ["a", "list"]}, "'description'"),
    ({**GOOD, "member": "text8"}, "'member'"),
    ({**GOOD, "format": "archive-member"}, "'member'"),
    ({**GOOD, "format": "archive-member", "member": "../etc/passwd"}, "'member'"),
    ({**GOOD, "format": "gensim-test-data", "file": "a/b.txt"}, "'file'"),
    ({**GOOD, "tokens": -1}, "'tokens'"),
    ({**GOOD, "name": "Other"}, "'name'"),
    ({**GOOD, "name": "other"}, "'name'"),  # valid, but not the file's name
])
def test_a_bad_field_is_one_error_naming_the_file_and_the_field(fields, named_field):
    path = user_file(home() / "corpora.d", "bad", **fields)
    for args in (["corpus", "list"], ["corpus", "fetch", "lee"]):
        error = one_error(run(*args))
        assert str(path) in error and named_field in error, error


def test_a_file_that_is_not_toml_or_reuses_a_name_is_refused():
    folder = home() / "corpora.d"
    folder.mkdir(parents=True)
    (folder / "broken.toml").write_text('name = "broken\n')
    assert "broken.toml: not valid TOML" in one_error(run("corpus", "list"))
    (folder / "broken.toml").unlink()
    path = user_file(folder, "lee", **GOOD)
    error = one_error(run("corpus", "list"))
    assert str(path) in error and f"is taken by {catalogue.PACKAGED_FOLDER / 'lee.toml'}" in error
