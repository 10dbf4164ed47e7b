"""Render one run's results as ``report.md`` and a self-contained ``report.html``.

The report only *renders*: every score, interval, coverage and p-value comes from
:class:`~wordrep.evaluate.Results`, and everything else comes from the plain data the pipeline
passes in. The few transformations done here are presentational: choosing which of the
computed tests to show, a 2-D PCA of the probe words' vectors for the map, and differences to
human agreement for display.

Both files come from one list of blocks (headings, paragraphs, tables, figures), so the
Markdown and the HTML always say the same thing. The Markdown refers to PNG files in
``figures/`` beside it; the HTML inlines the same PNGs as base64, so it can be mailed or
opened anywhere without its folder. Every file is written atomically.

Inputs
------
Only ``results`` is required; whatever else is missing is left out of the report, never
invented. All inputs are plain data (JSON-ready, apart from the arrays of ``probe_vectors``).

results : Results or dict
    What :func:`wordrep.evaluate` returned (or its ``to_dict()``/JSON form).
run : dict or None
    Provenance; every key optional::

        {"title": str,
         "corpus": {"name" (or "corpus"): str, "fingerprint": str, "tokens": int,
                    "types": int, ...},   # corpus.statistics() fits as is
         "versions": {"wordrep": str, "gensim": str, "numpy": str, ...},
         "seeds": {what: int} or int,
         "config": any JSON-ready value,   # shown as JSON
         "started": str, "finished": str, "seconds": float,
         ...}                              # other keys are shown as "key: value"

    Package versions may also be top-level keys (``"wordrep"``, ``"gensim"``, ``"numpy"``,
    ...); without ``"seeds"``, every ``seed`` found in ``config`` is listed.

builds : dict
    ``{representation: {"method": str, "family": str, "seconds": float, "peak_mb": float,
    "words": int, "dim": int, "reused": bool, "parameters": dict, ...}}``, every key
    optional (``peak_memory_mb``, ``vocabulary`` and ``cached`` are accepted for ``peak_mb``,
    ``words`` and ``reused``); other keys are shown in a last column.
neighbours : dict
    ``{probe word: {representation: [(word, score), ...] or None}}``; ``None`` means the probe
    word is not in that representation's vocabulary.
probe_vectors : dict
    ``{representation: (words, vectors)}``: the probe words a vector representation knows and
    their vectors (2-D array, one row per word; dense or scipy.sparse).
probe_groups : dict
    ``{word: group}``, e.g. ``{"cat": "animals"}``: colours the PCA maps.
learning_curve : list of dict
    ``{"representation": str, "tokens": int, "benchmark": str, "score": float or None,
    "ci": [lo, hi] (optional)}`` per (representation, corpus prefix, benchmark); a prefix
    that could not be built is ``{"representation": str, "tokens": int, "skipped": reason}``
    and is listed under the curve.
comparisons : list of dict
    What :mod:`wordrep.compare` returns for each compared pair. Rendered generically: ``"a"``
    and ``"b"`` (the two representations) name the pair, scalar values become rows of a
    table, nested dicts are flattened one level (``by_band.rare``), and long lists are
    shortened.

Examples
--------
>>> from wordrep.report import render
>>> paths = render({"corpus": {"name": "lee"}}, results, "runs/lee")  # doctest: +SKIP
>>> paths["html"]                                                         # doctest: +SKIP
PosixPath('runs/lee/report.html')
"""
import base64
import html
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .atomic import atomic_path
from .errors import UserError
from .evaluation import Results

ALPHA = 0.05          # significance level the summary and tables use
TIE = 1e-12           # scores closer than this are a tie, not a win
FAMILY_COLOURS = {"one-hot": "#8c8c8c", "WordNet-derived": "#2ca02c",
                  "distributional": "#1f77b4", "hybrid": "#9467bd"}
OTHER_COLOUR = "#ff7f0e"
NO_FAMILY = "family not recorded"
FIGURE_PATTERNS = ("bars-*.png", "pca-maps.png", "learning-curve.png")
SHORT_CELL = 32       # HTML table cells up to this many characters never wrap
LIST_SHOWN = 6        # long lists in compare.py output are shortened to this many values
# Under about 10M tokens the distributional models have seen few contexts of most benchmark
# words and their scores still climb steeply with more text: the verdict says so, since a
# newcomer would otherwise read the family ranking as a property of the methods alone.
SMALL_CORPUS = 10_000_000
REFERENCE_CORPUS = "text8 (17M tokens)"
CURVE_COMMAND = "wordrep run --corpus text8 --fractions 0.1,0.25,0.5,1.0"
TEXT_FAMILIES = ("distributional", "hybrid")  # the families whose scores depend on the corpus


# ---- the document: blocks shared by Markdown and HTML -------------------------------------------

@dataclass
class Figure:
    """A rendered PNG with the file name it gets in ``figures/`` and its caption."""
    name: str
    png: bytes
    caption: str
    alt: str


def heading(level, text):
    return ("h", level, text)


def para(text):
    return ("p", text)


def bullets(items):
    return ("ul", list(items))


def table(header, rows):
    return ("table", list(header), [list(r) for r in rows])


def code(text):
    return ("code", text)


# ---- the entry point ------------------------------------------------------------------------

def render(run, results, out_dir, *, builds=None, neighbours=None, probe_vectors=None,
           probe_groups=None, learning_curve=None, comparisons=None):
    """Write ``report.md``, ``report.html`` and ``figures/*.png`` into ``out_dir``.

    Parameters
    ----------
    run : dict or None
        Provenance (see the module docstring).
    results : Results or dict
    out_dir : str or Path
        Created if missing.
    builds, neighbours, probe_vectors, probe_groups, learning_curve, comparisons
        Optional parts, shaped as the module docstring describes; a missing part is left out.

    Returns
    -------
    dict
        ``{"markdown": Path, "html": Path, "figures": [Path, ...]}``.
    """
    blocks, figures = build_document(
        results, run=run, builds=builds, neighbours=neighbours, probe_vectors=probe_vectors,
        probe_groups=probe_groups, learning_curve=learning_curve, comparisons=comparisons)
    out = Path(out_dir)
    try:
        (out / "figures").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create the report folder {out}: {exc.strerror}.",
                        "Choose an output folder you can write to.") from None
    written = [_write(out / "figures" / f"{f.name}.png", f.png) for f in figures]
    markdown = _write(out / "report.md", to_markdown(blocks).encode())
    page = _write(out / "report.html", to_html(blocks, _title(run)).encode())
    # Only now: until the new pages are in place, the old ones may still show these figures.
    _remove_stale_figures(out / "figures", set(written))
    return {"markdown": markdown, "html": page, "figures": written}


def build_document(results, *, run=None, builds=None, neighbours=None, probe_vectors=None,
                   probe_groups=None, learning_curve=None, comparisons=None):
    """The report as a list of blocks and the figures they refer to (nothing written).

    Returns
    -------
    blocks : list of tuple
    figures : list of Figure
    """
    if isinstance(results, dict):
        results = Results.from_dict(results)
    view = ResultsView(results, builds or {})
    blocks = [heading(1, _title(run)), *summary_section(view, run, learning_curve)]
    blocks += comparison_section(view)
    blocks += analogy_section(view)
    figures = []
    for part in (bar_section(view), pca_section(view, probe_vectors, probe_groups),
                 learning_curve_section(view, learning_curve)):
        part_blocks, part_figures = part
        blocks += part_blocks
        figures += part_figures
    blocks += neighbours_section(neighbours)
    blocks += similarity_of_representations_section(comparisons)
    blocks += builds_section(view, builds)
    blocks += provenance_section(view, run)
    return blocks, figures


def _title(run):
    return (run or {}).get("title") or "wordrep report"


def _write(path, data):
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


def _remove_stale_figures(folder, keep):
    """Figures of an earlier render that this one no longer refers to (only ours, by name)."""
    for pattern in FIGURE_PATTERNS:
        for path in folder.glob(pattern):
            if path not in keep:
                path.unlink(missing_ok=True)


# ---- reading Results ----------------------------------------------------------------------------

class ResultsView:
    """Look-ups over one :class:`Results` that the sections share (no new numbers)."""

    def __init__(self, results, builds):
        self.results = results
        self.builds = builds
        self.datasets = list(dict.fromkeys(r.dataset for r in results.records))
        self.names = list(dict.fromkeys(r.representation for r in results.records))
        self.confidence = results.settings.get("confidence", 0.95)

    def records(self, dataset):
        return [r for r in self.results.records if r.dataset == dataset]

    def comparison(self, dataset):
        return next((c for c in self.results.comparisons if c.dataset == dataset), None)

    def describe(self, dataset):
        return self.results.datasets.get(dataset, {})

    def agreement(self, dataset):
        return self.describe(dataset).get("agreement") or []

    def family(self, name):
        """From the build record, else the results' metadata, else the registry entry of the
        method that built it; never guessed from the name."""
        build = self.builds.get(name) or {}
        meta = self.results.representations.get(name) or {}
        if build.get("family") or meta.get("family"):
            return build.get("family") or meta["family"]
        from .representations import representations
        method = meta.get("method")
        return representations.get(method).family if method in representations else NO_FAMILY

    def ranking(self, dataset):
        """Defined scores best first, the reasons of undefined ones, and what they are scored on.

        Representations are ranked on the items they all cover (the fair comparison, and the
        one the paired tests are about); on their own coverage only when there is no common
        comparison.
        """
        comp = self.comparison(dataset)
        items = _items(self.describe(dataset))
        if comp and comp.common and any(s["score"] is not None for s in comp.scores.values()):
            scores = {n: s["score"] for n, s in comp.scores.items()}
            reasons = {n: s["undefined"] for n, s in comp.scores.items() if s["score"] is None}
            basis = f"on the {comp.common:,} {items} every representation covers"
        else:
            recs = self.records(dataset)
            scores = {r.representation: r.score for r in recs}
            reasons = {r.representation: r.undefined for r in recs if r.score is None}
            basis = "each on the " + items + " it covers"
        order = [n for n in self.names if scores.get(n) is not None]
        ranked = sorted(((n, scores[n]) for n in order), key=lambda x: -x[1])
        return ranked, reasons, basis

    def test(self, dataset, a, b):
        """The paired test of ``a`` against ``b``: (difference a - b, p-value) or None."""
        comp = self.comparison(dataset)
        for t in (comp.tests if comp else []):
            if (t["a"], t["b"]) == (a, b):
                return t["difference"], t["p_value"]
            if (t["a"], t["b"]) == (b, a):
                return -t["difference"], t["p_value"]
        return None


def _items(describe):
    return "questions" if describe.get("kind") == "analogy" else "pairs"


def _metric_name(metric):
    return {"spearman": "Spearman's rho", "accuracy": "accuracy"}.get(metric, metric)


# ---- formatting ---------------------------------------------------------------------------------

def fmt(value, digits=3):
    """A score as the tables print it; ``None`` as a dash."""
    return "—" if value is None else f"{value:.{digits}f}"


def fmt_ci(ci):
    return "—" if not ci else f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def fmt_p(p):
    if p is None:
        return "—"
    return f"{p:.3f}" if p >= 0.001 else f"{p:.1e}"


def fmt_value(value):
    """Any value from plain data (compare.py output, provenance) as short text."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return str(value)
        if value and (abs(value) >= 1e4 or abs(value) < 1e-3):
            return f"{value:.3g}"
        return f"{value:.3f}"
    if isinstance(value, (list, tuple, np.ndarray)):
        shown = ", ".join(fmt_value(v) for v in list(value)[:LIST_SHOWN])
        more = f", … ({len(value)} values)" if len(value) > LIST_SHOWN else ""
        return f"[{shown}{more}]"
    if isinstance(value, dict):
        return ", ".join(f"{k}={fmt_value(v)}" for k, v in value.items())
    return str(value)


def coverage(record):
    return f"{record.covered:,}/{record.total:,} ({100 * record.coverage:.0f}%)"


def ci_label(confidence):
    return f"{100 * confidence:g}% CI"


# ---- sections -----------------------------------------------------------------------------------

def summary_section(view, run=None, learning_curve=None):
    """The verdict on the corpus size, then plain-language findings, one bullet per benchmark."""
    items = [benchmark_summary(view, d) for d in view.datasets]
    wins = family_wins(view)
    if wins:
        items.insert(0, wins)
    if any(c.tests for c in view.results.comparisons):
        items.append(f"Significance: paired bootstrap over the items every representation "
                     f"covers, two-sided, at p < {ALPHA}; p-values are not corrected for the "
                     "number of tests.")
    said = corpus_verdict(view, run, learning_curve)
    blocks = ([para(said)] if said else []) + ([bullets(items)] if items else [])
    return [heading(2, "Summary")] + blocks if blocks else []


def corpus_verdict(view, run, learning_curve):
    """What the corpus size implies for the scores of the models trained on it.

    Written from the token count in the provenance and, when the run has one, the learning
    curve; ``None`` when no corpus-trained model was evaluated or the size is not recorded.
    """
    corpus = (run or {}).get("corpus") or {}
    tokens = corpus.get("tokens")
    trained = [n for n in view.names if view.family(n) in TEXT_FAMILIES]
    if not trained or not isinstance(tokens, (int, np.integer)) or isinstance(tokens, bool):
        return None
    name = corpus.get("name") or corpus.get("corpus")
    size = f"{tokens:,} tokens" + (f" of {name}" if name else "")
    if tokens < SMALL_CORPUS:
        # Even with a curve of this run, the way to see the scores climb further is more text.
        parts = [f"Verdict: a small corpus ({size}). At this size the distributional models' "
                 "scores are still climbing, far below what they reach on "
                 f"{REFERENCE_CORPUS} or larger corpora: weigh the family comparison with that "
                 "in mind.", _curve_sentence(learning_curve),
                 f"To see how far they climb: `{CURVE_COMMAND}`."]
    else:
        parts = [f"Verdict: {size}, enough for the distributional models to be compared "
                 "fairly with the other families, though their scores keep improving on "
                 "larger corpora.", _curve_sentence(learning_curve) or "A learning curve "
                 "(`--fractions 0.1,0.25,0.5,1.0`) shows whether they are still climbing."]
    return " ".join(p for p in parts if p)


def _curve_sentence(points):
    """How many learning-curve scores still rose over the curve's last step, and the most."""
    scored = [p for p in points or () if "skipped" not in p and p.get("score") is not None]
    sizes = sorted({p["tokens"] for p in scored})
    if len(sizes) < 2:
        return None
    before, last = sizes[-2:]
    at = {(p["representation"], p["benchmark"], p["tokens"]): p["score"] for p in scored}
    steps = [(rep, bench, at[rep, bench, before], score)
             for (rep, bench, tokens), score in at.items()
             if tokens == last and (rep, bench, before) in at]
    if not steps:
        return None
    rising = [s for s in steps if s[3] - s[2] > TIE]
    text = (f"The learning curve: from {_humanize(before)} to {_humanize(last)} tokens, "
            f"{len(rising)} of {len(steps)} scores still rose")
    if rising:
        rep, bench, old, new = max(rising, key=lambda s: s[3] - s[2])
        text += f" (most: {rep} on {bench}, {fmt(old)} → {fmt(new)})"
    return text + "."


def family_wins(view):
    """Which family has the best representation on which benchmark."""
    won = {}
    for d in view.datasets:
        ranked, _, _ = view.ranking(d)
        if not ranked:
            continue
        top = [n for n, s in ranked if ranked[0][1] - s <= TIE]
        families = sorted({view.family(n) for n in top})
        key = " and ".join(families) + (" (tied)" if len(top) > 1 else "")
        won.setdefault(key, []).append(d)
    if not won:
        return None
    return "Best family per benchmark: " + "; ".join(
        f"{family} on {', '.join(ds)}" for family, ds in won.items()) + "."


def benchmark_summary(view, dataset):
    """One benchmark in a few sentences: the winner, whether its lead is significant, the
    family bests, the distance to human agreement and what is undefined."""
    ranked, reasons, basis = view.ranking(dataset)
    metric = _metric_name(view.records(dataset)[0].metric)
    parts = [f"{dataset} ({metric}, {basis}):"]
    if not ranked:
        parts.append("no representation has a defined score.")
    else:
        parts.append(_lead_sentence(view, dataset, ranked))
        parts += _family_sentences(view, dataset, ranked)
        parts.append(_own_coverage_sentence(view, dataset, ranked))
        parts.append(_human_sentence(view, dataset, ranked))
    if reasons:
        parts.append("Undefined: " + "; ".join(f"{n} ({why})" for n, why in reasons.items())
                     + ".")
    return " ".join(p for p in parts if p)


def _lead_sentence(view, dataset, ranked):
    best, score = ranked[0]
    tied = [n for n, s in ranked[1:] if score - s <= TIE]
    if tied:
        return (f"{_and([best] + tied)} tie for best at {fmt(score)}.")
    text = f"{best} ({view.family(best)}) is best at {fmt(score)}"
    if len(ranked) == 1:
        return text + "; no other representation has a defined score to compare with."
    second, second_score = ranked[1]
    return text + f", ahead of {second} at {fmt(second_score)}; " + \
        _significance(view.test(dataset, best, second)) + "."


def _significance(test):
    if test is None or test[1] is None:
        return "no paired test was run for this difference"
    word = "significant" if test[1] < ALPHA else "not significant"
    return f"the difference is {word} (p = {fmt_p(test[1])})"


def _family_bests(view, ranked):
    bests = {}
    for name, score in ranked:  # best first, so the first of each family is its best
        bests.setdefault(view.family(name), (name, score))
    return bests


def _family_sentences(view, dataset, ranked):
    bests = _family_bests(view, ranked)
    if len(bests) < 2:
        return []
    listed = ", ".join(f"{fam} {n} {fmt(s)}" for fam, (n, s) in bests.items())
    significant = []
    pairs = list(bests.values())
    for i, (a, _) in enumerate(pairs):
        for b, _ in pairs[i + 1:]:
            test = view.test(dataset, a, b)
            if test and test[1] is not None and test[1] < ALPHA:
                significant.append(f"{a} > {b} (p = {fmt_p(test[1])})")
    verdict = ("significant between families: " + ", ".join(significant) if significant
               else f"no difference between the family bests is significant at p < {ALPHA}")
    return [f"Best of each family: {listed}; {verdict}."]


def _own_coverage_sentence(view, dataset, ranked):
    """Say so when a different representation leads on its own coverage."""
    own = [r for r in view.records(dataset) if r.score is not None]
    if not own:
        return ""
    top = max(own, key=lambda r: r.score)
    if top.representation == ranked[0][0]:
        return ""
    return (f"On its own coverage, {top.representation} scores highest "
            f"({fmt(top.score)} over {100 * top.coverage:.0f}% of the "
            f"{_items(view.describe(dataset))}).")


def _human_sentence(view, dataset, ranked):
    agreement = view.agreement(dataset)
    if not agreement:
        if view.describe(dataset).get("kind") == "analogy":
            return ""
        return "No human agreement figure is recorded for it."
    first = agreement[0]
    gaps = ", ".join(f"{n} {first['value'] - s:.3f}" for n, s in ranked)
    return (f"Human agreement is {first['value']:.2f} ({first['kind']}; {first['source']}); "
            f"distance to it (human − score, negative = above human): {gaps}.")


def _and(names):
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def comparison_section(view):
    """The overview matrix, then one detailed table per benchmark."""
    if not view.datasets:
        return [heading(2, "Scores"), para("No results to show.")]
    label = ci_label(view.confidence)
    blocks = [heading(2, "Scores"),
              para(f"Score with its {label} (bootstrap, {view.results.settings.get('bootstrap')}"
                   " resamples), each representation on the items it covers."),
              table(["representation", "family"] + view.datasets,
                    [[n, view.family(n)] + [_overview_cell(view, n, d) for d in view.datasets]
                     for n in view.names])]
    for d in view.datasets:
        blocks += benchmark_table(view, d)
    return blocks


def _overview_cell(view, name, dataset):
    try:
        r = view.results.get(name, dataset)
    except KeyError:
        return "—"
    if r.score is None:
        return "undefined"
    return f"{fmt(r.score)} {fmt_ci(r.ci)}" if r.ci else fmt(r.score)


def benchmark_table(view, dataset):
    desc = view.describe(dataset)
    comp = view.comparison(dataset)
    agreement = view.agreement(dataset)
    label = ci_label(view.confidence)
    header = ["representation", "family", _metric_name(view.records(dataset)[0].metric), label,
              "coverage"]
    if comp:
        header += [f"on common items (n={comp.common:,})", f"{label} (common)"]
    header += [f"human {a['value']:.2f} − score" for a in agreement] + ["note"]
    rows = [_benchmark_row(view, r, comp, agreement) for r in view.records(dataset)]
    return [heading(3, dataset), para(_dataset_line(desc, agreement)), table(header, rows),
            *_tests_block(view, dataset)]


def _benchmark_row(view, r, comp, agreement):
    row = [r.representation, view.family(r.representation),
           "undefined" if r.score is None else fmt(r.score), fmt_ci(r.ci), coverage(r)]
    if comp:
        s = comp.scores.get(r.representation, {})
        row += ["undefined" if s.get("score") is None else fmt(s["score"]), fmt_ci(s.get("ci"))]
    row += [fmt(None if r.score is None else a["value"] - r.score) for a in agreement]
    return row + [r.undefined or ""]


def _dataset_line(desc, agreement):
    size = f"{desc.get('size', '?'):,} {_items(desc)}" if desc.get("size") else ""
    bits = [b for b in (size, desc.get("citation")) if b]
    if agreement:
        bits.append("Human agreement: " + "; ".join(
            f"{a['value']:.2f} ({a['kind']}; {a['source']})" for a in agreement))
    elif desc.get("kind") != "analogy":
        bits.append("Human agreement: " + (desc.get("agreement_note") or "none recorded"))
    return ". ".join(bits) + "." if bits else ""


def _tests_block(view, dataset):
    """The differences that matter: best vs second, and each family's best vs the others'."""
    ranked, _, _ = view.ranking(dataset)
    pairs = []
    if len(ranked) > 1:
        pairs.append(("best vs second", ranked[0][0], ranked[1][0]))
    bests = [n for n, _ in _family_bests(view, ranked).values()]
    seen = {frozenset(p[1:]) for p in pairs}
    for i, a in enumerate(bests):
        for b in bests[i + 1:]:
            if frozenset((a, b)) not in seen:  # best vs second may already be a family pair
                pairs.append(("best of family vs best of family", a, b))
    rows = []
    for what, a, b in pairs:
        test = view.test(dataset, a, b)
        if test:
            rows.append([what, f"{a} − {b}", f"{test[0]:+.3f}", fmt_p(test[1]),
                         "yes" if test[1] is not None and test[1] < ALPHA else "no"])
    if not rows:
        return []
    return [table(["comparison", "difference", "value", "p", f"p < {ALPHA}"], rows)]


def analogy_section(view):
    blocks = []
    for d in view.datasets:
        recs = [r for r in view.records(d) if r.task == "analogy"]
        shown = [r for r in recs if r.sections]
        if not recs:
            continue
        blocks.append(heading(3, f"{d}: accuracy per section"))
        if shown:
            blocks.append(para("Accuracy over covered questions (correct/covered); "
                               "“—” where a representation covers none of a section."))
            blocks.append(_section_table(shown))
        missing = [r for r in recs if not r.sections]
        if missing:
            blocks.append(bullets(f"{r.representation}: {r.undefined or 'no section detail'}"
                                  for r in missing))
    return [heading(2, "Analogies by section")] + blocks if blocks else []


def _section_table(records):
    names = [s["name"] for s in records[0].sections + records[0].groups]
    totals = {s["name"]: s["total"] for s in records[0].sections + records[0].groups}
    rows = []
    for name in names:
        row = [name, f"{totals[name]:,}"]
        for r in records:
            s = next((x for x in r.sections + r.groups if x["name"] == name), None)
            row.append("—" if s is None or s["accuracy"] is None else
                       f"{fmt(s['accuracy'])} ({s['correct']}/{s['covered']})")
        rows.append(row)
    rows.append(["all covered", f"{records[0].total:,}"] +
                [f"{fmt(r.score)} ({r.covered:,} covered)" for r in records])
    return table(["section", "questions"] + [r.representation for r in records], rows)


def bar_section(view):
    blocks, figures = [], []
    for d in view.datasets:
        fig = bar_figure(view, d)
        figures.append(fig)
        blocks.append(("figure", fig))
    if not figures:
        return [], []
    return [heading(2, "Figures"), heading(3, "Scores per benchmark")] + blocks, figures


def pca_section(view, probe_vectors, probe_groups):
    if not probe_vectors:
        return [], []
    maps, skipped = pca_coordinates(probe_vectors)
    blocks = [heading(3, "Probe words, 2-D PCA of each representation")]
    figures = []
    if maps:
        fig = pca_figure(maps, probe_groups or {})
        figures.append(fig)
        blocks.append(("figure", fig))
    if skipped:
        blocks.append(bullets(f"{n}: {why}" for n, why in skipped.items()))
    return blocks, figures


def learning_curve_section(view, learning_curve):
    if not learning_curve:
        return [], []
    skipped = [p for p in learning_curve if "skipped" in p]
    points = [p for p in learning_curve if "skipped" not in p]
    blocks, figures = [heading(3, "Learning curve")], []
    if points:
        fig = learning_curve_figure(view, points)
        benchmarks = list(dict.fromkeys(p["benchmark"] for p in points))
        keys = list(dict.fromkeys((p["representation"], p["tokens"]) for p in points))
        cells = {(p["representation"], p["tokens"], p["benchmark"]): p for p in points}
        rows = [[rep, f"{tokens:,}"] + [_curve_cell(cells.get((rep, tokens, b)))
                                        for b in benchmarks] for rep, tokens in keys]
        blocks += [("figure", fig), table(["representation", "tokens"] + benchmarks, rows)]
        figures.append(fig)
    if skipped:
        blocks += [para("Points skipped (the corpus prefix was too small to build on):"),
                   bullets(f"{p['representation']} on {p['tokens']:,} tokens: {p['skipped']}"
                           for p in skipped)]
    return blocks, figures


def _curve_cell(point):
    if point is None:
        return "—"
    if point.get("score") is None:
        return "undefined"
    if point.get("ci"):
        return f"{fmt(point['score'])} {fmt_ci(point['ci'])}"
    return fmt(point["score"])


def neighbours_section(neighbours):
    """One table per probe word: rank down, representations across."""
    if not neighbours:
        return []
    blocks = [heading(2, "Nearest neighbours of the probe words"),
              para("Cosine similarity in brackets; “not in vocabulary” where a representation "
                   "does not know the probe word.")]
    for word, by_rep in neighbours.items():
        reps = list(by_rep)
        depth = max((len(v) for v in by_rep.values() if v), default=0)
        rows = [[str(k + 1)] + [_neighbour_cell(by_rep[r], k) for r in reps]
                for k in range(max(depth, 1))]
        blocks += [heading(3, word), table(["rank"] + reps, rows)]
    return blocks


def _neighbour_cell(found, k):
    if found is None:
        return "not in vocabulary" if k == 0 else ""
    if k >= len(found):
        return ""
    if all(score == 0 for _, score in found):
        # One-hot: every other word is orthogonal, so the "neighbours" are an arbitrary pick.
        return "no similar word (every cosine is 0)" if k == 0 else ""
    word, score = found[k]
    return f"{word} ({score:.2f})"


def similarity_of_representations_section(comparisons):
    """compare.py's output, generically: one key/value table per compared pair."""
    if not comparisons:
        return []
    blocks = [heading(2, "How alike are the representations?")]
    for i, comp in enumerate(comparisons, 1):
        title, named = _pair_title(comp, i)
        rows = [[k, fmt_value(v)] for k, v in _flatten(comp).items() if k not in named]
        blocks += [heading(3, title), table(["measure", "value"], rows)]
    return blocks


def _pair_title(comp, i):
    """"A vs B" from the keys that name the pair, and those keys (not repeated as rows)."""
    if "a" in comp and "b" in comp:
        return f"{comp['a']} vs {comp['b']}", ("a", "b")
    for key in ("pair", "representations"):
        if isinstance(comp.get(key), (list, tuple)) and len(comp[key]) == 2:
            return f"{comp[key][0]} vs {comp[key][1]}", (key,)
    return f"comparison {i}", ()


def _flatten(d, prefix=""):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict) and not prefix:
            out.update(_flatten(v, f"{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


# (keys, with the accepted aliases; column label)
BUILD_COLUMNS = ((("method",), "method"), (("family",), "family"),
                 (("seconds",), "build time (s)"),
                 (("peak_mb", "peak_memory_mb"), "peak memory (MB)"),
                 (("words", "vocabulary"), "vocabulary"), (("dim",), "dimensions"),
                 (("reused", "cached"), "reused"))
BUILD_FORMATS = {"seconds": "{:,.2f}", "peak_mb": "{:,.0f}", "peak_memory_mb": "{:,.0f}",
                 "reused": None, "cached": None}  # None: yes/no


def builds_section(view, builds):
    if not builds:
        return []
    known = {k for keys, _ in BUILD_COLUMNS for k in keys} | {"parameters"}
    extra = any(set(b) - known for b in builds.values())
    header = ["representation"] + [label for _, label in BUILD_COLUMNS] + (["other"] if extra
                                                                             else [])
    rows = []
    for name, b in builds.items():
        row = [name] + [_build_cell(view, name, b, keys) for keys, _ in BUILD_COLUMNS]
        if extra:
            row.append(", ".join(f"{k}={fmt_value(v)}" for k, v in b.items() if k not in known))
        rows.append(row)
    params = [f"{n}: {fmt_value(b['parameters'])}" for n, b in builds.items()
              if b.get("parameters")]
    blocks = [heading(2, "Builds: time and peak memory"), table(header, rows)]
    if params:
        blocks += [heading(3, "Parameters"), bullets(params)]
    return blocks


def _build_cell(view, name, build, keys):
    if keys == ("family",):
        return view.family(name)
    key = next((k for k in keys if build.get(k) is not None), None)
    if key is None:
        return "—"
    value = build[key]
    if key in BUILD_FORMATS:
        form = BUILD_FORMATS[key]
        return ("yes" if value else "no") if form is None else form.format(value)
    return fmt_value(value)


def provenance_section(view, run):
    run = dict(run or {})
    blocks = [heading(2, "Provenance")]
    items = []
    corpus = run.pop("corpus", None)
    if corpus:
        items.append("Corpus: " + _corpus_line(corpus))
    versions = run.pop("versions", None) or {k: run.pop(k) for k in PACKAGES if k in run}
    if versions:
        items.append(f"Versions: {fmt_value(versions)}")
    config = run.pop("config", None)
    seeds = run.pop("seeds", None) or _seeds(config)
    if seeds:
        items.append(f"Seeds: {fmt_value(seeds)}")
    run.pop("title", None)
    items += [f"{k}: {fmt_value(v)}" for k, v in run.items()]
    settings = fmt_value(view.results.settings) if view.results.settings else "not recorded"
    items.append(f"Evaluation settings: {settings}; wordrep {view.results.wordrep_version}; "
                 f"evaluated {view.results.created or '—'}.")
    blocks.append(bullets(items))
    blocks += _datasets_table(view)
    if config is not None:
        blocks += [heading(3, "Configuration"), code(json.dumps(config, indent=2, default=str))]
    return blocks


PACKAGES = ("wordrep", "python", "numpy", "scipy", "gensim", "nltk", "click", "matplotlib")


def _seeds(config, prefix=""):
    """Every ``seed`` in a nested config, by where it is (``representations.word2vec.seed``)."""
    if not isinstance(config, dict):
        return {}
    found = {}
    for key, value in config.items():
        if key == "seed" and not isinstance(value, dict):
            found[f"{prefix}seed"] = value
        elif isinstance(value, dict):
            found.update(_seeds(value, f"{prefix}{key}."))
    return found


def _corpus_line(corpus):
    corpus = dict(corpus)
    name = corpus.pop("name", None) or corpus.pop("corpus", None) or "unnamed"
    bits = [name]
    for key in ("fingerprint", "tokens", "types"):
        if key in corpus:
            bits.append(f"{key} {fmt_value(corpus.pop(key))}")
    bits += [f"{k} {fmt_value(v)}" for k, v in corpus.items()]
    return ", ".join(bits)


def _datasets_table(view):
    rows = [[name, d.get("kind", ""), fmt_value(d.get("size")), d.get("source") or "—",
             (d.get("sha256") or "—")[:16], d.get("citation") or "—"]
            for name, d in view.results.datasets.items()]
    if not rows:
        return []
    return [heading(3, "Benchmarks"),
            table(["benchmark", "kind", "size", "source", "sha256 (first 16)", "citation"], rows)]


# ---- figures ------------------------------------------------------------------------------------

def _pyplot():
    # Agg: no display on servers, and the same pixels everywhere.
    import matplotlib
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    return plt


def _png(fig):
    buf = io.BytesIO()
    # No "Software" stamp: the same figure gives the same bytes whatever matplotlib did it.
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    _pyplot().close(fig)
    return buf.getvalue()


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "x"


def family_colour(family):
    return FAMILY_COLOURS.get(family, OTHER_COLOUR)


def bar_figure(view, dataset):
    """Bars with CI whiskers: each representation on its own coverage (solid) and on the common
    items (hatched); dashed lines at human agreement."""
    plt = _pyplot()
    from matplotlib.patches import Patch
    recs = view.records(dataset)
    comp = view.comparison(dataset)
    fig, ax = plt.subplots(figsize=(max(6.5, 1.1 * len(recs) + 2.5), 4.4))
    x = np.arange(len(recs))
    width = 0.38 if comp else 0.6
    own = [(r.score, r.ci) for r in recs]
    _bars(ax, x - (width / 2 if comp else 0), width, own, recs, view, hatch=None)
    if comp:
        common = [(comp.scores.get(r.representation, {}).get("score"),
                   comp.scores.get(r.representation, {}).get("ci")) for r in recs]
        _bars(ax, x + width / 2, width, common, recs, view, hatch="//")
    ax.axhline(0, color="0.3", lw=0.8)
    handles = [Patch(color=family_colour(f), label=f)
               for f in dict.fromkeys(view.family(r.representation) for r in recs)]
    if comp:
        handles.append(Patch(facecolor="white", edgecolor="0.3", hatch="//",
                             label=f"on the {comp.common:,} common items"))
    for a, style in zip(view.agreement(dataset), ("--", ":", "-.")):
        handles.append(ax.axhline(a["value"], color="black", ls=style, lw=1.2,
                                  label=f"human agreement {a['value']:.2f}"))
    ax.set_xticks(x, [f"{r.representation}\n{100 * r.coverage:.0f}% covered" for r in recs],
                  rotation=30 if len(recs) > 6 else 0, ha="right" if len(recs) > 6 else "center",
                  fontsize=9)
    metric = _metric_name(recs[0].metric)
    ax.set_ylabel(metric)
    ax.set_title(f"{dataset}: {metric}, {ci_label(view.confidence)} whiskers")
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.grid(axis="y", alpha=0.3)
    caption = (f"{dataset}: each representation on the {_items(view.describe(dataset))} it "
               "covers" + (" (solid) and on the items all of them cover (hatched)" if comp
                           else "") + "; whiskers are the bootstrap intervals; "
               "“undefined” marks a score that does not exist.")
    return Figure(f"bars-{_slug(dataset)}", _png(fig), caption, f"bar chart of {dataset}")


def _bars(ax, xs, width, values, recs, view, hatch):
    for xi, (score, ci), r in zip(xs, values, recs):
        colour = family_colour(view.family(r.representation))
        if score is None:
            ax.text(xi, 0, "undefined", rotation=90, ha="center", va="bottom", fontsize=8,
                    color="0.35")
            continue
        err = None
        if ci:
            err = [[max(0.0, score - ci[0])], [max(0.0, ci[1] - score)]]
        ax.bar(xi, score, width, color="white" if hatch else colour, edgecolor=colour,
               hatch=hatch, yerr=err, capsize=3, error_kw={"lw": 1, "ecolor": "0.2"})


def pca_coordinates(probe_vectors):
    """2-D PCA (SVD of the centred vectors) of each representation's probe words.

    Returns
    -------
    maps : dict
        representation -> (words, (n, 2) coordinates, explained variance ratio of the 2 axes)
    skipped : dict
        representation -> why it has no map
    """
    maps, skipped = {}, {}
    for name, (words, vectors) in probe_vectors.items():
        matrix = vectors.toarray() if hasattr(vectors, "toarray") else np.asarray(vectors)
        matrix = np.asarray(matrix, dtype=np.float64)
        if matrix.ndim != 2 or len(words) != matrix.shape[0]:
            raise ValueError(f"probe_vectors[{name!r}]: {len(words)} words but an array of "
                             f"shape {matrix.shape}")
        if len(words) < 3:
            skipped[name] = f"only {len(words)} probe word(s) known: too few for a map"
            continue
        if matrix.shape[1] < 2:
            skipped[name] = f"{matrix.shape[1]} dimension: a 2-D map needs at least 2"
            continue
        centred = matrix - matrix.mean(axis=0)
        u, s, _ = np.linalg.svd(centred, full_matrices=False)
        variance = s ** 2
        if variance.sum() == 0:
            skipped[name] = "every probe word has the same vector"
            continue
        coords = u[:, :2] * s[:2]
        if coords.shape[1] < 2:
            coords = np.column_stack([coords, np.zeros(len(coords))])
        maps[name] = (list(words), coords, variance[:2] / variance.sum())
    return maps, skipped


def pca_figure(maps, groups):
    fig = pca_plot(maps, groups)
    caption = ("The probe words in each vector representation, projected on the first two "
               "principal components of those words' vectors (each map has its own axes).")
    return Figure("pca-maps", _png(fig), caption, "PCA maps of the probe words")


def pca_plot(maps, groups):
    """The matplotlib figure of the PCA maps, its labels moved apart so that none overlap."""
    plt = _pyplot()
    n = len(maps)
    cols = min(3, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 4.3 * rows), squeeze=False)
    palette = plt.get_cmap("tab10")
    group_names = list(dict.fromkeys(groups.values()))
    labels = []
    for ax, (name, (words, coords, ratio)) in zip(axes.flat, maps.items()):
        colours = [palette(group_names.index(groups[w]) % 10) if w in groups else "0.3"
                   for w in words]
        ax.scatter(coords[:, 0], coords[:, 1], c=colours, s=18)
        labels.append([ax.annotate(w, (px, py), xytext=(3, 2), textcoords="offset points",
                                   fontsize=8, color=c)
                       for w, (px, py), c in zip(words, coords, colours)])
        ax.set_title(name, fontsize=10)
        ax.set_xlabel(f"PC1 ({100 * ratio[0]:.0f}% of variance)", fontsize=8)
        ax.set_ylabel(f"PC2 ({100 * ratio[1]:.0f}%)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.margins(0.15)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    if group_names:
        from matplotlib.lines import Line2D
        fig.legend(handles=[Line2D([], [], marker="o", ls="", color=palette(i % 10), label=g)
                            for i, g in enumerate(group_names)],
                   loc="lower center", ncol=min(6, len(group_names)), fontsize=8,
                   bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout()
    # After the layout (it moves the axes, and with them the points on the page) and with the
    # limits fixed (the leader lines must not rescale the axes).
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax, texts in zip(axes.flat, labels):
        ax.set_autoscale_on(False)
        repel_labels(texts, renderer, ax.get_window_extent(renderer).extents)
        _leader_lines(ax, texts, renderer)
    return fig


def repel_labels(texts, renderer, bounds=None, steps=300, pad=1.5):
    """Move overlapping annotations apart until no two overlap (or ``steps`` passes ran).

    Deterministic: each pass finds every overlapping pair of label boxes (in display pixels,
    ``pad`` apart) and pushes both labels half the overlap apart along the axis that needs
    the smaller move, the upper (or right) one up (or right); a label past ``bounds``
    (x0, y0, x1, y1 in pixels, e.g. its axes) is pushed back inside. Labels keep their anchor
    point; only their text offset changes.
    """
    if not texts:
        return
    to_points = 72 / texts[0].figure.dpi
    for _ in range(steps):
        box = np.array([t.get_window_extent(renderer).extents for t in texts])
        x0, y0, x1, y1 = (box[:, i] for i in range(4))
        over_x = np.minimum(x1[:, None], x1) - np.maximum(x0[:, None], x0) + pad
        over_y = np.minimum(y1[:, None], y1) - np.maximum(y0[:, None], y0) + pad
        clash = np.triu((over_x > 0) & (over_y > 0), k=1)
        move = np.zeros((len(texts), 2))
        if bounds is not None:
            move[:, 0] = np.maximum(bounds[0] - x0, 0) - np.maximum(x1 - bounds[2], 0)
            move[:, 1] = np.maximum(bounds[1] - y0, 0) - np.maximum(y1 - bounds[3], 0)
        if not clash.any() and not move.any():
            return
        centre = (box[:, :2] + box[:, 2:]) / 2
        for i, j in zip(*np.nonzero(clash)):
            axis = 0 if over_x[i, j] < over_y[i, j] else 1
            gap = min(over_x[i, j], over_y[i, j])
            # The one further along the axis moves further along it; ties go by order.
            sign = 1.0 if (centre[j, axis], j) > (centre[i, axis], i) else -1.0
            move[j, axis] += sign * gap / 2
            move[i, axis] -= sign * gap / 2
        for t, (dx, dy) in zip(texts, move * to_points):
            x, y = t.xyann
            t.xyann = (x + dx, y + dy)


def _leader_lines(ax, texts, renderer, far=6.0):
    """A thin line from each point to its label when the label moved away from it."""
    to_data = ax.transData.inverted()
    for t in texts:
        point = ax.transData.transform(t.xy)
        x0, y0, x1, y1 = t.get_window_extent(renderer).extents
        nearest = np.clip(point, (x0, y0), (x1, y1))
        if np.hypot(*(nearest - point)) > far:
            (px, py), (nx, ny) = to_data.transform([point, nearest])
            ax.plot([px, nx], [py, ny], color=t.get_color(), lw=0.5, alpha=0.6, zorder=1)


def learning_curve_figure(view, points):
    plt = _pyplot()
    benchmarks = list(dict.fromkeys(p["benchmark"] for p in points))
    reps = list(dict.fromkeys(p["representation"] for p in points))
    fig, axes = plt.subplots(1, len(benchmarks), figsize=(4.8 * len(benchmarks), 3.9),
                             squeeze=False)
    palette = plt.get_cmap("tab10")
    for ax, bench in zip(axes.flat, benchmarks):
        for i, rep in enumerate(reps):
            _curve(ax, [p for p in points if p["benchmark"] == bench
                        and p["representation"] == rep], rep, palette(i % 10))
        for a, style in zip(view.agreement(bench), ("--", ":")):
            ax.axhline(a["value"], color="black", ls=style, lw=1,
                       label=f"human {a['value']:.2f}")
        _token_axis(ax, sorted({p["tokens"] for p in points if p["benchmark"] == bench}))
        ax.set_title(bench)
        ax.set_ylabel(_metric_name(view.records(bench)[0].metric) if view.records(bench)
                      else "score")
        ax.grid(alpha=0.3)
    axes.flat[-1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    caption = ("Score against training tokens. A curve still rising at the right says more "
               "data would help (variance); a flat one says the method is the limit (bias).")
    return Figure("learning-curve", _png(fig), caption, "learning curve")


def _token_axis(ax, tokens):
    """Log x axis ticked at the corpus sizes trained on, labelled 15k, 1.2M, ..."""
    from matplotlib.ticker import NullLocator
    ax.set_xscale("log")
    ax.set_xticks(tokens, [_humanize(t) for t in tokens])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("training tokens (log scale)")


def _humanize(n):
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= size:
            return f"{n / size:.3g}{suffix}"
    return str(n)


def _curve(ax, points, label, colour):
    points = sorted((p for p in points if p.get("score") is not None), key=lambda p: p["tokens"])
    if not points:
        return
    xs = [p["tokens"] for p in points]
    ys = [p["score"] for p in points]
    ax.plot(xs, ys, marker="o", color=colour, label=label)
    cis = [(p["tokens"], p["ci"]) for p in points if p.get("ci")]
    if len(cis) == len(points):
        ax.fill_between(xs, [c[0] for _, c in cis], [c[1] for _, c in cis], color=colour,
                        alpha=0.15, lw=0)


# ---- writers ------------------------------------------------------------------------------------

def to_markdown(blocks):
    """The blocks as GitHub-flavoured Markdown, figures referenced in ``figures/``."""
    out = []
    for block in blocks:
        kind = block[0]
        if kind == "h":
            out.append("#" * block[1] + " " + block[2])
        elif kind == "p":
            out.append(block[1])
        elif kind == "ul":
            out.append("\n".join(f"- {item}" for item in block[1]))
        elif kind == "table":
            out.append(_md_table(block[1], block[2]))
        elif kind == "code":
            out.append("```\n" + block[1] + "\n```")
        elif kind == "figure":
            fig = block[1]
            out.append(f"![{fig.alt}](figures/{fig.name}.png)\n\n*{fig.caption}*")
    return "\n\n".join(o for o in out if o) + "\n"


def _md_cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(header, rows):
    lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |",
             "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1150px;
       margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.88em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.55em; text-align: left;
         vertical-align: top; }
td.short { white-space: nowrap; }  /* keep "[0.027, 0.532]" on one line; long text wraps */
th { background: #f2f2f2; }
.scroll { overflow-x: auto; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; }
figcaption { font-size: 0.88em; color: #555; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.8em; }
"""


def to_html(blocks, title):
    """The blocks as one HTML page with the figures inlined (no external file or URL)."""
    body = []
    for block in blocks:
        kind = block[0]
        if kind == "h":
            body.append(f"<h{block[1]}>{html.escape(block[2])}</h{block[1]}>")
        elif kind == "p":
            body.append(f"<p>{_inline(block[1])}</p>")
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in block[1]) + "</ul>")
        elif kind == "table":
            body.append(_html_table(block[1], block[2]))
        elif kind == "code":
            body.append(f"<pre>{html.escape(block[1])}</pre>")
        elif kind == "figure":
            body.append(_html_figure(block[1]))
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def _inline(text):
    """Escaped text with `code` spans as <code>, as the Markdown shows them."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def _html_table(header, rows):
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(_html_cell(c) for c in row) + "</tr>" for row in rows)
    return f"<div class=\"scroll\"><table><thead><tr>{head}</tr></thead><tbody>{body}" \
           "</tbody></table></div>"


def _html_cell(value):
    text = str(value)
    short = ' class="short"' if len(text) <= SHORT_CELL else ""
    return f"<td{short}>{html.escape(text)}</td>"


def _html_figure(fig):
    data = base64.b64encode(fig.png).decode("ascii")
    return (f"<figure><img src=\"data:image/png;base64,{data}\" alt=\"{html.escape(fig.alt)}\">"
            f"<figcaption>{html.escape(fig.caption)}</figcaption></figure>")
