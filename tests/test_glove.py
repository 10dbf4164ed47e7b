"""GloVe: trained on lee's counts, as glove.c trains (issue 16)."""
import numpy as np
import pytest
from click.testing import CliRunner

import wordrep
from wordrep.cli import main
from wordrep.corpora import open_corpus
from wordrep.errors import UserError
from wordrep.representations import build
from wordrep.representations.count_based import count_matrix
from wordrep.representations.glove import GloveModel, _kernels, shuffled_pairs

SMALL = dict(dim=20, min_count=3, x_max=10, epochs=6, workers=1, seed=3)


@pytest.fixture(scope="module")
def lee_glove():
    return build("glove", open_corpus("lee"), **SMALL)


def test_training_lowers_the_cost_epoch_by_epoch(lee_glove):
    cost = lee_glove.metadata["cost"]
    assert len(cost) == SMALL["epochs"] and all(np.isfinite(cost))
    assert all(later < earlier for earlier, later in zip(cost, cost[1:])), cost
    assert cost[-1] < 0.8 * cost[0]


def test_similar_words_are_closer_than_random_ones(lee_glove):
    pairs = [("government", "minister"), ("police", "officers"), ("australia", "australian"),
             ("palestinian", "israeli"), ("says", "said"), ("two", "three")]
    words = lee_glove.vocabulary
    rng = np.random.default_rng(0)
    random = [(a, words[i]) for a, _ in pairs for i in rng.integers(0, len(words), 20)]
    close = lee_glove.similarity(pairs)
    assert not np.isnan(close).any()
    assert np.mean(close) > np.nanmean(lee_glove.similarity(random)) + 0.2


def test_the_pairs_are_the_counts_shuffled():
    _, counts = count_matrix(open_corpus("lee"), min_count=3, window=10, weighting="harmonic",
                             subsample=0, delete_rare=True)
    rows, cols, values = shuffled_pairs(counts, seed=3)
    assert rows.dtype == cols.dtype == np.int32 and values.dtype == np.float32
    assert not np.array_equal(rows, np.sort(rows))  # not in the matrix's order any more
    order = np.lexsort((cols, rows))
    coo = counts.tocoo()
    assert np.array_equal(rows[order], coo.row) and np.array_equal(cols[order], coo.col)
    assert np.array_equal(values[order], coo.data)


def test_one_worker_and_a_seed_give_the_same_vectors(lee_glove):
    again = build("glove", open_corpus("lee"), **SMALL)
    assert np.array_equal(again.kv.vectors, lee_glove.kv.vectors)
    other = build("glove", open_corpus("lee"), **{**SMALL, "seed": 4})
    assert not np.allclose(other.kv.vectors, lee_glove.kv.vectors)


def test_two_workers_train_as_well():
    rep = build("glove", open_corpus("lee"), **{**SMALL, "workers": 2})
    cost = rep.metadata["cost"]
    assert all(later < earlier for earlier, later in zip(cost, cost[1:]))


@pytest.mark.parametrize("option, value", [
    ("--x-max", "0"), ("--x-max", "-1"), ("--alpha", "0"), ("--alpha", "1.5"),
    ("--learning-rate", "0"), ("--learning-rate", "-0.05"), ("--epochs", "0")])
def test_bad_parameters_exit_2_before_any_work(option, value, tmp_path, wordrep_home):
    result = CliRunner().invoke(main, ["train", "glove", "lee", "-o", str(tmp_path / "m"),
                                       option, value])
    assert result.exit_code == 2, result.output
    name = option[2:].replace("-", "_")
    assert f"glove: {name} = " in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []
    assert not (wordrep_home / "counts").exists()  # nothing counted


@pytest.mark.parametrize("rate, what", [("1e3", "over 100 times that of all-zero vectors"),
                                         ("1e9", "the cost became NaN or infinite")])
def test_a_diverging_cost_stops_with_one_error_and_no_model(rate, what, tmp_path):
    # glove.c's clipping keeps 1e3's cost finite (about 5e18) while the vectors blow up
    result = CliRunner().invoke(main, ["train", "glove", "lee", "-o", str(tmp_path / "m"),
                                       "--dim", "20", "--learning-rate", rate])
    assert result.exit_code == 2, result.output
    assert "training diverged in epoch 1: " in result.output and what in result.output
    assert "Lower the learning rate" in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(UserError, match="diverged in epoch 1"):
        build("glove", open_corpus("lee"), dim=20, learning_rate=float(rate), workers=1)


def test_save_and_load_round_trip(lee_glove, tmp_path):
    wordrep.save(lee_glove, tmp_path / "glove")
    back = wordrep.load(tmp_path / "glove")
    assert back.vocabulary == lee_glove.vocabulary
    assert np.array_equal(back.kv.vectors, lee_glove.kv.vectors)
    assert back.metadata["method"] == "glove"
    assert back.metadata["cost"] == lee_glove.metadata["cost"]
    assert back.metadata["parameters"]["x_max"] == 10.0


def glove_c_epoch(rows, cols, values, w, c, gw, gc, x_max, alpha, eta):
    """glove.c's glove_thread over the pairs in order, written out plainly in float64: the
    yardstick for the compiled loop. Returns the summed cost."""
    dim, cost = w.shape[1] - 1, 0.0
    for i, j, x in zip(rows, cols, values.astype(np.float64)):
        diff = w[i, :dim] @ c[j, :dim] + w[i, dim] + c[j, dim] - np.log(x)
        fdiff = diff if x > x_max else (x / x_max) ** alpha * diff
        cost += 0.5 * fdiff * diff
        step_w = np.clip(fdiff * c[j, :dim], -100, 100) * eta  # both from the old values
        step_c = np.clip(fdiff * w[i, :dim], -100, 100) * eta
        w[i, :dim] -= step_w / np.sqrt(gw[i, :dim])
        c[j, :dim] -= step_c / np.sqrt(gc[j, :dim])
        gw[i, :dim] += step_w ** 2
        gc[j, :dim] += step_c ** 2
        w[i, dim] -= fdiff / np.sqrt(gw[i, dim])  # the biases: no learning rate, no clip
        c[j, dim] -= fdiff / np.sqrt(gc[j, dim])
        gw[i, dim] += fdiff ** 2
        gc[j, dim] += fdiff ** 2
    return cost


def test_an_epoch_is_glove_c_s_update_rule():
    _, counts = count_matrix(open_corpus("lee"), min_count=3, window=10, weighting="harmonic",
                             subsample=0, delete_rare=True)
    rows, cols, values = (a[:3000] for a in shuffled_pairs(counts, seed=5))
    model = GloveModel(counts.shape[0], 16, seed=2)
    want = [np.array(a, dtype=np.float64) for a in (model.w, model.c, model.gw, model.gc)]
    # a large rate and x_max 1 so that the steps are big and the frequent pairs' weight is 1
    for epoch in range(3):
        cost = glove_c_epoch(rows, cols, values, *want, x_max=1.0, alpha=0.75, eta=0.5)
        got = _kernels().epoch(rows, cols, values, model.w, model.c, model.gw, model.gc,
                               model.w.dtype.type(1.0), model.w.dtype.type(0.75),
                               model.w.dtype.type(0.5), 1)
        assert got[0].sum() == pytest.approx(cost, rel=1e-5)
    for mine, theirs in zip((model.w, model.c, model.gw, model.gc), want):
        np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-6)
    assert not np.allclose(want[0], GloveModel(counts.shape[0], 16, seed=2).w)  # it moved
