"""Benchmark datasets: bundled files, user files with their quirks, named downloads."""
import hashlib
import io
import logging
import tarfile

import numpy as np
import pytest
from click.testing import CliRunner

from wordrep.benchmarks import (AnalogyDataset, SimilarityDataset, benchmarks, load_benchmark,
                                read_analogy, read_similarity)
from wordrep.benchmarks import named
from wordrep.cli import main
from wordrep.errors import OfflineError, UserError


def test_bundled_sets_load_from_gensims_test_data():
    ws = load_benchmark("wordsim353")
    assert isinstance(ws, SimilarityDataset) and len(ws) == 353
    assert ws.scores.dtype == np.float64 and ws.scale == (0.0, 10.0)
    assert ws.pairs[0] == ("love", "sex") and ws.scores[0] == 6.77
    simlex = load_benchmark("simlex999")
    assert len(simlex) == 999
    assert [a.value for a in simlex.agreement] == [0.67, 0.78]
    assert all("Hill" in a.source for a in simlex.agreement)
    assert ws.agreement == [] and ws.agreement_note  # none invented, and it says so
    google = load_benchmark("google")
    assert isinstance(google, AnalogyDataset) and len(google) == 19544
    assert len(google.section_names) == 14
    assert google.groups["capital-world"] == "semantic"
    assert google.groups["gram8-plural"] == "syntactic"


def test_bundled_benchmarks_do_not_import_gensim():
    import subprocess
    import sys
    code = ("import sys; from wordrep.benchmarks import load_benchmark; "
            "load_benchmark('simlex999'); print('gensim' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_similarity_file_quirks(tmp_path):
    path = tmp_path / "pairs.txt"
    path.write_bytes(b"# a comment\r\n\r\nWord 1\tWord 2\tHuman (mean)\r\n"
                     b"cat\tdog\t7.5\r\ncar bus 6\r\n// another comment\n\nsun\tmoon\t3e0\n")
    data = read_similarity(path)
    assert data.pairs == [("cat", "dog"), ("car", "bus"), ("sun", "moon")]
    np.testing.assert_array_equal(data.scores, [7.5, 6.0, 3.0])
    assert data.name == "pairs" and data.scale == (3.0, 7.5)
    assert data.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_real_published_files_load():
    from pathlib import Path
    folder = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "similarity"
    if not folder.is_dir():
        pytest.skip("../shared/benchmarks is not here")
    men = read_similarity(folder / "EN-MEN-TR-3k.txt")
    assert len(men) == 3000 and men.scale[1] <= 50
    msr = read_analogy(folder.parent / "analogy" / "msr.txt")  # CRLF, no sections
    assert len(msr) == 8000 and msr.section_names == ["msr"]


@pytest.mark.parametrize("content, message", [
    (b"cat dog 7\ncar bus\n", "line 2: expected 3 fields"),
    (b"cat dog 7\ncar bus six\n", "line 2: the score 'six' is not a number"),
    (b"cat dog 7 8\n", "line 1: expected 3 fields"),
    (b"", "has no word pairs"),
    (b"# only a comment\n\n", "has no word pairs"),
    (b"cat dog nan\n", "not finite"),
])
def test_bad_similarity_files_name_the_line(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(UserError, match=message) as info:
        read_similarity(path)
    assert str(path) in str(info.value)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(UserError, match="nope.txt' is neither a benchmark name nor an existing"):
        load_benchmark(tmp_path / "nope.txt")
    with pytest.raises(UserError, match="does not exist"):
        read_similarity(tmp_path / "nope.txt")
    with pytest.raises(UserError, match="neither a benchmark name"):
        load_benchmark("simlex-99")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02")
    with pytest.raises(UserError, match="binary"):
        read_similarity(tmp_path / "bin.txt")


def test_duplicate_pairs_are_kept_with_a_warning(tmp_path, caplog):
    path = tmp_path / "dup.txt"
    path.write_text("cat dog 7\ndog cat 6\ncar bus 5\n")
    with caplog.at_level(logging.WARNING, logger="wordrep"):
        data = read_similarity(path)
    assert len(data) == 3 and data.duplicates == 1
    assert "duplicate pair" in caplog.text and "cat-dog" in caplog.text


def test_analogy_formats(tmp_path):
    sectioned = tmp_path / "a.txt"
    sectioned.write_text(": capitals\nAthens Greece Paris France\n\n: gram-plural\r\n"
                         "cat cats dog dogs\n")
    data = read_analogy(sectioned)
    assert data.questions[1] == ("cat", "cats", "dog", "dogs")
    assert data.section_names == ["capitals", "gram-plural"]
    assert data.sections.tolist() == [0, 1]
    assert data.groups == {"capitals": "semantic", "gram-plural": "syntactic"}
    plain = tmp_path / "plain.txt"
    plain.write_text("good better bad worse\ngood best bad worst\n")
    assert load_benchmark(plain).kind == "analogy"
    assert read_analogy(plain).section_names == ["plain"]
    (tmp_path / "bad.txt").write_text(": s\na b c\n")
    with pytest.raises(UserError, match="line 2: an analogy question has 4 words"):
        read_analogy(tmp_path / "bad.txt")


def test_every_named_download_has_a_url_and_licence_and_no_invented_checksum():
    for entry in benchmarks:
        assert entry.info["licence"] and entry.info["citation"] and entry.summary
        if entry.info.get("download"):
            spec = named.DOWNLOADS[entry.name]
            assert spec.url.startswith(("http://", "https://"))
            for digest, size in ((spec.sha256, 64), (spec.sha1, 40)):
                assert digest is None or (len(digest) == size and int(digest, 16) >= 0)
    assert set(named.DOWNLOADS) == {"men", "simverb3500", "rw", "mturk771", "rg65", "mc30",
                                    "ws353sim", "ws353rel", "msr", "bats"}


def _tar_gz(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_download_verified_by_sha1_and_extracted(tmp_path, http_server, monkeypatch, wordrep_home):
    member = b"sun sunlight 50.000000\nautomobile car 50.000000\nbeach sea 49\n"
    archive = _tar_gz({"MEN/MEN_dataset_natural_form_full": member, "MEN/other": b"x"})
    (tmp_path / "MEN.tar.gz").write_bytes(archive)
    url = http_server(tmp_path) + "/MEN.tar.gz"
    monkeypatch.setitem(named.DOWNLOADS, "men", named.Download(
        url, sha1=hashlib.sha1(archive).hexdigest(),
        members={"MEN/MEN_dataset_natural_form_full": hashlib.sha1(member).hexdigest()}))
    result = CliRunner().invoke(main, ["benchmarks", "fetch", "men"])
    assert result.exit_code == 0, result.output
    assert "men: 3 pairs" in result.stdout and hashlib.sha256(archive).hexdigest() in result.stdout
    data = load_benchmark("men", fetch_missing=False)
    assert data.scale == (0.0, 50.0) and data.pairs[1] == ("automobile", "car")
    listing = CliRunner().invoke(main, ["benchmarks", "list"]).stdout
    assert any(line.startswith("men ") and " yes " in line for line in listing.splitlines())


def test_download_with_wrong_checksum_is_refused_and_removed(tmp_path, http_server, monkeypatch):
    (tmp_path / "rw.zip").write_bytes(b"not what was published")
    url = http_server(tmp_path) + "/rw.zip"
    monkeypatch.setitem(named.DOWNLOADS, "rw", named.Download(url, sha1="0" * 40,
                                                              members={"rw/rw.txt": None}))
    result = CliRunner().invoke(main, ["benchmarks", "fetch", "rw"])
    assert result.exit_code == 2 and "does not match its published SHA-1" in result.stderr
    from wordrep.home import cache_dir
    assert not (cache_dir("downloads") / "rw.zip").exists()


def test_download_with_sha256_uses_the_shared_fetch(tmp_path, http_server, monkeypatch):
    data = b"gem\tjewel\t3.94\nnoon\tmidday\t3.94\ncar\tautomobile\t3.92\n"
    (tmp_path / "EN-RG-65.txt").write_bytes(data)
    monkeypatch.setitem(named.DOWNLOADS, "rg65", named.Download(
        http_server(tmp_path) + "/EN-RG-65.txt", sha256=hashlib.sha256(data).hexdigest()))
    assert len(load_benchmark("rg65")) == 3


def test_unverifiable_download_needs_consent(tmp_path, http_server, monkeypatch):
    data = b"cord smile 0.02\nrooster voyage 0.04\nnoon string 0.04\n"
    (tmp_path / "EN-MC-30.txt").write_bytes(data)
    monkeypatch.setitem(named.DOWNLOADS, "mc30",
                        named.Download(http_server(tmp_path) + "/EN-MC-30.txt"))
    refused = CliRunner().invoke(main, ["benchmarks", "fetch", "mc30"])
    assert refused.exit_code == 2 and "--unverified" in refused.stderr
    accepted = CliRunner().invoke(main, ["benchmarks", "fetch", "mc30", "--unverified"])
    assert accepted.exit_code == 0, accepted.output
    assert hashlib.sha256(data).hexdigest() in accepted.stderr  # told what it got


def test_offline_download_fails_in_one_line(closed_port_url, monkeypatch):
    monkeypatch.setitem(named.DOWNLOADS, "ws353sim", named.Download(
        closed_port_url + "/ws353simrel.tar.gz", sha1="1" * 40,
        members={"wordsim353_sim_rel/wordsim_similarity_goldstandard.txt": None}))
    with pytest.raises(OfflineError, match="cannot download"):
        load_benchmark("ws353sim")
    with pytest.raises(UserError, match="has not been downloaded yet"):
        load_benchmark("ws353sim", fetch_missing=False)


def test_benchmarks_show_and_bundled_fetch():
    shown = CliRunner().invoke(main, ["benchmarks", "show", "simlex999"])
    assert shown.exit_code == 0 and "0.67" in shown.stdout and "Hill" in shown.stdout
    shown = CliRunner().invoke(main, ["benchmarks", "show", "men"])
    assert "3c4af1b7009c1ad75e03562f7f7bc5f51ff3a31a" in shown.stdout
    fetched = CliRunner().invoke(main, ["benchmarks", "fetch", "google"])
    assert fetched.exit_code == 2 and "bundled" in fetched.stderr


def test_looking_a_benchmark_up_leaves_no_empty_folder():
    from wordrep.benchmarks.named import DOWNLOADS, cached_paths
    from wordrep.home import home
    for name in DOWNLOADS:
        assert not any(path.exists() for path in cached_paths(name)), name
    folder = home() / "benchmarks"
    assert not folder.exists() or list(folder.iterdir()) == []
