"""The report: real Results of small real representations, rendered and read back."""
import re

import numpy as np
import pytest

import wordrep
from wordrep import report
from wordrep.benchmarks.named import gensim_test_file
from wordrep.corpora import open_corpus
from wordrep.evaluation import Results
from wordrep.report.summary import _lead_sentence
from wordrep.storage import load

PROBES = {"government": "politics", "minister": "politics", "police": "law", "court": "law",
          "man": "people", "woman": "people", "children": "people", "year": "time",
          "week": "time", "fire": "events"}


@pytest.fixture(scope="module")
def reps():
    corpus = open_corpus("lee")
    return corpus, [wordrep.build("onehot", corpus, min_count=3),
                    wordrep.build("svd", corpus, dim=20, min_count=3),
                    load(gensim_test_file("lee_fasttext.vec"))]


@pytest.fixture(scope="module")
def results(reps):
    return wordrep.evaluate(reps[1], bootstrap=200)


@pytest.fixture(scope="module")
def full(reps, results, tmp_path_factory):
    """Every optional part given: the paths and the Markdown/HTML text."""
    corpus, models = reps
    out = tmp_path_factory.mktemp("report")
    probe_vectors = {}
    for rep in models:
        words = [w for w in PROBES if w in rep]
        probe_vectors[rep.name] = (words, rep.vectors(words))
    neighbours = {w: {r.name: r.most_similar(w, topn=5) if w in r else None for r in models}
                  for w in ("government", "court", "zyzzyva")}
    curve = [{"representation": "svd", "tokens": n, "benchmark": "simlex999", "score": s}
             for n, s in ((15_000, 0.02), (30_000, 0.05), (60_000, 0.08))]
    paths = report.render(
        {"title": "lee test", "corpus": corpus.statistics(3), "wordrep": wordrep.__version__,
         "config": {"corpus": "lee", "svd": {"dim": 20, "seed": 3}}},
        results, out,
        builds={"onehot": {"method": "onehot", "seconds": 0.1, "peak_mb": 100.0,
                           "reused": False},
                "lee_fasttext": {"family": "distributional", "vocabulary": 1762}},
        neighbours=neighbours, probe_vectors=probe_vectors, probe_groups=PROBES,
        learning_curve=curve,
        comparisons=[{"a": "svd", "b": "lee_fasttext", "cka": 0.41, "knn": {"k": 10}}])
    return paths, paths["markdown"].read_text(), paths["html"].read_text()


def test_files_exist(full):
    paths, _, _ = full
    assert paths["markdown"].name == "report.md" and paths["html"].name == "report.html"
    names = {p.name for p in paths["figures"]}
    assert {"bars-wordsim353.png", "bars-simlex999.png", "bars-google.png", "pca-maps.png",
            "learning-curve.png"} <= names
    for p in paths["figures"]:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_markdown_refers_to_the_figure_files(full):
    paths, md, _ = full
    refs = re.findall(r"!\[[^\]]*\]\((figures/[^)]+)\)", md)
    assert refs and {paths["markdown"].parent / r for r in refs} == set(paths["figures"])


def test_html_is_self_contained(full):
    _, _, page = full
    assert 'src="http' not in page and "href=" not in page and "<script" not in page
    assert "url(" not in page and "@import" not in page
    sources = re.findall(r'<img[^>]*\ssrc="([^"]*)"', page)
    assert len(sources) == 5
    assert all(s.startswith("data:image/png;base64,") for s in sources)


def _table_rows(md, heading):
    """The rows (lists of cells) of the first table after ``### heading``."""
    part = md.split(f"### {heading}\n", 1)[1]
    lines = part.split("\n\n")[1].splitlines()  # the paragraph, then the table
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    return [dict(zip(header, (c.strip() for c in ln.strip("|").split("|"))))
            for ln in lines[2:]]


def test_table_numbers_are_the_results(full, results):
    _, md, _ = full
    for dataset in ("wordsim353", "simlex999", "google"):
        comparison = next(c for c in results.comparisons if c.dataset == dataset)
        rows = {r["representation"]: r for r in _table_rows(md, dataset)}
        assert set(rows) == {"onehot", "svd", "lee_fasttext"}
        for name, row in rows.items():
            rec = results.get(name, dataset)
            metric = "Spearman's rho" if rec.metric == "spearman" else "accuracy"
            expected = "undefined" if rec.score is None else f"{rec.score:.3f}"
            assert row[metric] == expected
            assert row["95% CI"] == ("—" if rec.ci is None else
                                     f"[{rec.ci[0]:.3f}, {rec.ci[1]:.3f}]")
            assert row["coverage"].startswith(f"{rec.covered:,}/{rec.total:,}")
            common = comparison.scores[name]["score"]
            assert row[f"on common items (n={comparison.common:,})"] == (
                "undefined" if common is None else f"{common:.3f}")


def test_human_agreement_with_its_source(full, results):
    _, md, _ = full
    simlex = md.split("### simlex999\n", 1)[1].split("###", 1)[0]
    assert "0.67" in simlex and "0.78" in simlex and "Hill, Reichart & Korhonen" in simlex
    svd = results.get("svd", "simlex999").score
    row = {r["representation"]: r for r in _table_rows(md, "simlex999")}["svd"]
    assert row["human 0.67 − score"] == f"{0.67 - svd:.3f}"
    wordsim = md.split("### wordsim353\n", 1)[1].split("###", 1)[0]
    assert "no human agreement figure recorded" in wordsim


def _summary_line(md, dataset):
    summary = md.split("## Summary", 1)[1].split("\n## ", 1)[0]
    return next(ln for ln in summary.splitlines() if ln.startswith(f"- {dataset} ("))


def test_summary_names_the_best_per_benchmark(full, results):
    _, md, _ = full
    for comparison in results.comparisons:
        defined = {n: s["score"] for n, s in comparison.scores.items() if s["score"] is not None}
        best = max(defined, key=defined.get)
        line = _summary_line(md, comparison.dataset)
        assert f"{best} (distributional) is best at {defined[best]:.3f}" in line
        test = next(t for t in comparison.tests if best in (t["a"], t["b"]) and
                    {t["a"], t["b"]} - {best} == {sorted(defined, key=defined.get)[-2]})
        verdict = "not significant" if test["p_value"] >= 0.05 else "significant"
        assert f"the difference is {verdict} (p = " in line


def test_undefined_scores_are_shown_with_the_reason(full, results):
    _, md, page = full
    rec = results.get("onehot", "wordsim353")
    assert rec.score is None and rec.undefined
    row = {r["representation"]: r for r in _table_rows(md, "wordsim353")}["onehot"]
    assert row["Spearman's rho"] == "undefined" and row["note"] == rec.undefined
    assert f"Undefined: onehot ({rec.undefined})" in _summary_line(md, "wordsim353")
    assert "undefined (not 0)" in page


def test_ties_are_called_ties(results):
    # onehot and svd both answer none of the common google questions right.
    view = report.ResultsView(results, {})
    ranked, _, _ = view.ranking("google")
    tied = [(n, s) for n, s in ranked if s == ranked[-1][1]]
    line = _lead_sentence(view, "google", tied)
    assert line == f"{tied[0][0]} and {tied[1][0]} tie for best at {tied[0][1]:.3f}."


def test_analogy_sections_equal_the_results(full, results):
    _, md, _ = full
    rec = results.get("svd", "google")
    part = md.split("### google: accuracy per section", 1)[1]
    for s in rec.sections:
        if s["accuracy"] is not None:
            assert re.search(rf"\| {re.escape(s['name'])} \|.*\| "
                             rf"{s['accuracy']:.3f} \({s['correct']}/{s['covered']}\) \|", part)


def test_optional_parts(full, reps):
    _, md, _ = full
    assert "### government" in md and "zyzzyva" in md and "not in vocabulary" in md
    assert "| cka | 0.410 |" in md and "| knn.k | 10 |" in md
    assert f"fingerprint {reps[0].fingerprint}" in md
    assert '"corpus": "lee"' in md and "Seeds: svd.seed=3" in md
    assert f"Versions: wordrep={wordrep.__version__}" in md
    assert "| onehot | onehot | one-hot | 0.10 | 100 | — | — | no |" in md
    assert "| lee_fasttext | — | distributional | — | — | 1,762 | — | — |" in md
    # One-hot's neighbours are arbitrary (every cosine 0): not shown as neighbours.
    assert "no similar word (every cosine is 0)" in md


def test_nothing_optional_given(results, tmp_path):
    paths = report.render(None, results, tmp_path / "bare")
    md = paths["markdown"].read_text()
    assert "## Summary" in md and "## Scores" in md
    for absent in ("Nearest neighbours", "Learning curve", "PCA", "Builds", "How alike"):
        assert absent not in md
    assert [p.name for p in paths["figures"]] == ["bars-wordsim353.png", "bars-simlex999.png",
                                                  "bars-google.png"]


def test_from_json_results_and_one_representation(reps, tmp_path):
    one = wordrep.evaluate(reps[1][1], ["simlex999"], bootstrap=0)
    again = Results.from_json(one.to_json())
    paths = report.render({}, again.to_dict(), tmp_path)
    md = paths["markdown"].read_text()
    assert "no other representation has a defined score to compare with" in md
    assert "| svd | distributional | " + f"{one.records[0].score:.3f} | — |" in md


def test_rerender_removes_stale_figures(results, tmp_path, reps):
    paths = report.render(None, results, tmp_path, learning_curve=[
        {"representation": "svd", "tokens": 10, "benchmark": "simlex999", "score": 0.1}])
    assert (tmp_path / "figures" / "learning-curve.png").exists()
    report.render(None, results, tmp_path)
    assert not (tmp_path / "figures" / "learning-curve.png").exists()
    assert paths["html"].exists()


def test_pca_of_probe_vectors():
    rng = np.random.default_rng(0)
    words = ["a", "b", "c", "d"]
    vectors = rng.normal(size=(4, 6))
    maps, skipped = report.pca_coordinates({"x": (words, vectors), "y": (["a", "b"],
                                                                        vectors[:2])})
    coords = maps["x"][1]
    assert coords.shape == (4, 2) and np.allclose(coords.mean(axis=0), 0)
    # The map keeps the two directions of largest spread: its distances are those of the
    # first two principal components.
    centred = vectors - vectors.mean(axis=0)
    _, s, _ = np.linalg.svd(centred)
    assert np.allclose(np.linalg.svd(coords, compute_uv=False), s[:2])
    assert "too few" in skipped["y"]
    with pytest.raises(ValueError, match="3 words but"):
        report.pca_coordinates({"z": (["a", "b", "c"], vectors)})


@pytest.mark.wordnet
def test_family_differences_with_a_wordnet_measure(reps, tmp_path):
    from wordrep.representations.wordnet_measures import measure
    svd, path = reps[1][1], measure("path")
    results = wordrep.evaluate([svd, path], ["simlex999"], bootstrap=200)
    md = report.render(None, results, tmp_path)["markdown"].read_text()
    comparison = results.comparisons[0]
    (test,) = comparison.tests
    scores = {n: s["score"] for n, s in comparison.scores.items()}
    best, other = sorted(scores, key=scores.get, reverse=True)
    line = _summary_line(md, "simlex999")
    assert f"{best} ({report.ResultsView(results, {}).family(best)}) is best" in line
    assert "Best of each family: " in line and "WordNet-derived wordnet:path" in line
    if test["p_value"] < 0.05:
        assert f"significant between families: {best} > {other}" in line
    else:
        assert "no difference between the family bests is significant" in line
    assert "| best vs second |" in md
