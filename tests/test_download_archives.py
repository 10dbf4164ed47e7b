"""Archives from a local server through the real benchmark and corpus download paths.

Each malicious archive is served with a matching checksum, so only the extractor stands
between it and the disk: the refusal must name the member, nothing may be written outside the
target folder, and no half-unpacked folder may be left in the cache.
"""
import hashlib
import io
import random
import stat
import tarfile
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from wordrep import archives
from wordrep.benchmarks import load_benchmark, named
from wordrep.cli import main
from wordrep.corpora import named as corpora_named
from wordrep.errors import UserError
from wordrep.home import cache_dir

RELATION = "BATS_3.0/1_Inflectional_morphology/I01 [noun - plural_reg].txt"
PAIRS = b"cat\tcats\ndog\tdogs\nhouse\thouses/homes\n"


def make_zip(path, members):
    """``members``: name -> bytes, or name -> ("symlink", target)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            if isinstance(data, tuple):
                info = zipfile.ZipInfo(name)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                zf.writestr(info, data[1])
            else:
                zf.writestr(name, data)
    return path


def make_tar(path, members):
    """``members``: name -> bytes, or name -> ("symlink" | "hardlink", target)."""
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            if isinstance(data, tuple):
                info.type = tarfile.SYMTYPE if data[0] == "symlink" else tarfile.LNKTYPE
                info.linkname = data[1]
                tf.addfile(info)
            else:
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
    return path


def serve_as(name, archive, http_server, monkeypatch, members=None):
    """Point the named benchmark at ``archive`` on a local server, with its true SHA-1."""
    url = http_server(archive.parent) + "/" + archive.name
    monkeypatch.setitem(named.DOWNLOADS, name, named.Download(
        url, sha1=hashlib.sha1(archive.read_bytes()).hexdigest(), members=members or {}))


def cache_listing(home):
    return sorted(str(p.relative_to(home)) for p in home.rglob("*"))


@pytest.fixture
def served(tmp_path):
    folder = tmp_path / "served"
    folder.mkdir()
    return folder


def test_a_good_bats_zip_is_unpacked_and_read(served, http_server, monkeypatch, wordrep_home):
    archive = make_zip(served / "BATS_3.0.zip", {RELATION: PAIRS, "BATS_3.0/README": b"x"})
    serve_as("bats", archive, http_server, monkeypatch)
    data = load_benchmark("bats")
    assert data.section_names == ["I01 [noun - plural_reg]"]
    assert ("cat", "cats", "house", "houses") in data.questions and len(data.questions) == 6
    assert (wordrep_home / "benchmarks" / "bats" / RELATION).read_bytes() == PAIRS


@pytest.mark.parametrize("member, reason", [
    ("../evil.txt", "would be written outside the target folder"),
    ("BATS_3.0/../../evil.txt", "would be written outside the target folder"),
    ("/tmp/wordrep-test-evil.txt", "would be written outside the target folder"),
    ("C:/evil.txt", "would be written outside the target folder"),
    ("..\\evil.txt", "would be written outside the target folder"),
])
def test_a_zip_member_escaping_the_folder_is_refused(member, reason, served, http_server,
                                                     monkeypatch, wordrep_home, tmp_path):
    archive = make_zip(served / "BATS_3.0.zip", {RELATION: PAIRS, member: b"pwned"})
    serve_as("bats", archive, http_server, monkeypatch)
    result = CliRunner().invoke(main, ["benchmarks", "fetch", "bats"])
    assert result.exit_code == 2, result.output
    assert f"its member {member!r} {reason}" in result.stderr
    assert "Traceback" not in result.output
    assert not list(tmp_path.parent.rglob("*evil.txt"))  # every test's folders
    assert not Path("/tmp/wordrep-test-evil.txt").exists()
    assert cache_listing(wordrep_home) == ["benchmarks", "downloads", "downloads/BATS_3.0.zip"]


def test_a_zip_symlink_entry_is_refused(served, http_server, monkeypatch, wordrep_home):
    archive = make_zip(served / "BATS_3.0.zip", {"BATS_3.0/link": ("symlink", "/etc/passwd"),
                                                 RELATION: PAIRS})
    serve_as("bats", archive, http_server, monkeypatch)
    with pytest.raises(UserError, match="its member 'BATS_3.0/link' is a symbolic link"):
        load_benchmark("bats")
    assert not (wordrep_home / "benchmarks" / "bats").exists()


@pytest.mark.parametrize("kind, reason", [
    ("symlink", "is a symbolic link \\(to /etc\\)"),
    ("hardlink", "is a hard link \\(to /etc\\)"),
])
def test_tar_links_are_refused(kind, reason, served, http_server, monkeypatch, wordrep_home):
    men = "MEN/MEN_dataset_natural_form_full"
    archive = make_tar(served / "MEN.tar.gz", {"MEN/etc": (kind, "/etc"),
                                               men: b"sun sunlight 50.0\n"})
    serve_as("men", archive, http_server, monkeypatch, members={men: None})
    with pytest.raises(UserError, match=f"its member 'MEN/etc' {reason}"):
        load_benchmark("men")
    assert cache_listing(wordrep_home) == ["benchmarks", "downloads", "downloads/MEN.tar.gz"]


def test_a_tar_member_escaping_the_folder_is_refused(served, http_server, monkeypatch,
                                                     wordrep_home, tmp_path):
    men = "MEN/MEN_dataset_natural_form_full"
    archive = make_tar(served / "MEN.tar.gz", {men: b"sun sunlight 50.0\n",
                                               "../../evil.txt": b"pwned"})
    serve_as("men", archive, http_server, monkeypatch, members={men: None})
    with pytest.raises(UserError, match="'../../evil.txt' would be written outside"):
        load_benchmark("men")
    assert not list(tmp_path.parent.rglob("evil.txt"))


def test_a_zip_bomb_is_refused_before_it_is_unpacked(served, http_server, monkeypatch,
                                                     wordrep_home):
    monkeypatch.setattr(archives, "MAX_EXTRACTED_BYTES", 1_000_000)
    archive = make_zip(served / "BATS_3.0.zip", {RELATION: b"\0" * 3_000_000})
    assert archive.stat().st_size < 10_000  # what makes it a bomb
    serve_as("bats", archive, http_server, monkeypatch)
    with pytest.raises(UserError, match="unpacks to more than the 1,000,000-byte cap "
                                        r"\(its members declare 3,000,000 bytes; a zip bomb\?\)"):
        load_benchmark("bats")
    assert not (wordrep_home / "benchmarks" / "bats").exists()


def test_written_bytes_are_capped_too(tmp_path, monkeypatch):
    # Declared sizes are only a promise: the cap also counts what is written.
    archive = make_tar(tmp_path / "a.tar.gz", {"a": b"x" * 600, "b": b"y" * 600})
    monkeypatch.setattr(archives, "_tar_member", lambda info: archives._Member(
        info.name, "file", 1, info))  # an archive that under-declares its sizes
    with pytest.raises(UserError, match="more bytes than its members declare"):
        archives.extract(archive, tmp_path / "out", max_bytes=1000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.tar.gz"]


def test_a_member_with_the_wrong_checksum_leaves_nothing_half_written(served, http_server,
                                                                      monkeypatch, wordrep_home):
    men = "MEN/MEN_dataset_natural_form_full"
    archive = make_tar(served / "MEN.tar.gz", {men: b"sun sunlight 50.0\n"})
    serve_as("men", archive, http_server, monkeypatch, members={men: "0" * 40})
    result = CliRunner().invoke(main, ["benchmarks", "fetch", "men"])
    assert result.exit_code == 2 and "does not match its published SHA-1" in result.stderr
    assert cache_listing(wordrep_home) == ["benchmarks", "downloads", "downloads/MEN.tar.gz"]


def test_a_damaged_archive_gives_a_clear_error(served, http_server, monkeypatch):
    archive = served / "BATS_3.0.zip"
    noise = random.Random(0).randbytes(20_000)  # incompressible: the data fills the file
    good = make_zip(served / "good.zip", {RELATION: noise}).read_bytes()
    archive.write_bytes(good[:1000] + b"\xff" * 200 + good[1200:])  # the data, not the index
    serve_as("bats", archive, http_server, monkeypatch)
    with pytest.raises(UserError, match="cannot unpack .*BATS_3.0.zip: it is damaged"):
        load_benchmark("bats")


def test_a_text8_zip_with_a_link_is_refused(served, http_server, monkeypatch, wordrep_home):
    archive = make_zip(served / "text8.zip", {"text8": ("symlink", "/etc/passwd")})
    data = archive.read_bytes()
    monkeypatch.setitem(corpora_named.PACKAGED, "text8", replace(
        corpora_named.PACKAGED["text8"], url=http_server(served) + "/text8.zip",
        sha256=hashlib.sha256(data).hexdigest(), size=len(data)))
    result = CliRunner().invoke(main, ["-q", "corpus", "fetch", "text8"])
    assert result.exit_code == 2 and "'text8' is a symbolic link" in result.stderr
    assert not (cache_dir("data") / "text8").exists()


def test_an_older_incomplete_folder_is_replaced(served, http_server, monkeypatch, wordrep_home):
    # The layout before archives were unpacked whole: the member alone, flattened.
    old = wordrep_home / "benchmarks" / "men"
    old.mkdir(parents=True)
    (old / "MEN_dataset_natural_form_full").write_text("old\n")
    men = "MEN/MEN_dataset_natural_form_full"
    archive = make_tar(served / "MEN.tar.gz", {men: b"sun sunlight 50.0\nbeach sea 49\n"})
    serve_as("men", archive, http_server, monkeypatch, members={men: None})
    assert len(load_benchmark("men")) == 2
    assert sorted(p.name for p in old.iterdir()) == ["MEN"]
