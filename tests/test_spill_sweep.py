"""Spills of counts that no one will resume are removed, never those a live count is using
(issue 14: a killed run's spills are resumed by a re-run with the same parameters; with other
parameters they would stay on disk for ever, gigabytes at scale). So are the partial entries of
builds killed while writing their cache entry, never a live build's."""
import logging
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from test_cache import dead_pid

from wordrep import atomic, cache
from wordrep.corpora import open_corpus
from wordrep.representations import count_based, count_store as cs

TWO_DAYS = 2 * 24 * 3600

# A count of lee under a tiny budget that spills, stopped after its third run: killed
# (SIGKILL, as a user's kill -9 or the OOM killer), or paused until a line comes on stdin.
COUNT = textwrap.dedent("""
    import os, signal, sys, threading
    from wordrep.corpora import open_corpus
    from wordrep.representations import count_based, count_store
    count_based.cooccurrence.CHUNK_TOKENS = 5_000
    count_based.cooccurrence.FLUSH_PAIRS = 1 << 12
    write_run = count_store.CountStore.write_run
    one_at_a_time = threading.Lock()  # a pause stops every thread's spilling, not just one's

    def stop_after_three(self, *args):
        with one_at_a_time:
            run = write_run(self, *args)
            if len(self.runs) == 3 and not getattr(self, "stopped", False):
                self.stopped = True
                if sys.argv[1] == "kill":
                    os.kill(os.getpid(), signal.SIGKILL)
                print("paused", flush=True)
                sys.stdin.readline()
        return run

    count_store.CountStore.write_run = stop_after_three
    count_based.count_matrix(open_corpus("lee"), min_count=3, window=4, memory=128 << 10)
    print("done", flush=True)
""")


def start_count(mode):
    return subprocess.Popen([sys.executable, "-c", COUNT, mode], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def spill_folders():
    return sorted(count_based.cache_dir("counts").rglob(f".*.{cs.SPILLS}"))


def age(folder, seconds):
    """Set back the times of ``folder`` and of everything in it by ``seconds``."""
    for path in [folder, *folder.rglob("*")]:
        stat = path.stat()
        os.utime(path, (stat.st_atime - seconds, stat.st_mtime - seconds))


def size_of(folder):
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def count_other_parameters():
    """A count of lee with another window: its store opens beside the first one's."""
    return count_based.count_matrix(open_corpus("lee"), min_count=3, window=2)


def test_a_killed_counts_spills_are_removed_by_a_later_count_once_abandoned(caplog):
    killed = start_count("kill")
    killed.communicate(timeout=300)
    assert killed.returncode == -9
    [spills] = spill_folders()
    assert len(list(spills.glob("run-*"))) >= 3
    count_other_parameters()
    assert spills.is_dir()   # a day old at most: a re-run may still resume from it
    age(spills, TWO_DAYS)
    size = size_of(spills)
    cache.finish_writes()
    for entry in count_based.cache_dir("counts").glob("*/[!.]*"):
        cache.discard(entry)  # count again: the sweep runs when a count starts
    with caplog.at_level(logging.INFO, logger="wordrep.cache"):
        count_other_parameters()
    assert spill_folders() == []
    assert f"Removed 1 abandoned spills folder ({cache.format_size(size)})" in caplog.text
    assert spills.name in caplog.text


def test_the_spills_of_a_live_count_are_kept_however_old():
    paused = start_count("pause")
    try:
        assert paused.stdout.readline() == "paused\n"
        [spills] = spill_folders()
        age(spills, TWO_DAYS)   # as a count paused (or merging) for days would look
        runs = sorted(p.name for p in spills.glob("run-*"))
        count_other_parameters()
        assert sorted(p.name for p in spills.glob("run-*")) == runs
        out, err = paused.communicate("\n", timeout=300)
    finally:
        if paused.poll() is None:
            paused.kill()
            paused.wait()
    assert paused.returncode == 0 and out.endswith("done\n"), err
    assert spill_folders() == []   # its own, removed when it finished
    # and its counts are those of a count that nobody disturbed
    count_based.cache.finish_writes()
    vocab, counts = count_based.count_matrix(open_corpus("lee"), min_count=3, window=4)
    reference = count_based.cooccurrence.corpus_counts(
        open_corpus("lee").token_ids(), len(vocab), 4, "dynamic", "symmetric", 1e-5)
    assert np.array_equal(counts.toarray(), reference.toarray())


HOLD = textwrap.dedent("""
    import sys
    from wordrep import cache
    with cache.EntryLock(sys.argv[1]):
        print("held", flush=True)
        sys.stdin.readline()
""")


def store_with_runs(folder):
    """A store in ``folder`` with spilled runs, left as a killed count leaves it."""
    store = cs.CountStore(folder, (50, 50), 16 << 10, meta={"m": 1})
    acc = store.accumulator()
    rng = np.random.default_rng(0)
    for _ in range(20):
        acc.add(rng.integers(0, 50, 3000), rng.integers(0, 50, 3000), np.ones(3000, np.int64))
    assert store.runs
    return store


def test_sweep_removes_only_unlocked_and_untouched_folders(tmp_path):
    entries = {name: tmp_path / name for name in ("held", "recent", "abandoned")}
    for entry in entries.values():
        store_with_runs(cache.work_folder(entry, "spills"))
    for name in ("held", "abandoned"):  # (after: opening a store sweeps those beside it)
        age(cache.work_folder(entries[name], "spills"), TWO_DAYS)
    (tmp_path / ".not-a-folder.spills").write_text("a file: left alone")
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(entries["held"])],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        size = size_of(cache.work_folder(entries["abandoned"], "spills"))
        assert cache.sweep_work_folders(tmp_path, "spills") == (1, size)
        left = sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".spills"))
        assert left == [".held.spills", ".not-a-folder.spills", ".recent.spills"]
        holder.communicate("\n", timeout=60)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    # once its holder is gone, the held one is abandoned too; the caller's own is kept
    own = cache.work_folder(entries["recent"], "spills")
    age(own, TWO_DAYS)
    assert cache.sweep_work_folders(tmp_path, "spills", keep=[own])[0] == 1
    left = sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".spills"))
    assert left == [".not-a-folder.spills", ".recent.spills"]


def test_a_lock_held_by_this_process_is_not_taken_by_its_sweep(tmp_path):
    """flock locks belong to open files: a count building in another thread of this process
    keeps its spills too."""
    entry = tmp_path / "k"
    store_with_runs(cache.work_folder(entry, "spills"))
    age(cache.work_folder(entry, "spills"), TWO_DAYS)
    with cache.EntryLock(entry):
        assert cache.sweep_work_folders(tmp_path, "spills") == (0, 0)
    assert cache.sweep_work_folders(tmp_path, "spills")[0] == 1


@pytest.mark.parametrize("seconds", [0, 3600])
def test_spills_touched_within_a_day_are_kept(tmp_path, seconds):
    entry = tmp_path / "k"
    store_with_runs(cache.work_folder(entry, "spills"))
    age(cache.work_folder(entry, "spills"), seconds)
    assert cache.sweep_work_folders(tmp_path, "spills") == (0, 0)


# -- partial entries of killed builds -----------------------------------------------------------

# A count of lee stopped once every file of its counts entry is written into the temporary
# folder, before its checksums and the rename: killed (SIGKILL) or paused until a line comes.
BUILD = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from wordrep import cache
    from wordrep.corpora import open_corpus
    from wordrep.representations import count_based
    write_checksums = cache.write_checksums

    def stop_before_checksums(tmp):
        if Path(tmp).parent.parent.name == "counts":
            if sys.argv[1] == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            print("paused", flush=True)
            sys.stdin.readline()
        write_checksums(tmp)

    cache.write_checksums = stop_before_checksums
    count_based.count_matrix(open_corpus("lee"), min_count=3, window=4)
    print("done", flush=True)
""")


def start_build(mode):
    return subprocess.Popen([sys.executable, "-c", BUILD, mode], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def partial_entries():
    return sorted(count_based.cache_dir("counts").glob("*/.*.tmp-*"))


def test_a_killed_builds_partial_entry_is_removed_by_the_next_build_beside_it(caplog):
    killed = start_build("kill")
    killed.communicate(timeout=300)
    assert killed.returncode == -9
    [partial] = partial_entries()
    size = size_of(partial)
    assert size > 0   # the entry's files, written whole but never renamed into place
    with caplog.at_level(logging.INFO, logger="wordrep.cache"):
        count_other_parameters()   # never the killed one's parameters: its own write won't come
    assert partial_entries() == []
    assert f"Removed 1 leftover of killed builds ({cache.format_size(size)})" in caplog.text
    assert partial.name in caplog.text


def test_a_live_builds_partial_entry_is_kept_however_old():
    paused = start_build("pause")
    try:
        assert paused.stdout.readline() == "paused\n"
        [partial] = partial_entries()
        age(partial, TWO_DAYS)   # as a build writing for days would look
        files = sorted(p.name for p in partial.iterdir())
        count_other_parameters()
        assert sorted(p.name for p in partial.iterdir()) == files
        out, err = paused.communicate("\n", timeout=300)
    finally:
        if paused.poll() is None:
            paused.kill()
            paused.wait()
    assert paused.returncode == 0 and out.endswith("done\n"), err
    assert partial_entries() == []
    cache.verify(partial.with_name(atomic.LEFTOVER.fullmatch(partial.name)["name"]))   # whole: renamed into place by its builder, untouched by the sweep


def leftover(entry, pid, kind="tmp", folder=True):
    """A leftover of ``entry`` named as :mod:`wordrep.atomic` names them, with some bytes."""
    path = entry.with_name(f".{entry.name}.{kind}-{pid}-0123abcd")
    assert atomic.LEFTOVER.fullmatch(path.name)
    if folder:
        path.mkdir()
        (path / "indices.npy").write_bytes(b"\0" * 5000)
    else:
        path.write_bytes(b"\0" * 300)
    return path


def test_sweep_removes_only_leftovers_no_build_is_writing(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "held")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        dead, reused = dead_pid(), holder.pid   # reused: a running process that builds nothing
        for name in ("killed", "file", "reused", "old"):
            cache.EntryLock(tmp_path / name).path.touch()   # entries: their lock exists
        killed = leftover(tmp_path / "killed", dead)   # fresh, but its process is gone
        as_file = leftover(tmp_path / "file", dead, folder=False)
        held = leftover(tmp_path / "held", dead)   # a build in another pid namespace: locked
        age(held, TWO_DAYS)
        recent = leftover(tmp_path / "reused", reused)
        stranger = leftover(tmp_path / "not-an-entry", dead)   # no lock: not the cache's
        aside = leftover(tmp_path / "old", dead, kind="old")   # moved aside, never put back
        assert cache.sweep_leftovers(tmp_path) == (2, 5300)
        assert not killed.exists() and not as_file.exists()
        assert held.is_dir() and recent.is_dir() and stranger.is_dir()
        assert not aside.exists() and (tmp_path / "old" / "indices.npy").is_file()
        age(recent, TWO_DAYS)   # a day untouched: the running process is not its builder
        assert cache.sweep_leftovers(tmp_path) == (1, 5000)
        assert held.is_dir() and not recent.exists()
        holder.communicate("\n", timeout=60)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    assert cache.sweep_leftovers(tmp_path) == (1, 5000)   # its holder gone, so is the lock
    assert not held.exists() and stranger.is_dir()


def test_the_callers_own_entry_is_swept_under_the_lock_it_holds(tmp_path):
    entry = tmp_path / "k"
    partial = leftover(entry, dead_pid())
    with cache.EntryLock(entry):
        assert cache.sweep_leftovers(tmp_path) == (0, 0)   # a build in another thread: kept
        assert cache.sweep_leftovers(tmp_path, held=[entry]) == (1, 5000)
    assert not partial.exists()
