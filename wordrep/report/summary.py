"""The written summary: a verdict on what the corpus size implies, then plain-language findings
per benchmark (the winner, whether its lead is significant, the best of each family, the
distance to human agreement), all generated from the results and the provenance.
"""
import numpy as np

from .document import bullets, heading, para
from .formatting import fmt, fmt_p, humanize
from .view import ALPHA, TIE, family_bests, items_of, metric_name

# Under about 10M tokens the distributional models have seen few contexts of most benchmark
# words and their scores still climb steeply with more text: the verdict says so, since a
# newcomer would otherwise read the family ranking as a property of the methods alone.
SMALL_CORPUS = 10_000_000
REFERENCE_CORPUS = "text8 (17M tokens)"
CURVE_COMMAND = "wordrep run --corpus text8 --fractions 0.1,0.25,0.5,1.0"
TEXT_FAMILIES = ("distributional", "hybrid")  # the families whose scores depend on the corpus


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
    text = (f"The learning curve: from {humanize(before)} to {humanize(last)} tokens, "
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
    metric = metric_name(view.records(dataset)[0].metric)
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


def _family_sentences(view, dataset, ranked):
    bests = family_bests(view, ranked)
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
            f"{items_of(view.describe(dataset))}).")


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
