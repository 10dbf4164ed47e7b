"""Evaluation: equal to gensim where gensim does the same thing, honest where it does not."""
import contextlib
import functools
import json
import tracemalloc

import numpy as np
import pytest
from click.testing import CliRunner
from gensim.models import KeyedVectors

from wordrep import evaluation as ev
from wordrep.benchmarks import load_benchmark, read_analogy, read_similarity
from wordrep.benchmarks.named import gensim_test_file
from wordrep.cli import main
from wordrep.corpora.vocabulary import Vocabulary
from wordrep.errors import UserError
from wordrep.evaluation import statistics
from wordrep.evaluation.analogy import _analogy_scores, _unit_rows
from wordrep.representations import build
from wordrep.representations.dense import DenseVectors
from wordrep.storage import load

LEE = gensim_test_file("lee_fasttext.vec")


@pytest.fixture(scope="module")
def lee():
    return load(LEE)


@pytest.fixture(scope="module")
def lee64(lee):
    # gensim at the precision wordrep scores similarities in (float64): the comparison is of the
    # method, not of float32 rounding (which moves Pearson's r in its 8th digit).
    kv = KeyedVectors(lee.dim, dtype=np.float64)
    kv.add_vectors(lee.kv.index_to_key, lee.kv.vectors.astype(np.float64))
    return kv


@pytest.mark.parametrize("oov, dummy4unknown", [("skip", False), ("zero", True)])
def test_similarity_equals_gensim_evaluate_word_pairs(lee, lee64, tmp_path, oov, dummy4unknown):
    # gensim's wordsim353.tsv has "money bank" after "bank money"; gensim's float cosine of a
    # pair is not exactly symmetric, so it breaks that tie in the ranks and wordrep (symmetric)
    # does not. Without the reversed duplicate both agree to 1e-9, as on SimLex-999.
    lines = gensim_test_file("wordsim353.tsv").read_text().splitlines(keepends=True)
    ws = tmp_path / "ws.tsv"
    ws.write_text("".join(ln for ln in lines if not ln.startswith("money\tbank")))
    for path in (gensim_test_file("simlex999.txt"), ws):
        pearson, spearman, oov_ratio = lee64.evaluate_word_pairs(path, dummy4unknown=dummy4unknown)
        result = ev.score_similarity(lee, read_similarity(path), oov=oov, bootstrap=0)
        assert result.score == pytest.approx(spearman.statistic, abs=1e-9)
        assert result.pearson == pytest.approx(pearson.statistic, abs=1e-9)
        assert 100 * (1 - result.coverage) == pytest.approx(oov_ratio, abs=1e-9)
        assert result.scored == (result.total if oov == "zero" else result.covered)


@pytest.mark.parametrize("restrict", [300_000, 500])
def test_analogy_3cosadd_equals_gensim_evaluate_word_analogies(lee, restrict):
    questions = gensim_test_file("questions-words.txt")
    accuracy, sections = lee.kv.evaluate_word_analogies(questions, restrict_vocab=restrict)
    result = ev.score_analogy(lee, load_benchmark("google"), "add", restrict, bootstrap=0)
    assert result.score == accuracy
    theirs = [(s["section"], len(s["correct"]), len(s["correct"]) + len(s["incorrect"]))
              for s in sections[:-1]]
    assert theirs == [(s["name"], s["correct"], s["covered"]) for s in result.sections]
    assert result.covered > 0


def _toy():
    # Every word is one "base" direction plus one "relation" direction, all of norm sqrt(2), so
    # b - a + c over unit vectors lands exactly on the answer. "Paris" is "paris" in another
    # case, almost the same vector.
    bases = ["man", "woman", "paris", "rome", "x"]
    relations = {"man": "none", "woman": "none", "king": "royal", "queen": "royal",
                 "paris": "none", "rome": "none", "france": "country", "italy": "country",
                 "x": "none"}
    base_of = {"king": "man", "queen": "woman", "france": "paris", "italy": "rome"}
    words = ["man", "king", "woman", "queen", "paris", "france", "rome", "italy", "Paris", "x"]
    rows = []
    for w in words:
        v = np.zeros(8, dtype=np.float32)
        key = w.lower()
        v[bases.index(base_of.get(key, key))] = 1
        v[5 + ["none", "royal", "country"].index(relations[key])] = 1
        rows.append(v + (0.01 if w == "Paris" else 0))
    return DenseVectors.from_arrays(words, np.array(rows), name="toy")


def test_analogy_methods_exclude_question_words_in_every_spelling(tmp_path):
    rep = _toy()
    path = tmp_path / "q.txt"
    path.write_text(": royals\nman king woman queen\n: gram-capitals\nparis france rome italy\n"
                    "france paris italy rome\n: unknown\nman king woman princess\n")
    data = read_analogy(path)
    for method in ("add", "mul"):
        result = ev.score_analogy(rep, data, method, restrict=None, bootstrap=0)
        assert result.score == 1.0 and result.covered == 3 and result.total == 4
        assert result.accuracy_all == 0.75
        assert [s["accuracy"] for s in result.sections] == [1.0, 1.0, None]
        assert [(g["name"], g["accuracy"]) for g in result.groups] == [
            ("semantic", 1.0), ("syntactic", 1.0)]  # a section named gram* makes groups
    covered, correct = ev.analogy_predictions(rep, data, "add", None, False)
    assert covered.tolist() == [True, True, True, False] and correct.sum() == 3
    # a : a :: paris : ? -- the nearest word that is not a question word. "Paris" is another
    # spelling of one: excluded when folding case (as gensim), a candidate when not.
    (tmp_path / "p.txt").write_text("man man paris x\n")
    same = read_analogy(tmp_path / "p.txt")
    assert ev.analogy_predictions(rep, same, "add", None, True)[1].tolist() == [False]
    scores = _analogy_scores(_unit_rows(rep, len(rep)), np.array([[0, 0, 4, 9]]), "add")
    assert rep.vocabulary[int(np.argmax(np.where(np.isin(np.arange(10), [0, 4]), -np.inf,
                                                 scores[0])))] == "Paris"


def test_3cosmul_differs_from_3cosadd_and_restrict_limits_candidates(lee):
    google = load_benchmark("google")
    add = ev.score_analogy(lee, google, "add", None, bootstrap=0)
    mul = ev.score_analogy(lee, google, "mul", None, bootstrap=0)
    assert add.covered == mul.covered
    small = ev.score_analogy(lee, google, "add", 200, bootstrap=0)
    assert small.covered < add.covered


def test_onehot_correlation_is_undefined_not_zero():
    vocab = Vocabulary.from_counts({w: 5 for w in ["old", "new", "smart", "intelligent",
                                                   "hard", "difficult", "happy", "cheerful"]})
    onehot = build("onehot", vocab, min_count=1)
    simlex = load_benchmark("simlex999")
    result = ev.score_similarity(onehot, simlex)
    assert result.covered >= 4 and result.score is None and result.pearson is None
    assert "same score" in result.undefined and "undefined" in result.undefined
    assert ev.score_analogy(onehot, load_benchmark("google")).score is None
    json.loads(ev.evaluate(onehot, ["simlex999"]).to_json())  # serializable, no NaN


def test_no_covered_pair_says_so_with_the_coverage():
    rep = DenseVectors.from_arrays(["zzz", "yyy"], np.eye(2, dtype=np.float32), name="tiny")
    result = ev.score_similarity(rep, load_benchmark("wordsim353"))
    assert result.score is None and "coverage 0/353" in result.undefined


def test_oov_mean_and_zero_policies(lee):
    ws = load_benchmark("wordsim353")
    skip = ev.score_similarity(lee, ws, "skip", bootstrap=0)
    zero = ev.score_similarity(lee, ws, "zero", bootstrap=0)
    mean = ev.score_similarity(lee, ws, "mean", bootstrap=0)
    assert skip.scored < zero.scored == mean.scored == 353
    assert len({skip.score, zero.score, mean.score}) == 3
    pred, covered = ev.similarity_predictions(lee, ws, "mean")
    mean_vector = lee.kv.vectors.astype(np.float64).mean(axis=0)
    i = np.flatnonzero(~covered)[0]
    known = next((w for w in ws.pairs[i] if w in lee), None)
    if known is None:
        assert pred[i] == 1.0  # both unknown: the mean with itself
    with pytest.raises(UserError, match="oov must be one of"):
        ev.score(lee, ws, oov="drop")
    del mean_vector


def test_bootstrap_is_seeded_and_contains_the_score(lee):
    simlex = load_benchmark("simlex999")
    a = ev.score_similarity(lee, simlex, bootstrap=300, seed=1)
    b = ev.score_similarity(lee, simlex, bootstrap=300, seed=1)
    c = ev.score_similarity(lee, simlex, bootstrap=300, seed=2)
    assert a.ci == b.ci != c.ci
    assert a.ci[0] < a.score < a.ci[1]


def test_common_coverage_and_paired_test(lee):
    # A model that knows only half of lee's words: compared on the pairs both know.
    words = lee.vocabulary[::2]
    half = DenseVectors.from_arrays(words, lee.vectors(words), name="half")
    noisy = DenseVectors.from_arrays(lee.vocabulary, lee.kv.vectors + np.random.default_rng(0)
                                     .normal(scale=0.5, size=lee.kv.vectors.shape)
                                     .astype(np.float32), name="noisy")
    # Case-sensitive: with folding, "new" would be "New" in lee (the first spelling) but "new"
    # in half, which dropped "New": a real difference in what the two models answer.
    results = ev.evaluate([lee, half, noisy], ["simlex999", "google"], bootstrap=200,
                          restrict=None, fold_case=False)
    sim = next(c for c in results.comparisons if c.dataset == "simlex999")
    assert sim.common == results.get("half", "simlex999").covered
    assert sim.common < results.get(lee.name, "simlex999").covered
    assert set(sim.scores) == {lee.name, "half", "noisy"}
    pairs = {(t["a"], t["b"]) for t in sim.tests}
    assert len(pairs) == 3 and all(0 < t["p_value"] <= 1 for t in sim.tests)
    # identical predictions on the common pairs: difference 0, no evidence of one
    same = next(t for t in sim.tests if {t["a"], t["b"]} == {lee.name, "half"})
    assert same["difference"] == 0 and same["p_value"] == 1.0
    text = results.to_json()
    back = ev.Results.from_json(text)
    assert back.to_json() == text
    assert json.loads(text)["settings"]["restrict"] is None


def test_bad_vectors_are_named(tmp_path):
    path = tmp_path / "bad.vec"
    path.write_text("3 2\nold 1 0\nnew nan 1\nsmart 0 1\n")
    with pytest.raises(UserError, match="'new' has NaN"):
        load(path)                                  # a file is refused when it is read
    import numpy as np
    from wordrep.representations.dense import DenseVectors
    vectors = np.array([[1, 0], [np.nan, 1], [0, 1]], dtype=np.float32)
    with pytest.raises(UserError, match="'new' has NaN"):  # and vectors made in memory
        DenseVectors.from_arrays(["old", "new", "smart"], vectors)
    rep = DenseVectors.from_arrays(["old", "new", "smart"], np.nan_to_num(vectors))
    rep.kv.vectors[1, 0] = np.nan  # changed after they were checked: refused when scored
    with pytest.raises(UserError, match="new|old"):
        ev.score_similarity(rep, load_benchmark("simlex999"))


def test_evaluate_command_formats(tmp_path):
    out = tmp_path / "results.json"
    args = ["evaluate", str(LEE), "-b", "simlex999", "-b", "google", "--bootstrap", "50"]
    table = CliRunner().invoke(main, args + ["-o", str(out)])
    assert table.exit_code == 0, table.output
    assert "simlex999" in table.stdout and "95% CI" in table.stdout
    assert json.loads(out.read_text())["records"][0]["dataset"] == "simlex999"
    for fmt, check in [("json", lambda s: json.loads(s)["settings"]["oov"] == "skip"),
                       ("csv", lambda s: s.splitlines()[0].startswith("representation,")),
                       ("markdown", lambda s: s.startswith("| representation"))]:
        result = CliRunner().invoke(main, args + ["--format", fmt])
        assert result.exit_code == 0 and check(result.stdout), result.output
    missing = CliRunner().invoke(main, ["evaluate", str(tmp_path / "nope.vec")])
    assert missing.exit_code == 2 and "does not exist" in missing.stderr


def test_package_level_evaluate(lee):
    import wordrep
    import wordrep.evaluation  # noqa: F401  (importing the package leaves wordrep.evaluate alone)
    assert wordrep.evaluate is ev.evaluate  # the function, not a module made callable
    results = wordrep.evaluate(lee, ["simlex999"], bootstrap=0)
    assert results.records[0].score == ev.score_similarity(lee, load_benchmark("simlex999"),
                                                           bootstrap=0).score


def test_the_bootstrap_count_is_bounded():
    # Issue 12: --bootstrap 1000000000 was taken, with no end in sight and no progress shown.
    for bad in (100_001, 10**9, -1, True, 10.0):
        with pytest.raises(UserError, match="bootstrap must be a whole number from 0 to "
                                            r"100,000 \(resamples\)"):
            ev.check_settings(bootstrap=bad)
    assert ev.check_settings(bootstrap=100_000)["bootstrap"] == ev.MAX_BOOTSTRAP
    with pytest.raises(UserError, match="100,000"):
        ev.evaluate([], ["simlex999"], bootstrap=10**9)


def test_evaluate_command_refuses_a_huge_bootstrap_before_loading_the_models(tmp_path):
    for models in ([str(tmp_path / "nope.vec")], [str(LEE)]):
        result = CliRunner().invoke(main, ["evaluate", *models, "-b", "simlex999",
                                           "--bootstrap", "1000000000"])
        assert result.exit_code == 2, result.output
        assert result.stdout == "" and len(result.stderr.splitlines()) == 1
        assert result.stderr.startswith("Error: bootstrap must be a whole number from 0 to "
                                        "100,000 (resamples), got 1000000000.")


@contextlib.contextmanager
def _recorded(bars, total, label):
    """A progress factory (as the CLI's) that keeps each bar's label, total and updates."""
    bar = {"label": label, "total": total, "updates": []}
    bars.append(bar)
    yield bar["updates"].append


def test_bootstrap_progress_counts_every_resample(lee):
    noisy = DenseVectors.from_arrays(lee.vocabulary, lee.kv.vectors + np.random.default_rng(0)
                                     .normal(scale=0.5, size=lee.kv.vectors.shape)
                                     .astype(np.float32), name="noisy")
    bars = []
    results = ev.evaluate([lee, noisy], ["simlex999", "google"], bootstrap=700, restrict=None,
                          progress=functools.partial(_recorded, bars))
    scoring, resampling = bars
    assert (scoring["label"], scoring["total"], sum(scoring["updates"])) == ("Evaluating", 4, 4)
    # per dataset: 2 intervals, 2 on the common items and 1 paired test
    assert resampling["label"] == "Bootstrap (700 resamples)"
    assert resampling["total"] == sum(resampling["updates"]) == 700 * 2 * 5
    assert len(resampling["updates"]) > 10  # in chunks, as they are drawn
    quiet = ev.evaluate([lee, noisy], ["simlex999", "google"], bootstrap=700, restrict=None)
    assert quiet.to_dict()["comparisons"] == results.to_dict()["comparisons"]
    assert [r.ci for r in quiet.records] == [r.ci for r in results.records]


def test_evaluate_command_shows_bootstrap_progress_unless_quiet():
    args = ["evaluate", str(LEE), "-b", "simlex999", "--bootstrap", "300"]
    shown = CliRunner().invoke(main, args)
    assert shown.exit_code == 0 and "Bootstrap (300 resamples)" in shown.stderr
    quiet = CliRunner().invoke(main, ["-q", *args])
    assert quiet.exit_code == 0 and "Bootstrap" not in quiet.stderr
    assert quiet.stdout == shown.stdout


def test_bootstrap_memory_is_bounded_whatever_the_items_and_the_same_in_any_chunks(monkeypatch):
    rng = np.random.default_rng(0)
    gold = rng.random(100_000)
    pred = gold + rng.normal(size=len(gold))
    tracemalloc.start()
    try:
        ci = ev.bootstrap_ci(gold, pred, bootstrap=20, seed=3)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # 20 resamples of 100,000 pairs in one chunk held about 140 MB; in chunks of
    # RESAMPLE_CELLS indices it stays under 64 MB whatever the number of pairs
    assert peak < 64 * 2**20, peak / 2**20
    monkeypatch.setattr(statistics, "RESAMPLE_CELLS", 150_000)  # other chunks, the same resamples
    assert ev.bootstrap_ci(gold, pred, bootstrap=20, seed=3) == ci
