"""The count pipeline: counts -> PPMI -> SVD, checked against plain computations."""
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import spearmanr

from wordrep.corpora import Corpus
from wordrep.errors import UserError
from wordrep.representations import build, count_based, cooccurrence as co
from wordrep.representations.pmi import pmi
from wordrep.representations import sparse_products
from wordrep.representations.sparse_products import ParallelProducts
from wordrep.representations.block_krylov import block_krylov_svd
from wordrep.representations.svd import embed, randomized_svd, truncated_svd


def brute_counts(lines, vocab_size, window, weights, context="symmetric"):
    """Pair counts by explicit loops over each line: the definition, slowly."""
    counts = np.zeros((vocab_size, vocab_size))
    for line in lines:
        for i, w in enumerate(line):
            for d in range(1, window + 1):
                if i + d < len(line) and w >= 0 and line[i + d] >= 0:
                    if context in ("symmetric", "right"):
                        counts[w, line[i + d]] += weights[d - 1]
                    if context in ("symmetric", "left"):
                        counts[line[i + d], w] += weights[d - 1]
    return counts


@pytest.mark.parametrize("weighting", co.WEIGHTINGS)
@pytest.mark.parametrize("context", co.CONTEXTS)
def test_window_counts_equal_the_definition(weighting, context):
    rng = np.random.default_rng(1)
    lines = [rng.integers(-1, 12, size=n).tolist() for n in (30, 1, 17, 45)]
    ids = np.array(sum(lines, []), dtype=np.int32)
    line_of = np.repeat(np.arange(len(lines)), [len(l) for l in lines]).astype(np.int32)
    weights = co.distance_weights(3, weighting)
    got = co.window_counts(ids, line_of, 12, window=3, weighting=weighting, context=context,
                           chunk_tokens=7)  # many chunks: pairs across chunk edges must count
    want = brute_counts(lines, 12, 3, weights, context)
    np.testing.assert_allclose(got.toarray(), want, rtol=1e-6)


def test_distance_weights():
    np.testing.assert_allclose(co.distance_weights(4, "harmonic"), [1, 1 / 2, 1 / 3, 1 / 4])
    np.testing.assert_allclose(co.distance_weights(4, "dynamic"), [1, 3 / 4, 2 / 4, 1 / 4])
    np.testing.assert_allclose(co.distance_weights(2, "uniform"), [1, 1])


def test_dirty_deletes_rare_words_before_windowing_clean_skips_them():
    ids = np.array([0, 5, 1], dtype=np.int32)          # 5 is rarer than min_count (vocab 2)
    lines = np.array([0])
    dirty, line_of = co.prepare_tokens(ids, lines, np.ones(6), 2, delete_rare=True)
    clean, _ = co.prepare_tokens(ids, lines, np.ones(6), 2, delete_rare=False)
    assert dirty.tolist() == [0, 1] and clean.tolist() == [0, -1, 1]
    assert co.window_counts(dirty, line_of, 2, window=1)[0, 1] == 1     # now neighbours
    assert co.window_counts(clean, np.zeros(3, np.int32), 2, window=1)[0, 1] == 0


def test_subsampling_follows_word2vec_and_is_seeded():
    counts = np.array([1000, 10, 1], dtype=float)
    p = co.keep_probability(counts, 1e-3)
    f = counts / counts.sum()
    np.testing.assert_allclose(p, np.minimum(1, np.sqrt(1e-3 / f) + 1e-3 / f))
    ids = np.random.default_rng(0).integers(0, 3, 10_000).astype(np.int32)
    big = np.array([10_000.0, 10, 1])
    a, _ = co.prepare_tokens(ids, np.array([0]), big, 3, subsample=1e-3, seed=1)
    b, _ = co.prepare_tokens(ids, np.array([0]), big, 3, subsample=1e-3, seed=1)
    c, _ = co.prepare_tokens(ids, np.array([0]), big, 3, subsample=1e-3, seed=2)
    assert a.tolist() == b.tolist() and a.tolist() != c.tolist() and a.size < ids.size


def test_pmi_equals_the_formula():
    rng = np.random.default_rng(0)
    dense = rng.integers(0, 5, size=(8, 8)).astype(float)
    dense[3] = 0                                       # an empty row must not break anything
    rows, cols = dense.sum(1, keepdims=True), dense.sum(0, keepdims=True) ** 0.75
    with np.errstate(divide="ignore", invalid="ignore"):
        want = np.log(dense * cols.sum() / (rows * cols)) - np.log(2)
    got = pmi(sp.csr_matrix(dense), cds=0.75, neg=2, kind="pmi").toarray()
    seen = dense > 0
    np.testing.assert_allclose(got[seen], want[seen], rtol=1e-5)
    ppmi = pmi(sp.csr_matrix(dense), cds=0.75, neg=2).toarray()
    np.testing.assert_allclose(ppmi, np.where(seen, np.maximum(want, 0), 0), rtol=1e-5, atol=1e-6)


def decaying_matrix(n=300, rank=40, seed=0):
    rng = np.random.default_rng(seed)
    u, _ = np.linalg.qr(rng.standard_normal((n, rank)))
    v, _ = np.linalg.qr(rng.standard_normal((n, rank)))
    s = 100 * 0.85 ** np.arange(rank)
    dense = (u * s) @ v.T
    dense[np.abs(dense) < np.quantile(np.abs(dense), 0.5)] = 0   # sparse, still decaying
    return sp.csr_matrix(dense.astype(np.float32))


@pytest.mark.parametrize("workers", [1, 2])
def test_randomized_svd_matches_the_exact_singular_values(workers):
    a = decaying_matrix()
    exact = np.linalg.svd(a.toarray().astype(np.float64), compute_uv=False)[:10]
    u, s, vt = randomized_svd(a, 10, power_iterations=4, seed=3, workers=workers)
    np.testing.assert_allclose(s, exact, rtol=1e-3)
    np.testing.assert_allclose(u.T @ u, np.eye(10), atol=1e-4)
    np.testing.assert_allclose((u * s) @ vt, a.toarray() @ (vt.T @ vt), atol=1e-2 * s[0])


def test_arpack_and_randomized_agree():
    a = decaying_matrix(seed=1)
    _, s1, _ = truncated_svd(a, 8, solver="arpack")
    _, s2, _ = truncated_svd(a, 8, solver="randomized", seed=0)
    np.testing.assert_allclose(s1, s2, rtol=1e-3)


@pytest.mark.parametrize("workers", [1, 2])
def test_block_krylov_svd_matches_the_exact_triplets(workers):
    a = decaying_matrix(n=600, rank=120)
    exact = np.linalg.svd(a.toarray().astype(np.float64), compute_uv=False)[:30]
    u, s, vt = block_krylov_svd(a, 30, power_iterations=30, block=16, seed=3,
                                workers=workers)   # at most 480 of 600 columns: not dense
    assert u.shape == (600, 30) and vt.shape == (30, 600)
    np.testing.assert_allclose(s, exact, rtol=1e-4)
    np.testing.assert_allclose(u.T @ u, np.eye(30), atol=1e-5)
    np.testing.assert_allclose(vt @ vt.T, np.eye(30), atol=1e-4)
    np.testing.assert_allclose(a.T @ u, vt.T * s, atol=1e-4 * s[0])   # A^T u_i = s_i v_i


def test_block_krylov_svd_is_seeded_and_the_same_on_any_number_of_workers():
    a = decaying_matrix(n=500, rank=100, seed=2)
    one = block_krylov_svd(a, 20, power_iterations=25, block=16, seed=7, workers=1)
    again = block_krylov_svd(a, 20, power_iterations=25, block=16, seed=7, workers=1)
    two = block_krylov_svd(a, 20, power_iterations=25, block=16, seed=7, workers=2)
    assert all(np.array_equal(x, y) for x, y in zip(one, again))
    np.testing.assert_allclose(two[0], one[0], atol=1e-4)         # signs included
    other = block_krylov_svd(a, 20, power_iterations=25, block=16, seed=8, workers=1)
    np.testing.assert_allclose(other[1], one[1], rtol=1e-4)       # another start, same answer


def test_block_krylov_svd_stops_when_the_values_settle_and_warns_when_it_cannot(caplog):
    a = decaying_matrix(n=600, rank=120)
    with caplog.at_level("DEBUG", logger="wordrep.representations.block_krylov"):
        block_krylov_svd(a, 30, power_iterations=30, block=16, seed=3)
    used = int(caplog.records[-1].getMessage().split()[2])      # "krylov SVD: N columns, ..."
    assert 90 <= used < 480                        # past 3 dim, short of the 30-block limit
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
    caplog.clear()
    _, s, vt = block_krylov_svd(a, 30, power_iterations=7, block=16, seed=3, right=False)
    assert vt is None and len(s) == 30
    assert "stopped at its limit of 7 iterations" in caplog.text


def test_block_krylov_svd_survives_a_space_that_stops_growing():
    # Rank 12 < the 64-column space: after the first blocks nothing new is left (rounding
    # only), which must neither break the factorization nor spoil the basis.
    rng = np.random.default_rng(4)
    left, right = rng.standard_normal((400, 12)), rng.standard_normal((12, 400))
    a = sp.csr_matrix((left @ right).astype(np.float32))
    exact = np.linalg.svd(a.toarray().astype(np.float64), compute_uv=False)
    u, s, _ = block_krylov_svd(a, 16, power_iterations=3, block=16, seed=0, workers=1)
    np.testing.assert_allclose(s[:12], exact[:12], rtol=1e-4)
    assert np.all(s[12:] < 1e-3 * s[0])
    np.testing.assert_allclose(u.T @ u, np.eye(16), atol=1e-4)


def test_block_krylov_svd_is_exact_dense_when_the_space_would_span_the_matrix():
    a = decaying_matrix(n=120, rank=40)
    exact = np.linalg.svd(a.toarray().astype(np.float64), compute_uv=False)[:10]
    _, s, _ = block_krylov_svd(a, 10, power_iterations=3, block=32)   # 128 >= 120 columns
    np.testing.assert_allclose(s, exact, rtol=1e-5)


def test_krylov_matches_arpack_on_a_real_ppmi_matrix():
    from wordrep.corpora import open_corpus
    _, a = count_based.association_matrix(open_corpus("enwiki-sample"), min_count=5)
    assert a.shape[0] > 2000                       # real, and wider than the 200-column space
    u1, s1, _ = truncated_svd(a, 50, solver="arpack")
    u2, s2, _ = truncated_svd(a, 50, solver="krylov", seed=1)
    np.testing.assert_allclose(s2, s1, rtol=1e-4)
    cosines = np.linalg.svd(u1.T @ u2, compute_uv=False)      # principal angles of the spans
    assert cosines.min() > 0.999


def test_parallel_products_equal_the_plain_ones():
    a = sp.random(500, 300, density=0.05, format="csr", dtype=np.float32, random_state=2)
    x = np.random.default_rng(0).standard_normal((300, 7)).astype(np.float32)
    xt = np.random.default_rng(1).standard_normal((500, 7)).astype(np.float32)
    with ParallelProducts(a, max_columns=7, workers=2) as products:
        np.testing.assert_allclose(products.dot(x), a @ x, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(products.tdot(xt), a.T @ xt, rtol=1e-5, atol=1e-5)


def test_paneled_products_equal_the_plain_ones():
    dense = sp.random(300, 1000, density=0.02, dtype=np.float32, random_state=5).toarray()
    dense[:, 200:700] = 0                              # whole panels without a non-zero
    a = sp.csr_matrix(dense)
    x = np.random.default_rng(2).standard_normal((1000, 70)).astype(np.float32)
    panels = sparse_products.column_panels(a, block=32, panel_bytes=32 * 4 * 128)
    assert [(first, last) for _, first, last in panels][:2] == [(0, 128), (128, 256)]
    assert all(panel.nnz for panel, _, _ in panels) and len(panels) == 5   # 3 empty left out
    out = np.full((300, 70), np.nan, dtype=np.float32)
    sparse_products.paneled_product(panels, x, out, block=32)
    np.testing.assert_allclose(out, a @ x, rtol=1e-5, atol=1e-5)


def test_products_copy_unless_told_not_to():
    a = sp.random(500, 300, density=0.05, format="csr", dtype=np.float32, random_state=4)
    x = np.random.default_rng(0).standard_normal((300, 5)).astype(np.float32)
    with ParallelProducts(a, max_columns=5, workers=2) as products:
        kept = products.dot(x)
        in_place = products.dot(x, copy=False)
        np.testing.assert_allclose(in_place, a @ x, rtol=1e-5, atol=1e-5)
        products.dot(2 * x, copy=False)
        np.testing.assert_allclose(kept, a @ x, rtol=1e-5, atol=1e-5)  # a copy stays
        np.testing.assert_allclose(in_place, a @ (2 * x), rtol=1e-5, atol=1e-5)  # a view moves


def test_a_row_slice_is_a_view_equal_to_slicing():
    from wordrep.representations.sparse_products import row_slice
    a = sp.random(500, 300, density=0.05, format="csr", dtype=np.float32, random_state=3)
    part = row_slice(a, 120, 377)
    assert np.shares_memory(part.data, a.data) and np.shares_memory(part.indices, a.indices)
    assert (part != a[120:377]).nnz == 0 and part.shape == (257, 300)
    assert row_slice(a, 0, 0).nnz == 0


def test_embed_eig_and_w_plus_c():
    u, s, vt = np.eye(3, 2), np.array([4.0, 1.0]), np.eye(2, 3)
    np.testing.assert_allclose(embed(u, s, vt, eig=0.5)[:2], [[2, 0], [0, 1]])
    np.testing.assert_allclose(embed(u, s, vt, eig=0)[:2], [[1, 0], [0, 1]])
    np.testing.assert_allclose(embed(u, s, vt, eig=1, w_plus_c=True)[:2], [[8, 0], [0, 2]])


# -- the builders on real text ------------------------------------------------------------------

def gold_pairs(path):
    from gensim.test.utils import datapath
    rows = [l.split("\t") for l in open(datapath(path), encoding="utf-8")
            if not l.startswith("#") and l.strip()]
    return [(a.lower(), b.lower(), float(s)) for a, b, s in (r[:3] for r in rows)]


def test_svd_on_a_wikipedia_sample_learns_similarity():
    from wordrep.corpora import open_corpus
    rep = build("svd", open_corpus("enwiki-sample"), dim=100)
    pairs = [(a, b, s) for a, b, s in gold_pairs("wordsim353.tsv") if a in rep and b in rep]
    predicted = rep.similarity([(a, b) for a, b, _ in pairs])
    rho = spearmanr(predicted, [s for _, _, s in pairs]).statistic
    assert len(pairs) > 200 and rho > 0.35         # one-hot would score nothing at all
    assert rep.metadata["parameters"]["dim"] == 100 and rep.kv.vector_size == 100


def test_counts_and_pmi_are_cached_so_a_dim_sweep_never_recounts(tmp_path, monkeypatch):
    path = tmp_path / "c.txt"
    path.write_text(" ".join(f"w{i % 50} w{(i * 7) % 50}" for i in range(3000)) + "\n")
    corpus = Corpus(path)
    first = build("svd", corpus, dim=10, min_count=1, subsample=0)
    for thread in __import__("threading").enumerate():
        if thread.name.startswith("cache "):
            thread.join()

    def no_counting(*a, **k):
        raise AssertionError("counted again")
    monkeypatch.setattr(count_based.cooccurrence, "corpus_counts", no_counting)
    monkeypatch.setattr(count_based, "association_blocks", no_counting)
    again = build("svd", Corpus(path), dim=8, min_count=1, subsample=0)
    assert again.metadata["timings"]["counts"]["cached"] is True
    assert again.kv.vector_size == 8 and again.vocabulary == first.vocabulary


def test_ppmi_builder_gives_sparse_rows():
    from wordrep.corpora import open_corpus
    rep = build("ppmi", open_corpus("lee"), min_count=5)
    assert rep.kind == "sparse" and rep.matrix.shape == (1831, 1831)
    assert rep.similarity([("the", "the")])[0] == pytest.approx(1.0)


@pytest.mark.parametrize("params,message", [
    (dict(dim=5000), "not smaller than the vocabulary"),
    (dict(window=0), "window"),
    (dict(cds=0), "cds"),
    (dict(neg=0), "neg"),
    (dict(eig=2), "eig"),
    (dict(min_count=10_000), "no word"),
    (dict(solver="magic"), "solver"),
    (dict(power_iterations=2), "too few for dim 300"),
    (dict(power_iterations=-1), "power_iterations"),
    (dict(weighting="gaussian"), "weighting"),
    (dict(dims=10), "Did you mean 'dim'"),
])
def test_bad_parameters_fail_before_any_work(params, message):
    from wordrep.corpora import open_corpus
    with pytest.raises(UserError, match=message):
        build("svd", open_corpus("lee"), **params)


def test_counts_and_ppmi_spilled_under_a_tiny_budget_are_the_in_memory_ones(monkeypatch):
    """Issue 14: the budget never changes a result (lee; 128 KB forces dozens of spills and
    merges of several passes)."""
    from wordrep.corpora import open_corpus
    from wordrep.representations import count_store
    monkeypatch.setattr(count_based.cooccurrence, "CHUNK_TOKENS", 5_000)
    monkeypatch.setattr(count_based.cooccurrence, "FLUSH_PAIRS", 1 << 12)
    spills = []
    write_run = count_store.CountStore.write_run
    monkeypatch.setattr(count_store.CountStore, "write_run",
                        lambda self, *a: spills.append(1) or write_run(self, *a))
    params = dict(min_count=3, window=4, weighting="harmonic", subsample=1e-4)
    results = {}
    for memory in (1 << 40, 128 << 10):
        count_based.cache.finish_writes()
        for entry in (count_based.cache_dir("counts"), count_based.cache_dir("pmi")):
            __import__("shutil").rmtree(entry, ignore_errors=True)
        vocab, counts = count_based.count_matrix(open_corpus("lee"), memory=memory, **params)
        _, ppmi = count_based.association_matrix(open_corpus("lee"), memory=memory, **params)
        results[memory] = [np.array(part).tobytes() for m in (counts, ppmi)
                           for part in (m.data, m.indices, m.indptr)]
    assert len(spills) > 20   # runs, and the runs of the merge passes
    assert results[1 << 40] == results[128 << 10]
