"""Cache entries: written whole, checked on read, a damaged one rebuilt, one builder at a time;
atomic writes that meet a full disk."""
import errno
import json
import logging
import os
import sys
import threading

import numpy as np
import pytest

from wordrep import cache, storage
from wordrep.run import pipeline
from wordrep.atomic import atomic_path, remove_stale
from wordrep.download import sha256_file
from wordrep.corpora import Corpus, open_corpus
from wordrep.errors import UserError
from wordrep.home import cache_dir
from wordrep.representations import build


def make_entry(folder, builds, payload=b"x" * 5000):
    def build_files(tmp):
        builds.append(tmp)
        (tmp / "data.bin").write_bytes(payload)
        (tmp / "info.json").write_text(json.dumps({"size": len(payload)}))

    def load(f):
        info = json.loads((f / "info.json").read_text())
        data = (f / "data.bin").read_bytes()
        if len(data) != info["size"]:
            raise ValueError("size")
        return data

    return cache.cached(folder, load=load, build=build_files, what="test entry")


def test_an_entry_is_built_once_then_read(tmp_path):
    builds = []
    folder = tmp_path / "entry"
    assert make_entry(folder, builds) == b"x" * 5000
    assert make_entry(folder, builds) == b"x" * 5000
    assert len(builds) == 1
    listed = json.loads((folder / "checksums.json").read_text())["files"]
    assert sorted(listed) == ["data.bin", "info.json"]
    assert listed["data.bin"]["size"] == 5000
    assert listed["data.bin"]["sha256"] == sha256_file(folder / "data.bin")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".entry.lock", "entry"]


def flip_middle_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


DAMAGE = {
    "a flipped byte": (lambda f: flip_middle_byte(f / "data.bin"), "does not match its SHA-256"),
    "a truncated file": (lambda f: (f / "data.bin").write_bytes(b"x" * 100), "has 100 bytes"),
    "a missing file": (lambda f: (f / "data.bin").unlink(), "data.bin is missing"),
    "an unlisted file": (lambda f: (f / "extra").write_text("?"), "extra is not in"),
    "no checksums": (lambda f: (f / "checksums.json").unlink(), "no checksums.json"),
    "garbled checksums": (lambda f: (f / "checksums.json").write_text("{nope"),
                          "unreadable checksums.json"),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_entry_is_rebuilt_with_a_warning(tmp_path, caplog, damage):
    harm, reason = DAMAGE[damage]
    builds = []
    folder = tmp_path / "entry"
    make_entry(folder, builds)
    harm(folder)
    with pytest.raises(cache.Damaged, match=reason):
        cache.verify(folder)
    with caplog.at_level(logging.WARNING, logger="wordrep.cache"):
        assert make_entry(folder, builds) == b"x" * 5000
    assert len(builds) == 2
    assert "is damaged" in caplog.text and reason in caplog.text
    cache.verify(folder)  # whole again
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]


def test_an_entry_its_loader_refuses_is_rebuilt(tmp_path, caplog):
    builds = []
    folder = tmp_path / "entry"
    make_entry(folder, builds)
    # Consistent checksums over wrong content: the loader's own check still catches it.
    (folder / "info.json").write_text(json.dumps({"size": 1}))
    cache.write_checksums(folder)
    with caplog.at_level(logging.WARNING, logger="wordrep.cache"):
        assert make_entry(folder, builds) == b"x" * 5000
    assert len(builds) == 2 and "is damaged" in caplog.text


def test_a_failed_build_leaves_no_entry_and_no_lock_held(tmp_path):
    folder = tmp_path / "entry"

    def failing(tmp):
        (tmp / "half").write_bytes(b"1")
        raise UserError("bad input")

    with pytest.raises(UserError):
        cache.cached(folder, load=lambda f: f, build=failing)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".entry.lock"]
    builds = []
    assert make_entry(folder, builds) == b"x" * 5000  # the lock was released


def test_a_second_builder_waits_and_reads_what_the_first_wrote(tmp_path):
    """Two threads (flock excludes them as it does two processes): one builds, one reads."""
    folder = tmp_path / "entry"
    waiting = threading.Event()

    class Signal(logging.Handler):
        def emit(self, record):
            if "Waiting for another wordrep process" in record.getMessage():
                waiting.set()

    handler = Signal()
    logger = logging.getLogger("wordrep.cache")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    builds, results, inside = [], {}, threading.Event()

    def slow_build():
        builds.append(threading.current_thread().name)
        inside.set()
        assert waiting.wait(30), "the second thread never waited for the lock"
        return np.arange(10)

    def first():
        results["first"] = cache.cached(folder, load=lambda f: np.load(f / "a.npy"),
                                        build=slow_build,
                                        save=lambda tmp, v: np.save(tmp / "a.npy", v))

    def second():
        inside.wait(30)
        results["second"] = cache.cached(folder, load=lambda f: np.load(f / "a.npy"),
                                         build=slow_build,
                                         save=lambda tmp, v: np.save(tmp / "a.npy", v))

    try:
        threads = [threading.Thread(target=first, name="first"),
                   threading.Thread(target=second, name="second")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    assert builds == ["first"]
    assert results["first"].tolist() == results["second"].tolist() == list(range(10))
    assert cache.builder_pid(folder) == os.getpid()


def test_damaged_token_ids_are_rebuilt_and_equal(caplog):
    corpus = open_corpus("lee")
    first = corpus.token_ids()
    first_ids = np.array(first.ids)  # a copy: first.ids maps the file about to be damaged
    flip_middle_byte(corpus.cache_folder / "ids.npy")
    with caplog.at_level(logging.WARNING):
        again = open_corpus("lee").token_ids()
    assert "token ids of lee" in caplog.text and "does not match its SHA-256" in caplog.text
    assert np.array_equal(first_ids, again.ids) and np.array_equal(first.lines, again.lines)
    assert first.vocabulary.words == again.vocabulary.words
    cache.verify(corpus.cache_folder)


def test_damaged_counts_are_recounted(tmp_path, caplog):
    path = tmp_path / "c.txt"
    path.write_text(" ".join(f"w{i % 40} w{(i * 7) % 40}" for i in range(2000)) + "\n")
    first = build("svd", Corpus(path), dim=5, min_count=1, subsample=0)
    for thread in threading.enumerate():
        if thread.name.startswith("cache "):
            thread.join()
    entries = list((cache_dir("counts") / Corpus(path).fingerprint).iterdir())
    (entry,) = [e for e in entries if not e.name.startswith(".")]
    flip_middle_byte(entry / "data.npy")
    with caplog.at_level(logging.WARNING):
        again = build("svd", Corpus(path), dim=5, min_count=1, subsample=0)
    assert again.metadata["timings"]["counts"]["cached"] is False
    assert again.metadata["timings"]["pmi"]["cached"] is True
    assert "counts matrix" in caplog.text and "is damaged" in caplog.text
    np.testing.assert_allclose(np.abs(again.kv.vectors), np.abs(first.kv.vectors), atol=1e-5)


def test_a_damaged_model_in_a_run_is_rebuilt_not_reused(tmp_path, caplog):
    corpus = open_corpus("lee")
    folder = tmp_path / "models" / "onehot"
    params = {"min_count": 20}
    built = pipeline.build_or_reuse("onehot", "onehot", params, corpus, folder)
    assert not built.reused
    assert pipeline.build_or_reuse("onehot", "onehot", params, corpus, folder).reused
    flip_middle_byte(folder / "data.npy")
    with caplog.at_level(logging.WARNING):
        again = pipeline.build_or_reuse("onehot", "onehot", params, corpus, folder)
    assert not again.reused and "is damaged" in caplog.text
    cache.verify(folder)
    # A folder at a model's name that is not a whole model is replaced, not refused.
    (folder / "meta.json").unlink()
    assert not pipeline.build_or_reuse("onehot", "onehot", params, corpus, folder).reused
    assert storage.load(folder).vocabulary == built.rep.vocabulary


# -- atomic writes ----------------------------------------------------------------------------

@pytest.mark.parametrize("code,words", [(errno.ENOSPC, "the disk is full"),
                                        (errno.EFBIG, "the file-size limit was reached"),
                                        (errno.EDQUOT, "the disk quota is used up")])
def test_no_room_is_a_user_error_and_the_old_file_stays(tmp_path, code, words):
    target = tmp_path / "results.json"
    target.write_text("old")
    with pytest.raises(UserError) as caught:
        with atomic_path(target) as tmp:
            tmp.write_text("new, half")
            raise OSError(code, os.strerror(code))
    message = caught.value.format()
    assert str(target) in message and words in message and "\n" not in message
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]


def test_other_os_errors_pass_through_unchanged(tmp_path):
    with pytest.raises(PermissionError):
        with atomic_path(tmp_path / "x") as tmp:
            tmp.write_text("half")
            raise PermissionError(errno.EACCES, "denied")
    assert list(tmp_path.iterdir()) == []


def test_written_files_get_ordinary_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "file") as tmp:
            tmp.write_text("x")
        with atomic_path(tmp_path / "folder", directory=True) as tmp:
            (tmp / "meta.json").write_text("{}")
    finally:
        os.umask(umask)
    assert (tmp_path / "file").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "folder").stat().st_mode & 0o777 == 0o755


def dead_pid():
    """The id of a process that has exited."""
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout)


def test_leftovers_of_killed_writers_are_swept_and_live_ones_kept(tmp_path):
    target = tmp_path / "model.wr"
    dead, alive = dead_pid(), os.getpid()
    (tmp_path / f".model.wr.tmp-{dead}-0123abcd").mkdir()
    (tmp_path / f".model.wr.tmp-{alive}-0123abcd").write_text("mine, in progress")
    (tmp_path / f".other.tmp-{dead}-0123abcd").write_text("another target's")
    remove_stale(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f".model.wr.tmp-{alive}-0123abcd", f".other.tmp-{dead}-0123abcd"]


def test_a_folder_moved_aside_by_a_killed_writer_is_put_back(tmp_path):
    """The two-step replacement (where renameat2 cannot swap) killed between its renames."""
    target = tmp_path / "model.wr"
    aside = tmp_path / f".model.wr.old-{dead_pid()}-0123abcd"
    aside.mkdir()
    (aside / "meta.json").write_text("{}")
    remove_stale(target)
    assert (target / "meta.json").read_text() == "{}" and not aside.exists()


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-step"])
def test_a_folder_replaces_a_folder(tmp_path, monkeypatch, exchange):
    from wordrep import atomic
    swaps, real = [], atomic._exchange

    def exchange_or_not(a, b):
        swaps.append(real(a, b) if exchange else False)
        return swaps[-1]

    monkeypatch.setattr(atomic, "_exchange", exchange_or_not)
    target = tmp_path / "model.wr"
    for content in ("first", "second"):
        with atomic_path(target, directory=True) as tmp:
            (tmp / "meta.json").write_text(content)
    assert (target / "meta.json").read_text() == "second"
    assert swaps == [exchange and sys.platform == "linux"]  # one swap, in one call on Linux
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.wr"]


def test_a_short_write_on_a_full_disk_is_named(tmp_path, monkeypatch):
    """numpy reports a short write without an errno; the free space then tells why."""
    from types import SimpleNamespace

    from wordrep import atomic
    target = tmp_path / "vectors.npy"

    def short_write():
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"1234")
            raise OSError("8 requested and 4 written")

    with pytest.raises(OSError, match="requested"):  # room left: not called a full disk
        short_write()
    monkeypatch.setattr(atomic.os, "statvfs",
                        lambda path: SimpleNamespace(f_bavail=0, f_frsize=4096))
    with pytest.raises(UserError, match="the disk is full"):
        short_write()
    assert list(tmp_path.iterdir()) == []
