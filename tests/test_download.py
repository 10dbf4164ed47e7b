"""wordrep.download against local servers: good, truncated, oversized, stalled and redirected."""
import contextlib
import hashlib

import pytest
from http_fixtures import https_server, self_signed_cert, stalled_url  # noqa: F401  (fixtures)

from wordrep import download
from wordrep.download import check_url, fetch, partial_path
from wordrep.errors import OfflineError, UserError

DATA = bytes(range(256)) * 12_000  # 3 MB: several reads of download.BLOCK


def sha256(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def served(tmp_path):
    folder = tmp_path / "served"
    folder.mkdir()
    (folder / "data.bin").write_bytes(DATA)
    return folder


@pytest.fixture
def target(tmp_path):
    return tmp_path / "cache" / "data.bin"


def leftovers(target):
    return sorted(p.name for p in target.parent.iterdir()) if target.parent.exists() else []


def test_a_good_file_is_verified_and_moved_into_place(served, target, http_server):
    url = http_server(served)
    assert fetch(url + "/data.bin", target, sha256(DATA), size=len(DATA)) == target
    assert target.read_bytes() == DATA
    assert leftovers(target) == ["data.bin"]
    fetch(url + "/data.bin", target, sha256(DATA), size=len(DATA))  # verified copy: no request
    assert len(url.requests) == 1


def test_a_truncated_download_is_kept_and_resumed_with_a_range_request(served, target,
                                                                       http_server):
    url = http_server(served, cut_after=1_000_000)
    with pytest.raises(OfflineError, match="closed after 1,000,000 of 3,072,000 bytes") as err:
        fetch(url + "/data.bin", target, sha256(DATA), size=len(DATA))
    assert "resumes from" in err.value.format()
    assert not target.exists() and partial_path(target).stat().st_size == 1_000_000
    url.behaviour["cut_after"] = None
    fetch(url + "/data.bin", target, sha256(DATA), size=len(DATA))
    assert url.requests[-1] == ("/data.bin", "bytes=1000000-")
    assert target.read_bytes() == DATA and leftovers(target) == ["data.bin"]


def test_resume_without_a_known_size_uses_the_announced_length(served, target, http_server):
    url = http_server(served, cut_after=5000)
    with pytest.raises(OfflineError, match="closed after 5,000 of 3,072,000 bytes"):
        fetch(url + "/data.bin", target, sha256(DATA))
    url.behaviour["cut_after"] = None
    fetch(url + "/data.bin", target, sha256(DATA))
    assert url.requests[-1][1] == "bytes=5000-" and target.read_bytes() == DATA


def test_ctrl_c_keeps_the_partial_file_and_the_next_run_resumes(served, target, http_server):
    url = http_server(served)

    @contextlib.contextmanager
    def interrupting(total, label):
        def update(n):
            raise KeyboardInterrupt
        yield update

    with pytest.raises(KeyboardInterrupt):
        fetch(url + "/data.bin", target, sha256(DATA), size=len(DATA), progress=interrupting)
    kept = partial_path(target).stat().st_size
    assert 0 < kept < len(DATA) and not target.exists()
    fetch(url + "/data.bin", target, sha256(DATA), size=len(DATA))
    assert url.requests[-1][1] == f"bytes={kept}-" and target.read_bytes() == DATA


def test_a_server_without_ranges_restarts_the_download_cleanly(served, target, http_server):
    url = http_server(served, ranges=False)
    partial_path(target).parent.mkdir(parents=True)
    partial_path(target).write_bytes(DATA[:4096])
    fetch(url + "/data.bin", target, sha256(DATA), size=len(DATA))
    assert url.requests == [("/data.bin", "bytes=4096-")]  # asked, got 200, started over
    assert target.read_bytes() == DATA


def test_a_partial_file_larger_than_expected_is_dropped(served, target, http_server):
    url = http_server(served)
    target.parent.mkdir(parents=True)
    partial_path(target).write_bytes(DATA + b"extra")
    fetch(url + "/data.bin", target, sha256(DATA), size=len(DATA))
    assert url.requests == [("/data.bin", None)] and target.read_bytes() == DATA


def test_a_complete_partial_file_is_verified_without_a_request(served, target, http_server):
    url = http_server(served)
    target.parent.mkdir(parents=True)
    partial_path(target).write_bytes(DATA)
    fetch(url + "/data.bin", target, sha256(DATA), size=len(DATA))
    assert url.requests == [] and leftovers(target) == ["data.bin"]


def test_a_corrupt_partial_file_fails_the_checksum_and_is_removed(served, target, http_server):
    url = http_server(served)
    target.parent.mkdir(parents=True)
    partial_path(target).write_bytes(b"\0" * 4096)  # not the first bytes of the file
    with pytest.raises(UserError, match="does not match its published SHA-256") as err:
        fetch(url + "/data.bin", target, sha256(DATA), size=len(DATA))
    assert not isinstance(err.value, OfflineError) and leftovers(target) == []
    fetch(url + "/data.bin", target, sha256(DATA), size=len(DATA))  # the next run starts over
    assert url.requests[-1][1] is None and target.read_bytes() == DATA


def test_a_wrong_checksum_is_refused_and_nothing_is_kept(served, target, http_server):
    url = http_server(served)
    with pytest.raises(UserError, match="does not match its published SHA-256.*removed"):
        fetch(url + "/data.bin", target, "0" * 64, size=len(DATA))
    assert leftovers(target) == []


def test_sha1_is_checked_when_only_sha1_is_published(served, target, http_server):
    url = http_server(served)
    with pytest.raises(UserError, match="published SHA-1"):
        fetch(url + "/data.bin", target, "0" * 40, algorithm="sha1")
    fetch(url + "/data.bin", target, hashlib.sha1(DATA).hexdigest(), algorithm="sha1")
    assert target.read_bytes() == DATA


def test_a_file_larger_than_its_expected_size_is_refused_from_its_length(served, target,
                                                                        http_server):
    url = http_server(served)
    with pytest.raises(UserError, match="larger than the expected 1,000 bytes "
                                        r"\(3,072,000 bytes announced\); refused"):
        fetch(url + "/data.bin", target, sha256(DATA[:1000]), size=1000)
    assert leftovers(target) == []


def test_a_file_of_another_size_is_refused(served, target, http_server):
    url = http_server(served)
    with pytest.raises(UserError, match="is 3,072,000 bytes, not the expected 4,000,000"):
        fetch(url + "/data.bin", target, "0" * 64, size=4_000_000)
    assert leftovers(target) == []


def test_the_cap_refuses_a_large_download_of_unknown_size(served, target, http_server,
                                                          monkeypatch):
    monkeypatch.setattr(download, "MAX_DOWNLOAD_BYTES", 2_000_000)
    url = http_server(served)
    with pytest.raises(UserError, match="larger than the 2,000,000-byte cap for downloads of "
                                        r"unknown size \(3,072,000 bytes announced\)"):
        fetch(url + "/data.bin", target, sha256(DATA))
    assert leftovers(target) == []
    fetch(url + "/data.bin", target, sha256(DATA), max_bytes=4_000_000)  # a per-download cap
    assert target.read_bytes() == DATA


def test_the_cap_stops_a_stream_without_a_length(served, target, http_server, monkeypatch):
    monkeypatch.setattr(download, "MAX_DOWNLOAD_BYTES", 2_000_000)
    url = http_server(served, omit_length=True)
    with pytest.raises(UserError, match="larger than the 2,000,000-byte cap") as err:
        fetch(url + "/data.bin", target, sha256(DATA))
    assert "announced" not in err.value.format() and leftovers(target) == []


def test_a_stalled_server_times_out_with_a_clear_error(stalled_url, target):
    with pytest.raises(OfflineError, match=f"cannot download {stalled_url}/data.bin: "
                                           "timed out") as err:
        fetch(stalled_url + "/data.bin", target, "0" * 64, timeout=0.3)
    assert "Check the internet connection" in err.value.format()


def test_a_refused_connection_is_offline(closed_port_url, target):
    with pytest.raises(OfflineError, match="cannot download .*refused"):
        fetch(closed_port_url + "/data.bin", target, "0" * 64)
    assert not target.exists()


def test_a_missing_file_on_the_server_is_named(served, target, http_server):
    url = http_server(served)
    with pytest.raises(UserError, match="/nothing.bin: Not Found"):
        fetch(url + "/nothing.bin", target, "0" * 64)


# ---- transport: https, http only when verified, no downgrade -----------------------------------

def test_only_https_or_verified_http_urls_are_accepted():
    check_url("https://example.org/a.zip", verified=False)
    check_url("http://example.org/a.zip", verified=True)  # the pinned checksum decides
    check_url("http://127.0.0.1:8000/a.zip", verified=False)  # loopback: nothing leaves
    with pytest.raises(UserError, match="must come over https, not plain http"):
        check_url("http://example.org/a.zip", verified=False)
    for url in ("file:///etc/passwd", "ftp://example.org/a.zip", "https:///a.zip"):
        with pytest.raises(UserError, match="only https"):
            check_url(url, verified=True)


def test_an_unverified_plain_http_download_is_refused_before_connecting(target):
    with pytest.raises(UserError, match="must come over https") as err:
        fetch("http://example.invalid/a.zip", target, None)
    assert not isinstance(err.value, OfflineError) and not target.parent.exists()


def test_an_unverified_download_is_never_resumed(served, target, http_server):
    url = http_server(served)
    target.parent.mkdir(parents=True)
    partial_path(target).write_bytes(b"stale bytes of something else")
    fetch(url + "/data.bin", target, None)
    assert url.requests == [("/data.bin", None)] and target.read_bytes() == DATA


def test_https_download_and_https_redirect_work(served, target, https_server):
    url = https_server(served, redirects={"/moved.bin": "/data.bin"})
    fetch(url + "/moved.bin", target, sha256(DATA), size=len(DATA))
    assert [path for path, _ in url.requests] == ["/moved.bin", "/data.bin"]
    assert target.read_bytes() == DATA


def test_a_redirect_from_https_to_http_is_refused(served, target, https_server, http_server):
    plain = http_server(served)
    secure = https_server(served, redirects={"/data.bin": plain + "/data.bin"})
    with pytest.raises(UserError, match="redirects to http://.*: a redirect from https to plain "
                                        "http is refused"):
        fetch(secure + "/data.bin", target, sha256(DATA), size=len(DATA))
    assert plain.requests == [] and leftovers(target) == []


def test_a_redirect_must_pass_the_same_rules(served, target, http_server):
    url = http_server(served, redirects={"/data.bin": "http://example.invalid/data.bin"})
    with pytest.raises(UserError, match="example.invalid/data.bin: an unverified file"):
        fetch(url + "/data.bin", target, None)
    assert leftovers(target) == []


def test_every_url_in_the_code_passes_the_transport_rules():
    from wordrep.benchmarks.named import DOWNLOADS
    from wordrep.corpora.named import PACKAGED

    for spec in DOWNLOADS.values():
        check_url(spec.url, spec.verified)
    plain = sorted(name for name, spec in DOWNLOADS.items() if spec.url.startswith("http:"))
    assert plain == ["simverb3500", "ws353rel", "ws353sim"]  # kept for their pinned SHA-1
    assert all(DOWNLOADS[name].sha1 for name in plain)
    assert all(c.url.startswith("https://") and c.sha256 for c in PACKAGED.values())


def test_a_full_disk_during_a_download_is_one_clear_error(served, target, http_server):
    import subprocess
    import sys
    url = http_server(served) + "/data.bin"
    script = (
        "import resource, signal, sys\n"
        "from wordrep.download import fetch\n"
        "from wordrep.errors import UserError\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, 1_000_000))\n"
        "try:\n"
        f"    fetch({url!r}, {str(target)!r}, {sha256(DATA)!r}, size={len(DATA)})\n"
        "except UserError as exc:\n"
        "    print(exc.format()); sys.exit(2)\n")
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           timeout=60)
    assert child.returncode == 2, child.stderr
    assert "file-size limit" in child.stdout and str(target) in child.stdout
    assert not target.exists(), "nothing half-written in the cache"
