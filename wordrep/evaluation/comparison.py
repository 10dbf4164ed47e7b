"""Fair comparison: every representation scored on the items that all of them cover, with a
paired bootstrap test of each difference."""
import itertools

import numpy as np

from .results import Comparison
from .statistics import (accuracy_ci, bootstrap_ci, correlation, paired_bootstrap_accuracy,
                         paired_bootstrap_similarity)


def compare(records, data, update=None, **settings):
    """Every representation of ``records`` on the items of ``data`` that all of them cover;
    ``update(n)`` counts the bootstrap resamples done."""
    bootstrap, confidence, seed = (settings.get("bootstrap", 1000),
                                   settings.get("confidence", 0.95), settings.get("seed", 0))
    masks = [r._covered_mask for r in records]
    common = np.logical_and.reduce(masks) if masks else np.zeros(len(data), bool)
    idx = np.flatnonzero(common)
    scores, values = {}, {}
    for r in records:
        entry = {"score": None, "ci": None, "undefined": None}
        if r.undefined and r._values is None:
            entry["undefined"] = r.undefined
        elif not len(idx):
            entry["undefined"] = "no item is covered by every representation"
        elif data.kind == "similarity":
            gold, pred = data.scores[idx], r._values[idx]
            entry["score"], _, entry["undefined"] = correlation(gold, pred)
            if entry["score"] is not None:
                values[r.representation] = pred
                if bootstrap:
                    entry["ci"] = bootstrap_ci(gold, pred, bootstrap, confidence, seed, update)
        else:
            hits = r._values[idx]
            entry["score"] = float(hits.mean())
            values[r.representation] = hits
            if bootstrap:
                entry["ci"] = accuracy_ci(hits, bootstrap, confidence, seed, update)
        scores[r.representation] = entry
    tests = []
    if bootstrap:
        for a, b in itertools.combinations(values, 2):
            if data.kind == "similarity":
                diff, p = paired_bootstrap_similarity(data.scores[idx], values[a], values[b],
                                                      bootstrap, seed, update)
            else:
                diff, p = paired_bootstrap_accuracy(values[a], values[b], bootstrap, seed, update)
            tests.append({"a": a, "b": b, "difference": diff, "p_value": p,
                          "test": f"paired bootstrap, {bootstrap} resamples of the "
                                  f"{len(idx)} common items"})
    return Comparison(data.name, "spearman" if data.kind == "similarity" else "accuracy",
                      int(len(idx)), len(data), scores, tests)
