"""Reading one run's :class:`~wordrep.evaluation.Results`: the look-ups that the summary, the
tables and the figures share (rankings, paired tests, families). No new numbers.
"""

ALPHA = 0.05          # significance level the summary and tables use
TIE = 1e-12           # scores closer than this are a tie, not a win
NO_FAMILY = "family not recorded"


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
        from ..representations import representations
        method = meta.get("method")
        return representations.get(method).family if method in representations else NO_FAMILY

    def ranking(self, dataset):
        """Defined scores best first, the reasons of undefined ones, and what they are scored on.

        Representations are ranked on the items they all cover (the fair comparison, and the
        one the paired tests are about); on their own coverage only when there is no common
        comparison.
        """
        comp = self.comparison(dataset)
        items = items_of(self.describe(dataset))
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


def family_bests(view, ranked):
    bests = {}
    for name, score in ranked:  # best first, so the first of each family is its best
        bests.setdefault(view.family(name), (name, score))
    return bests


def items_of(describe):
    return "questions" if describe.get("kind") == "analogy" else "pairs"


def metric_name(metric):
    return {"spearman": "Spearman's rho", "accuracy": "accuracy"}.get(metric, metric)
