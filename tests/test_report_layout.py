"""The report reads at a glance: the verdict on the corpus size, tables that scroll in their
box, PCA labels that do not overlap (issue 13, item 6)."""
import itertools
import re

import numpy as np
import pytest

import wordrep
from wordrep import report
from wordrep.corpora import open_corpus
from wordrep.report.figures import pca_coordinates, pca_plot

PROBES = ["king", "queen", "man", "woman", "government", "minister", "police", "court",
          "children", "year", "week", "fire", "people", "australia", "australian", "sydney",
          "new", "two", "three", "four", "said", "says", "told", "security", "forces", "killed"]


@pytest.fixture(scope="module")
def lee():
    corpus = open_corpus("lee")
    svd = wordrep.build("svd", corpus, dim=20, min_count=3)
    return corpus, svd, wordrep.evaluate(svd, ["simlex999", "wordsim353"], bootstrap=0)


def _summary(results, tmp_path, run, curve=None):
    md = report.render(run, results, tmp_path, learning_curve=curve)["markdown"].read_text()
    return md.split("## Summary\n\n", 1)[1].split("\n## ", 1)[0]


def test_small_corpus_verdict_opens_the_summary(lee, tmp_path):
    corpus, _, results = lee
    stats = corpus.statistics(3)
    summary = _summary(results, tmp_path, {"corpus": stats})
    first = summary.split("\n\n", 1)[0]
    assert first.startswith(f"Verdict: a small corpus ({stats['tokens']:,} tokens of lee).")
    assert "still climbing" in first
    assert "`wordrep run --corpus text8 --fractions 0.1,0.25,0.5,1.0`" in first
    page = (tmp_path / "report.html").read_text()
    assert "<code>wordrep run --corpus text8 --fractions 0.1,0.25,0.5,1.0</code>" in page


def test_verdict_cites_the_learning_curve(lee, tmp_path):
    corpus, _, results = lee
    curve = [{"representation": "svd", "tokens": n, "benchmark": b, "score": s}
             for n, b, s in ((20_000, "simlex999", 0.05), (40_000, "simlex999", 0.09),
                             (20_000, "wordsim353", 0.20), (40_000, "wordsim353", 0.18))]
    curve.append({"representation": "svd", "tokens": 5_000, "skipped": "too small"})
    summary = _summary(results, tmp_path, {"corpus": corpus.statistics(3)}, curve)
    assert ("The learning curve: from 20k to 40k tokens, 1 of 2 scores still rose "
            "(most: svd on simlex999, 0.050 → 0.090).") in summary.split("\n\n", 1)[0]


def test_large_corpus_verdict(lee, tmp_path):
    _, _, results = lee
    summary = _summary(results, tmp_path, {"corpus": {"name": "text8", "tokens": 17_005_207}})
    first = summary.split("\n\n", 1)[0]
    assert first.startswith("Verdict: 17,005,207 tokens of text8, enough for the distributional")
    assert "small corpus" not in first and "still climbing." in first
    assert "--corpus text8" not in first


def test_no_verdict_without_a_token_count(lee, tmp_path):
    _, _, results = lee
    assert "Verdict" not in _summary(results, tmp_path, {"corpus": {"name": "lee"}})
    assert "Verdict" not in _summary(results, tmp_path, None)


def test_every_html_table_scrolls_in_its_box(lee, tmp_path):
    _, svd, results = lee
    page = report.render(None, results, tmp_path)["html"].read_text()
    css = re.search(r"<style>(.*)</style>", page, re.S).group(1)
    assert re.search(r"\.scroll\s*\{[^}]*overflow-x:\s*auto", css)
    tables = page.count("<table>")
    assert tables and page.count('<div class="scroll"><table>') == tables


def _label_boxes(fig):
    """Each map's label boxes in pixels, and the map's own box."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [([t.get_window_extent(renderer) for t in ax.texts], ax.get_window_extent(renderer))
            for ax in fig.axes if ax.texts]


def _overlaps(boxes):
    return [(a, b) for a, b in itertools.combinations(boxes, 2) if a.overlaps(b)]


def test_pca_labels_do_not_overlap(lee):
    corpus, svd, _ = lee
    words = [w for w in PROBES if w in svd]
    crowded = np.random.default_rng(0).normal(size=(len(words), 5)) * 1e-3
    crowded[:, 0] += np.arange(len(words)) * 1e-5   # almost one point: every label clashes
    maps, _ = pca_coordinates({"svd": (words, svd.vectors(words)),
                                      "crowded": (words, crowded)})
    fig = pca_plot(maps, {w: "probe" for w in words})
    per_axis = _label_boxes(fig)
    assert [len(b) for b, _ in per_axis] == [len(words), len(words)]
    for boxes, frame in per_axis:
        assert _overlaps(boxes) == []
        assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and
                   b.y1 <= frame.y1 for b in boxes)  # pushed apart, but not out of the map
