"""Counts summed in bounded memory (issue 14, items 1 and 5): spilled runs, bounded merges,
memory-mapped CSR results, PPMI by row blocks, resuming after a kill."""
import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.sparse as sp

from wordrep.representations import count_store as cs
from wordrep.representations.pmi import pmi

SHAPE = (300, 280)


def random_pieces(seed, pieces=40, pairs=2000):
    """Pieces of (rows, cols, integer weights), skewed so that pairs repeat often."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(pieces):
        rows = np.minimum(rng.zipf(1.3, pairs) - 1, SHAPE[0] - 1)
        cols = np.minimum(rng.zipf(1.3, pairs) - 1, SHAPE[1] - 1)
        out.append((rows, cols, rng.choice([60, 30, 20, 15, 12], pairs)))
    return out


def reference(pieces, denominator):
    rows, cols, weights = (np.concatenate(part) for part in zip(*pieces))
    exact = sp.coo_matrix((weights.astype(np.int64), (rows, cols)), shape=SHAPE).tocsr()
    exact.sum_duplicates()
    exact.sort_indices()
    return sp.csr_matrix(((exact.data / denominator).astype(np.float32), exact.indices,
                          exact.indptr), shape=SHAPE)


def count(tmp_path, pieces, budget, max_open=None, threads=1, name="out"):
    store = cs.CountStore(tmp_path / f"{name}-runs", SHAPE, budget, max_open=max_open)
    accs = [store.accumulator(1 / threads) for _ in range(threads)]
    for i, (rows, cols, weights) in enumerate(pieces):
        accs[i % threads].add(rows, cols, weights, unit=i)
    spilled = len(store.runs)
    store.finish(tmp_path / name, denominator=60)
    return cs.open_csr(tmp_path / name), spilled


def same_bytes(a, b):
    return all(np.asarray(getattr(a, part)).tobytes() == np.asarray(getattr(b, part)).tobytes()
               for part in ("data", "indices", "indptr"))


@pytest.mark.parametrize("budget, max_open, threads", [
    (1 << 40, None, 1),          # unlimited: nothing spilled
    (1 << 40, None, 3),
    (64 << 10, 5, 2),            # a few runs
    (16 << 10, 4, 1),            # dozens of runs, merged 2 at a time over several passes
    (256 << 10, 5, 3),           # fan-in 3, three accumulators
])
def test_the_sum_is_the_same_whatever_the_budget_and_order(tmp_path, budget, max_open, threads):
    pieces = random_pieces(0)
    expected = reference(pieces, 60)
    got, spilled = count(tmp_path, pieces, budget, max_open, threads)
    assert same_bytes(got, expected)
    if budget < 1 << 20:
        assert spilled >= (20 if budget == 16 << 10 else 2)
    shuffled, _ = count(tmp_path, pieces[::-1], budget, max_open, threads, name="reversed")
    assert same_bytes(shuffled, expected)


def test_the_marginals_are_the_exact_sums(tmp_path):
    pieces = random_pieces(1)
    count(tmp_path, pieces, 16 << 10, 4)
    rows, cols, weights = (np.concatenate(part) for part in zip(*pieces))
    row_sums, col_sums = cs.read_marginals(tmp_path / "out")
    assert np.array_equal(row_sums, np.bincount(rows, weights, SHAPE[0]) / 60)
    assert np.array_equal(col_sums, np.bincount(cols, weights, SHAPE[1]) / 60)


def test_a_merge_never_opens_more_files_than_allowed(tmp_path, monkeypatch):
    seen = []
    read = cs._RunReader.read

    def counting_read(self):  # the real read, with the open files counted around it
        seen.append(len(os.listdir("/proc/self/fd")))
        return read(self)

    monkeypatch.setattr(cs._RunReader, "read", counting_read)
    pieces = random_pieces(2)
    store = cs.CountStore(tmp_path / "runs", SHAPE, 256 << 10, max_open=5)
    acc = store.accumulator(0.2)
    for i, piece in enumerate(pieces):
        acc.add(*piece, unit=i)
    assert len(store.runs) > 9 and store.fan_in == 3   # more than two passes of 3
    before = len(os.listdir("/proc/self/fd"))
    store.finish(tmp_path / "out", 60)
    assert seen and max(seen) - before <= 5 - 1  # the output still to open: at most 5 in all
    assert same_bytes(cs.open_csr(tmp_path / "out"), reference(pieces, 60))


def test_the_fan_in_follows_the_open_file_limit():
    assert cs.fan_in_limit(1 << 40, max_open=4) == 2
    assert cs.fan_in_limit(1 << 40, max_open=1000) == cs.MAX_FAN_IN
    assert cs.fan_in_limit(16 << 10) == 2           # the budget pays for the read buffers
    assert cs.fan_in_limit(256 << 10) == 4
    soft = __import__("resource").getrlimit(__import__("resource").RLIMIT_NOFILE)[0]
    assert cs.fan_in_limit(1 << 40) <= soft - len(os.listdir("/proc/self/fd"))


def rss_file_kb():
    for line in open("/proc/self/status"):
        if line.startswith("RssFile:"):
            return int(line.split()[1])


def test_the_result_is_memory_mapped_and_opens_without_reading(tmp_path):
    n = 4_000_000  # 32 MB of data and indices
    rng = np.random.default_rng(0)
    with cs.CsrWriter(tmp_path / "m", (1000, 50_000)) as writer:
        rows = np.repeat(np.arange(1000), n // 1000)
        writer.add(rows, np.tile(np.arange(0, 50_000, 50_000 // (n // 1000)), 1000)[:n],
                   rng.random(n).astype(np.float32))
    before = rss_file_kb()
    matrix = cs.open_csr(tmp_path / "m")
    assert rss_file_kb() - before < 2_000        # not the 32 MB of the arrays
    for part in (matrix.data, matrix.indices):
        assert isinstance(part, np.memmap) and not part.flags.writeable
    assert matrix.nnz == n and matrix[999].nnz == n // 1000
    assert np.array_equal(matrix.data, np.load(tmp_path / "m" / "data.npy"))


@pytest.mark.parametrize("kind", ["ppmi", "pmi"])
@pytest.mark.parametrize("budget", [1 << 10, 1 << 40])
def test_pmi_by_row_blocks_is_pmi_of_the_whole(tmp_path, kind, budget):
    pieces = random_pieces(3, pieces=60)
    counts, _ = count(tmp_path, pieces, 1 << 40)
    marginals = cs.read_marginals(tmp_path / "out")
    cs.association_blocks(tmp_path / "out", tmp_path / kind, 0.75, 2, kind, budget=budget)
    got = cs.open_csr(tmp_path / kind)
    assert same_bytes(got, pmi(counts, 0.75, 2, kind, marginals=marginals))
    # the marginals of the float32 counts (pmi's default) differ at most in float rounding
    plain = pmi(counts, 0.75, 2, kind)
    assert np.array_equal(plain.indices, got.indices)
    np.testing.assert_allclose(plain.data, got.data, rtol=1e-5, atol=1e-6)


CHILD = textwrap.dedent("""
    import os, signal, sys
    import numpy as np
    sys.path.insert(0, {tests!r})
    from test_count_store import SHAPE, random_pieces
    from wordrep.representations import count_store as cs
    kill_after = int(sys.argv[1])
    store = cs.CountStore({runs!r}, SHAPE, 16 << 10, meta={{"what": "test"}}, max_open=4)
    done = store.done
    print(len(store.runs), len(done), flush=True)
    acc = store.accumulator()
    for i, piece in enumerate(random_pieces(4)):
        if i not in done:
            acc.add(*piece, unit=i)
        if kill_after and len(store.runs) >= kill_after:
            os.kill(os.getpid(), signal.SIGKILL)
    store.finish({out!r}, 60)
    store.remove()
""")


def test_a_count_killed_after_some_spills_resumes_from_them(tmp_path):
    script = CHILD.format(tests=os.path.dirname(__file__), runs=str(tmp_path / "runs"),
                          out=str(tmp_path / "out"))

    def child(kill_after):
        return subprocess.run([sys.executable, "-c", script, str(kill_after)],
                              capture_output=True, text=True, timeout=120)

    killed = child(6)
    assert killed.returncode == -signal.SIGKILL
    manifest = json.loads((tmp_path / "runs" / cs.MANIFEST).read_text())
    assert len(manifest["runs"]) >= 6
    resumed = child(0)
    assert resumed.returncode == 0, resumed.stderr
    kept, units = map(int, resumed.stdout.split())
    assert kept == len(manifest["runs"]) and units >= 6   # the finished spills were kept
    assert not (tmp_path / "runs").exists()
    assert same_bytes(cs.open_csr(tmp_path / "out"), reference(random_pieces(4), 60))


def test_a_damaged_spill_is_counted_again(tmp_path):
    pieces = random_pieces(5)
    store = cs.CountStore(tmp_path / "runs", SHAPE, 16 << 10, meta={"m": 1})
    acc = store.accumulator()
    for i, piece in enumerate(pieces[:20]):
        acc.add(*piece, unit=i)
    first = store.runs[0]
    path = tmp_path / "runs" / first["name"]
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 1
    path.write_bytes(bytes(raw))
    (tmp_path / "runs" / "run-stray.pairs").write_bytes(b"half a run")  # a killed writer's
    again = cs.CountStore(tmp_path / "runs", SHAPE, 16 << 10, meta={"m": 1})
    assert first["name"] not in {run["name"] for run in again.runs}
    assert not set(first["units"]) & again.done
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == sorted(
        [cs.MANIFEST] + [run["name"] for run in again.runs])
    acc = again.accumulator()
    for i, piece in enumerate(pieces):
        if i not in again.done:
            acc.add(*piece, unit=i)
    again.finish(tmp_path / "out", 60)
    assert same_bytes(cs.open_csr(tmp_path / "out"), reference(pieces, 60))
    # other counts (another meta) never reuse these runs
    assert not cs.CountStore(tmp_path / "runs", SHAPE, 16 << 10, meta={"m": 2}).runs
