"""Honest tuning: cross-validated choice over a grid of any registered builder."""
import re

import numpy as np
import pytest
from click.testing import CliRunner

from wordrep.benchmarks.named import gensim_test_file
from wordrep.cli import main
from wordrep.errors import UserError
from wordrep.params import Float, Int
from wordrep.representations import representations
from wordrep.representations.dense import DenseVectors
from wordrep.storage import load
from wordrep.tune import parse_grid, render, tune


@pytest.fixture(scope="module")
def fake_method():
    """A builder whose `noise` parameter makes lee's real vectors worse, and `dim` cuts them."""
    lee = load(gensim_test_file("lee_fasttext.vec"))
    calls = []

    def build_noisy(corpus, noise=0.0, dim=10, seed=0):
        """lee_fasttext vectors with Gaussian noise (test builder)."""
        calls.append((noise, dim))
        rng = np.random.default_rng(seed)
        vectors = lee.kv.vectors[:, :dim] + rng.normal(scale=noise, size=(len(lee), dim))
        return DenseVectors.from_arrays(lee.vocabulary, vectors.astype(np.float32))

    name = "noisy-test"
    if name not in representations:
        representations.register(name, family="distributional", corpus=False,
                                 params={"noise": Float(low=0), "dim": Int(low=1),
                                         "seed": Int()})(build_noisy)
    yield name, calls
    representations._entries.pop(name, None)


def test_parse_grid():
    assert parse_grid("dim=100,300; eig=0,0.5;cds=true;x=none;solver=arpack") == {
        "dim": [100, 300], "eig": [0, 0.5], "cds": [True], "x": [None], "solver": ["arpack"]}
    assert parse_grid("relations=synonym,synonym+hypernym;sample=1e+5") == {
        "relations": ["synonym", ["synonym", "hypernym"]], "sample": [1e5]}
    for bad in ("dim", "dim=", "", "dim=1;dim=2"):
        with pytest.raises(UserError):
            parse_grid(bad)


def test_cross_validation_reports_held_out_and_tuned_on_all(fake_method):
    name, calls = fake_method
    calls.clear()
    results = tune(name, None, "noise=0,0.3,3", ["wordsim353", "simlex999", "google"],
                   folds=2, restrict=None)
    assert len(calls) == 3  # each grid point built once, whatever the folds
    ws = results.datasets["wordsim353"]
    all_scores = [p["scores"]["wordsim353"] for p in results.points]
    assert ws["tuned_on_all"]["score"] == max(all_scores)
    folds = ws["held_out"]["folds"]
    assert len(folds) == 2 and all(f["params"] is not None for f in folds)
    assert ws["held_out"]["score"] == pytest.approx(np.mean([f["test_score"] for f in folds]))
    assert ws["optimism"] == pytest.approx(ws["tuned_on_all"]["score"] - ws["held_out"]["score"])
    # Selecting on the training folds can only look as good as, or better than, held-out data.
    assert all(f["train_score"] >= f["test_score"] - 1 for f in folds)
    assert results.datasets["google"]["tuned_on_all"]["params"] is not None
    assert "2-fold" in results.protocol
    assert '"optimism"' in results.to_json()
    # the same seed gives the same split and the same answer
    again = tune(name, None, "noise=0,0.3,3", ["wordsim353"], folds=2, restrict=None)
    assert again.datasets["wordsim353"]["held_out"] == ws["held_out"]


def test_dev_selection(fake_method):
    name, _ = fake_method
    results = tune(name, None, {"noise": [0.0, 5.0]}, ["wordsim353"], dev=["simlex999"])
    held = results.datasets["wordsim353"]["held_out"]
    assert held["selected_on"] == ["simlex999"] and held["params"] in ({"noise": 0.0},
                                                                       {"noise": 5.0})
    assert results.dev == ["simlex999"]


def test_bad_parameters_fail_before_building(fake_method):
    name, calls = fake_method
    calls.clear()
    with pytest.raises(UserError, match="no parameter 'nois'"):
        tune(name, None, "nois=1,2", ["simlex999"])
    with pytest.raises(UserError, match=r"folds \(--folds\) must be"):
        tune(name, None, "noise=1,2", ["simlex999"], folds=1)
    assert calls == []


def test_tune_command_on_onehot():
    # One-hot cannot rank pairs: every score is undefined, and the output says so.
    result = CliRunner().invoke(main, ["tune", "onehot", "lee", "--grid", "min_count=1,5",
                                       "-b", "simlex999"])
    assert result.exit_code == 0, result.output
    assert "undefined" in result.stdout and "2-fold cross-validation" in result.stdout
    bad = CliRunner().invoke(main, ["tune", "onehot", "lee", "--grid", "min_count"])
    assert bad.exit_code == 2 and "bad grid entry" in bad.stderr


def _pairs_file(path, n):
    """``n`` similarity pairs of lee's words with distinct gold scores."""
    words = load(gensim_test_file("lee_fasttext.vec")).vocabulary[:2 * n]
    path.write_text("".join(f"{words[2 * i]}\t{words[2 * i + 1]}\t{i % 10}.{i}\n"
                            for i in range(n)))
    return path


def test_folds_beyond_what_a_benchmark_can_fill_are_refused_before_building(fake_method,
                                                                            tmp_path):
    # Issue 12: --folds 100000 on four pairs built every model, then ran for minutes.
    name, calls = fake_method
    calls.clear()
    four = _pairs_file(tmp_path / "four.txt", 4)
    for folds in (2, 100_000):  # a correlation needs 3 pairs per held-out part: 4 pairs, no fold
        with pytest.raises(UserError, match=rf"folds \(--folds\) = {folds:,} is too many for "
                                            r"four, which has 4 pairs: too few to cross-validate "
                                            r"\(2 folds need 6\).*--dev"):
            tune(name, None, "noise=0,1", [four], folds=folds)
    nine = _pairs_file(tmp_path / "nine.txt", 9)
    with pytest.raises(UserError, match="at most 3 folds"):
        tune(name, None, "noise=0,1", [nine, "simlex999"], folds=4)
    google = tmp_path / "google.txt"  # analogies: one question per part is enough
    google.write_text(": capital\nathens greece baghdad iraq\nathens greece berlin germany\n")
    with pytest.raises(UserError, match="google, which has 2 questions.*at most 2 folds"):
        tune(name, None, "noise=0,1", [google], folds=3)
    assert calls == []
    results = tune(name, None, "noise=0,1", [nine, google], folds=2, restrict=None)
    assert [len(d["held_out"]["folds"]) for d in results.datasets.values()] == [2, 2]
    assert len(calls) == 2


def test_tune_command_refuses_too_many_folds_before_reading_the_corpus(fake_method, tmp_path,
                                                                       wordrep_home):
    name, calls = fake_method
    calls.clear()
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the cat sat on the mat\n" * 50)
    four = _pairs_file(tmp_path / "four.txt", 4)
    result = CliRunner().invoke(main, ["tune", name, str(corpus), "--grid", "noise=0,1",
                                       "-b", str(four), "--folds", "5"])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("Error: folds (--folds) = 5 is too many for four, "
                                    "which has 4 pairs")
    assert len(result.stderr.splitlines()) == 1
    assert calls == [] and not list(wordrep_home.rglob("*"))  # no model, no token ids


def test_the_table_names_each_chosen_setting_once_however_many_folds(fake_method, tmp_path):
    # Issue 12: the table listed every fold's setting on one line (378 KB for 100,000 folds).
    name, _ = fake_method
    pairs = _pairs_file(tmp_path / "pairs.txt", 120)
    results = tune(name, None, "noise=0,0.3", [pairs], folds=40)
    text = render(results)
    assert len(results.datasets["pairs"]["held_out"]["folds"]) == 40  # all kept in the JSON
    assert "of 40 folds" in text and "fold 39" not in text
    assert max(map(len, text.splitlines())) < 200
    counts = [int(c) for c in re.findall(r"in (\d+) of 40 folds", text)]
    assert sum(counts) == 40 and counts == sorted(counts, reverse=True)


def test_a_bad_grid_value_is_refused_before_the_corpus_is_read(tmp_path):
    from click.testing import CliRunner
    from wordrep.cli import main
    for grid, message in (("dim=0,100", "svd: dim = 0"), ("dimm=100", "has no parameter 'dimm'"),
                          ("eig=2", "svd: eig = 2")):
        result = CliRunner().invoke(main, ["tune", "svd", str(tmp_path / "no-such-corpus"),
                                           "--grid", grid])
        assert result.exit_code == 2 and message in result.output, result.output
        assert "no-such-corpus" not in result.output
    unknown = CliRunner().invoke(main, ["tune", "svdd", str(tmp_path / "x"), "--grid", "dim=1"])
    assert unknown.exit_code == 2 and "unknown representation 'svdd'" in unknown.output
