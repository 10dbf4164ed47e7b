"""Issue 14, Scale I: the bounded-memory count path at its limits. A symmetric store, given
each window pair once, writes the bytes of a store given both directions, spilled or not; and
the SVD's products hold no page of a memory-mapped matrix in the parent process."""
import numpy as np
import pytest
import scipy.sparse as sp

from test_count_store import random_pieces, same_bytes
from wordrep.representations import count_store as cs
from wordrep.representations.sparse_products import ParallelProducts

SQUARE = (300, 300)


def counted(tmp_path, pieces, budget, symmetric, name):
    store = cs.CountStore(tmp_path / f"{name}-runs", SQUARE, budget, symmetric=symmetric)
    accs = [store.accumulator(1 / 2) for _ in range(2)]
    for i, (rows, cols, weights) in enumerate(pieces):
        if not symmetric:  # what a symmetric window gives: each pair, and its transpose
            rows, cols = np.concatenate((rows, cols)), np.concatenate((cols, rows))
            weights = np.concatenate((weights, weights))
        accs[i % 2].add(rows, cols, weights, unit=i)
    spilled = len(store.runs)
    store.finish(tmp_path / name, denominator=60)
    return cs.open_csr(tmp_path / name), cs.read_marginals(tmp_path / name), spilled


@pytest.mark.parametrize("budget", [1 << 40, 32 << 10])
def test_a_symmetric_store_writes_the_bytes_of_both_directions(tmp_path, budget):
    pieces = random_pieces(5)
    both, both_sums, _ = counted(tmp_path, pieces, 1 << 40, False, "both")
    half, half_sums, spilled = counted(tmp_path, pieces, budget, True, "half")
    assert (spilled > 3) == (budget < 1 << 20)
    assert same_bytes(half, both)
    assert all(np.array_equal(a, b) for a, b in zip(half_sums, both_sums))
    assert same_bytes(half, sp.csr_matrix(half.T))   # symmetric indeed


def resident_kb(kind):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(kind))


def test_products_leave_a_memory_mapped_matrix_unread_in_the_parent(tmp_path):
    """Before: the parent transposed the matrix, reading every mapped page (RssFile grew by
    the matrix) and holding the transpose (RssAnon grew by as much again)."""
    rng = np.random.default_rng(0)
    n, nnz = 20_000, 4_000_000    # 32 MB of data and indices
    keys = np.unique(rng.integers(0, n * n, nnz))
    matrix = sp.csr_matrix((rng.random(keys.size).astype(np.float32),
                            (keys // n, keys % n)), shape=(n, n))
    with cs.CsrWriter(tmp_path / "m", matrix.shape) as writer:
        rows = np.repeat(np.arange(n), np.diff(matrix.indptr))
        writer.add(rows, matrix.indices, matrix.data)
    mapped = cs.open_csr(tmp_path / "m")
    x = rng.standard_normal((n, 8)).astype(np.float32)
    expected = (matrix @ x, matrix.T.tocsr() @ x)
    del matrix, rows
    before = resident_kb("RssFile"), resident_kb("RssAnon")
    with ParallelProducts(mapped, max_columns=8, workers=2) as products:
        got = products.dot(x), products.tdot(x)
        grown = resident_kb("RssFile") - before[0], resident_kb("RssAnon") - before[1]
    assert all(np.allclose(g, e, rtol=1e-4, atol=1e-4) for g, e in zip(got, expected))
    assert grown[0] < 8 << 10 and grown[1] < 16 << 10, grown   # KB: far below 32 MB each


def workers_private_kb(products):
    """The pages the workers have of their own (RSS would count the parent's, shared)."""
    def private(pid):
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            return next(int(line.split()[1]) for line in rollup
                        if line.startswith("Private_Dirty"))
    return sum(private(proc.pid) for proc in products._procs)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_matrix_over_the_budget_is_read_from_disk_for_each_product(tmp_path, workers,
                                                                      monkeypatch):
    """The SVD's products with less memory than the matrix: the same products, and the
    workers hold none of it (with room, they hold their rows: 8 bytes a non-zero)."""
    from wordrep.representations import sparse_products
    monkeypatch.setattr(sparse_products, "ROW_BLOCK_NNZ", 1 << 18)   # 2 MB read at a time
    rng = np.random.default_rng(1)
    n, nnz = 20_000, 4_000_000
    keys = np.unique(rng.integers(0, n * n, nnz))
    matrix = sp.csr_matrix((rng.random(keys.size).astype(np.float32),
                            (keys // n, keys % n)), shape=(n, n))
    with cs.CsrWriter(tmp_path / "m", matrix.shape) as writer:
        writer.add(np.repeat(np.arange(n), np.diff(matrix.indptr)), matrix.indices, matrix.data)
    mapped = cs.open_csr(tmp_path / "m")
    x = rng.standard_normal((n, 8)).astype(np.float32)
    expected = matrix @ x, matrix.T @ x
    held = {}
    room = workers * sparse_products.WORKER_BYTES + 4 * 8 * (2 + workers) * n  # besides rows
    for memory in (0, room + 4 * matrix.nnz, room + 8 * matrix.nnz):   # none, half, all
        with ParallelProducts(mapped, max_columns=8, workers=workers, memory=memory) as products:
            assert products.resident == (memory == room + 8 * matrix.nnz)
            assert products.held_nnz == max(0, memory - room) // 8
            got = products.dot(x), products.tdot(x), products.tdot(x)
            if workers > 1:
                held[memory] = workers_private_kb(products)
        assert all(np.allclose(g, e, rtol=1e-4, atol=1e-4)
                   for g, e in zip(got, (*expected, expected[1])))
    if workers > 1:   # KB: the rows as panels are 32 MB in all
        none, half, whole = held.values()
        assert whole - none > 20 << 10 and none + (6 << 10) < half < whole - (6 << 10), held


def test_memory_a_stage_freed_goes_back_to_the_system():
    """glibc keeps freed heap pages below a live allocation: counting 1.7e8 tokens left
    470 MB resident that the SVD stage and its forked workers then carried."""
    from wordrep import budget
    blocks = [bytearray(4000) for _ in range(50_000)]     # 200 MB of small allocations
    pin = bytearray(4000)                                 # above them: the heap cannot shrink
    del blocks
    before = resident_kb("RssAnon")
    budget.release_free_memory()
    assert before - resident_kb("RssAnon") > 100 << 10, (before, resident_kb("RssAnon"))
    del pin


def test_a_budget_too_small_for_the_working_memory_itself_is_said(caplog):
    """Reading every row from disk saves the matrix, not the SVD's dense blocks: a budget
    below those is warned about, with how far over it the stage goes."""
    from wordrep.representations import sparse_products
    matrix = sp.random(3_000, 2_000, density=0.01, format="csr", dtype=np.float32,
                       random_state=0)
    room = sparse_products.WORKER_BYTES + 4 * 8 * (3_000 + 3_000 + 2_000)
    for memory, warned in ((room + (10 << 20), False), (room, False), (room - (5 << 20), True)):
        caplog.clear()
        with caplog.at_level("WARNING", logger=sparse_products.__name__):
            with ParallelProducts(matrix, max_columns=8, workers=1, memory=memory) as products:
                assert np.allclose(products.dot(np.ones((2_000, 8), np.float32)),
                                   matrix @ np.ones((2_000, 8), np.float32), rtol=1e-5)
        said = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        assert bool(said) == warned, said
        if warned:
            assert "5 MB over what the memory budget leaves" in said[0], said
