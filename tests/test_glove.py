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
from wordrep.representations.glove import shuffled_pairs

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
