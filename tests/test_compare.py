"""wordrep.compare and `wordrep compare`: known answers on transformed copies of real vectors."""
import json
import shutil

import numpy as np
import pytest
import scipy.sparse as sp
from click.testing import CliRunner
from gensim.test.utils import datapath

import wordrep
from wordrep.cli import main
from wordrep.compare import compare, lasso_gram
from wordrep.errors import UserError
from wordrep.representations.dense import DenseVectors
from wordrep.representations.sparse import SparseVectors


@pytest.fixture(scope="module")
def lee():
    """gensim's lee_fasttext vectors: 1762 words x 10 dimensions, frequency-ordered."""
    return wordrep.load(datapath("lee_fasttext.vec"))


def _rotation(dim, seed):
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(dim, dim)))
    return q * np.sign(np.diag(r))  # a proper random orthogonal matrix


def _dense(words, vectors, name):
    return DenseVectors.from_arrays(list(words), np.asarray(vectors, dtype=np.float32), name=name)


def test_a_representation_is_identical_to_itself(lee):
    c = compare(lee, lee, k=10)
    assert c.shared_words == len(lee) == 1762
    assert c.knn["mean"] == 1.0
    assert all(band["mean"] in (1.0, None) for band in c.knn["bands"])
    assert c.cka == pytest.approx(1.0, abs=1e-9)
    assert c.procrustes["residual"] == pytest.approx(0.0, abs=1e-9)
    assert c.procrustes["mean_cosine"] == pytest.approx(1.0)
    assert c.matching["pairs"] == 10
    assert c.matching["quartiles"][0] == pytest.approx(1.0)  # every matched |r| is 1
    assert [i == j for i, j, _ in c.matching["matches"]] == [True] * 10
    assert c.matching["histogram"][-1] == 10
    # Each dimension is its own best predictor: the Lasso needs exactly one, shrunk by alpha.
    assert c.lasso["nonzero"] == [1] * 10
    assert c.lasso["r2_mean"] == pytest.approx(1 - c.lasso["alpha"] ** 2, abs=1e-4)


def test_a_rotation_keeps_the_geometry_but_not_the_axes(lee):
    x = np.asarray(lee.kv.vectors, dtype=np.float64)
    rotated = _dense(lee.vocabulary, x @ _rotation(10, 1), "rotated")
    c = compare(lee, rotated, k=10)
    assert c.cka == pytest.approx(1.0, abs=1e-5)
    assert c.procrustes["residual"] < 1e-6
    assert c.knn["mean"] > 0.995  # float32 rounding may swap a near-tie at rank k
    # The axes are mixed: no dimension of A has a counterpart of its own in B...
    assert c.matching["mean"] < 0.9
    assert c.matching["quartiles"][-1] < 0.99
    # ...but every one is a dense combination of B's dimensions, and well predicted by it.
    assert c.lasso["nonzero_mean"] > 3
    assert c.lasso["r2_mean"] > 0.9


def test_unrelated_vectors_are_unlike(lee):
    noise = np.random.default_rng(2).normal(size=(len(lee), 10))
    c = compare(lee, _dense(lee.vocabulary, noise, "noise"), k=10)
    assert c.knn["mean"] < 0.05  # chance: about k / n
    assert c.cka < 0.05
    assert c.procrustes["residual"] > 1.5
    assert c.matching["mean"] < 0.15
    assert c.lasso["r2_mean"] < 0.05
    assert c.lasso["nonzero_mean"] < 2


def test_different_vocabularies_and_dimensions(lee):
    """B: a word subset of A (shuffled, plus new words) in 16 dimensions, A's geometry embedded."""
    x = np.asarray(lee.kv.vectors, dtype=np.float64)
    rng = np.random.default_rng(3)
    keep = np.sort(rng.choice(len(lee), size=1200, replace=False))
    embed = _rotation(16, 4)[:, :10].T  # 10 -> 16 dimensions, orthonormal rows
    words = [lee.vocabulary[i] for i in keep] + [f"new{i}" for i in range(300)]
    vectors = np.vstack([x[keep] @ embed, rng.normal(size=(300, 16))])
    order = rng.permutation(len(words))
    b = _dense([words[i] for i in order], vectors[order], "embedded")
    c = compare(lee, b, k=5)
    assert c.shared_words == 1200
    assert (c.a["dim"], c.b["dim"]) == (10, 16)
    assert c.cka == pytest.approx(1.0, abs=1e-5)
    assert c.procrustes["residual"] < 1e-6  # A padded with zeros rotates onto B
    assert c.knn["mean"] > 0.99
    assert c.matching["pairs"] == 10
    bands = {band["band"]: band["words"] for band in c.knn["bands"]}
    # Bands follow A's ranks of the shared words: lee has 1000 words ranked below 1000.
    assert bands["1-1k"] == int(np.sum(keep < 1000))
    assert bands["1k-10k"] == int(np.sum(keep >= 1000)) and bands["10k+"] == 0


def test_sampling_is_seeded_and_bounded(lee):
    noise = _dense(lee.vocabulary, np.random.default_rng(5).normal(size=(len(lee), 10)), "n")
    first = compare(lee, noise, sample=300, seed=7)
    again = compare(lee, noise, sample=300, seed=7)
    other = compare(lee, noise, sample=300, seed=8)
    assert first.sample == 300 and first.lasso["words"] == 300
    assert first.to_dict() == again.to_dict()
    assert first.knn["mean"] != other.knn["mean"]
    assert sum(band["words"] for band in first.knn["bands"]) == 300


def test_batches_do_not_change_the_answer(lee, monkeypatch):
    noise = _dense(lee.vocabulary, np.random.default_rng(6).normal(size=(len(lee), 10)), "n")
    whole = compare(lee, noise, k=7)
    monkeypatch.setattr("wordrep.compare.BATCH_CELLS", 5 * len(lee))  # batches of 5 queries
    assert compare(lee, noise, k=7).knn == whole.knn


def test_sparse_representations_get_knn_only(lee):
    words = lee.vocabulary[:500]
    onehot = SparseVectors(words, sp.identity(500, dtype=np.float32, format="csr"), name="onehot")
    c = compare(lee, onehot, k=5)
    assert c.shared_words == 500
    assert 0 <= c.knn["mean"] < 0.1  # one-hot knows no neighbours
    for entry in (c.cka, c.procrustes, c.matching, c.lasso):
        assert entry["not_applicable"].startswith("sparse")
    assert "not applicable" in c.summary()
    assert "not applicable" in c.table()
    json.loads(c.to_json())
    # A sparse copy of dense vectors has the same neighbours as the dense ones.
    dense_rows = np.asarray(lee.kv.vectors[:500])
    as_sparse = SparseVectors(words, sp.csr_array(dense_rows), name="sparse copy")
    assert compare(lee, as_sparse, k=5).knn["mean"] > 0.99


def test_word2vec_with_two_seeds(lee):
    """Two real trainings: alike in geometry, not in axes; the JSON and summary hold it all."""
    corpus = wordrep.corpora.open_corpus("lee")
    one, two = (wordrep.build("word2vec", corpus, dim=20, epochs=2, workers=1, seed=s)
                for s in (1, 2))
    c = compare(one, two, k=10)
    assert c.shared_words == len(one) == len(two)
    noise = _dense(two.vocabulary, np.random.default_rng(0).normal(size=(len(two), 20)), "n")
    chance = compare(one, noise, k=10)
    assert c.cka > chance.cka + 0.2
    assert c.knn["mean"] > chance.knn["mean"]
    data = json.loads(c.to_json())
    assert data["shared_words"] == c.shared_words and data["matching"]["pairs"] == 20
    assert f"{c.shared_words:,} shared words" in c.summary()
    # Vocabularies differ between word2vec on lee and lee_fasttext: only shared words count.
    across = compare(one, lee, k=5)
    assert across.shared_words == len(set(one.vocabulary) & set(lee.vocabulary))


def test_lasso_recovers_a_sparse_combination():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(5000, 8))
    z = (z - z.mean(0)) / z.std(0)
    target = np.column_stack([z[:, 0] + 0.5 * z[:, 3], -z[:, 5]])
    target = (target - target.mean(0)) / target.std(0)
    coef = lasso_gram(z.T @ z / len(z), z.T @ target / len(z), alpha=0.01)
    assert np.flatnonzero(np.abs(coef[:, 0]) > 1e-9).tolist() == [0, 3]
    assert np.flatnonzero(np.abs(coef[:, 1]) > 1e-9).tolist() == [5]
    assert coef[0, 0] / coef[3, 0] == pytest.approx(2.0, rel=0.05)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"k": 0}, "k must be"), ({"sample": 1}, "sample must be"), ({"k": 5000}, "share 1762"),
    ({"alpha": 0}, "alpha must be")])
def test_bad_parameters(lee, kwargs, fragment):
    with pytest.raises(UserError, match=fragment):
        compare(lee, lee, **kwargs)


def test_no_shared_words(lee):
    other = _dense(["zzz1", "zzz2", "zzz3"], np.eye(3), "other")
    with pytest.raises(UserError, match="share 0 word"):
        compare(lee, other)


# ---- the command line ------------------------------------------------------------------------

@pytest.fixture
def models(tmp_path, lee):
    vec = shutil.copy(datapath("lee_fasttext.vec"), tmp_path / "lee.vec")
    x = np.asarray(lee.kv.vectors, dtype=np.float64)
    wordrep.save(_dense(lee.vocabulary, x @ _rotation(10, 1), "rotated"), tmp_path / "rot.wr")
    return str(vec), str(tmp_path / "rot.wr")


def test_cli_table(models):
    result = CliRunner().invoke(main, ["-q", "compare", *models, "--k", "5"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("A ") and "lee" in lines[0]
    assert "1,762" in result.stdout and "linear CKA      1.000" in result.stdout
    assert "5-NN overlap" in result.stdout


def test_cli_json(models):
    result = CliRunner().invoke(main, ["-q", "compare", *models, "--format", "json",
                                       "--sample", "500", "--seed", "3"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["sample"] == 500 and data["seed"] == 3 and data["knn"]["k"] == 10
    assert data["cka"] == pytest.approx(1.0, abs=1e-5)


def test_cli_same_file_twice_and_bad_input(models, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["compare", models[0], models[0], "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["a"]["name"] == "lee (A)" and data["knn"]["mean"] == 1.0
    missing = runner.invoke(main, ["compare", models[0], str(tmp_path / "nope.vec")])
    assert missing.exit_code == 2
    assert "nope.vec does not exist" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    bad_k = runner.invoke(main, ["compare", *models, "--k", "0"])
    assert bad_k.exit_code == 2 and "--k" in bad_k.stderr


@pytest.mark.parametrize("p, q", [(10, 16), (16, 10), (12, 12)])
def test_procrustes_equals_the_padded_alignment_done_by_hand(p, q):
    from scipy.linalg import orthogonal_procrustes

    from wordrep.compare import procrustes_alignment

    rng = np.random.default_rng(p * q)
    x = rng.normal(size=(300, p)) @ rng.normal(size=(p, p))
    y = np.hstack([x, rng.normal(size=(300, 16))])[:, :q] + 0.3 * rng.normal(size=(300, q))
    x, y = x - x.mean(0), y - y.mean(0)
    xp, yp = (np.pad(m / np.linalg.norm(m), ((0, 0), (0, 16 - m.shape[1]))) for m in (x, y))
    rotation, _ = orthogonal_procrustes(xp, yp)
    aligned = xp @ rotation
    cosines = np.sum(aligned * yp, 1) / np.linalg.norm(aligned, axis=1) / np.linalg.norm(yp, axis=1)
    got = procrustes_alignment(x, y)
    assert got["residual"] == pytest.approx(np.sum((aligned - yp) ** 2), abs=1e-10)
    assert got["mean_cosine"] == pytest.approx(cosines.mean(), abs=1e-10)
    assert 0.001 < got["residual"] < 1.5  # neither trivial nor unrelated
