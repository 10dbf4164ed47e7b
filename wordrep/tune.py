"""Choosing hyperparameters without tuning on the test data.

Picking the setting that scores best on a benchmark and reporting that score is tuning on the
test set: the number is optimistic. :func:`tune` builds a representation for every point of a
grid, and then either

- **cross-validates over the benchmark's items** (the protocol of Levy, Goldberg & Dagan 2015):
  the items are split into ``folds`` parts; for each part, the setting that scores best on the
  other parts is scored on it, and the held-out score is the mean over the parts; or
- **selects on named dev benchmarks** (``dev=[...]``): the setting with the best mean dev
  score is scored on the test benchmarks.

Beside the honest score it reports the score of the best setting chosen and scored on all the
data, so the optimism of tuning on test data is visible.

Examples
--------
>>> grid = parse_grid("dim=100,300;eig=0,0.5")
>>> grid
{'dim': [100, 300], 'eig': [0, 0.5]}
"""
import itertools
import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import stats

from .benchmarks import default_benchmarks, load_benchmark
from .errors import UserError
from .evaluation import (DEFAULT_RESTRICT, MIN_PAIRS, analogy_predictions, check_settings,
                         json_ready, similarity_predictions)
from .progress import no_progress
from .representations import build, check_params, representations
from .representations.base import VectorRepresentation, now_utc


def parse_grid(text):
    """``'dim=100,300;eig=0,0.5'`` -> ``{'dim': [100, 300], 'eig': [0, 0.5]}``.

    Values become int, float, bool (``true``/``false``) or None (``none``) when they read as
    one; ``a+b`` is a list of several (``relations=synonym+hypernym``); else they stay text.
    """
    grid = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        name, sep, values = part.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or not name or not values.strip():
            raise UserError(f"bad grid entry {part!r}: expected name=value1,value2.",
                            "Example: --grid 'dim=100,300;eig=0,0.5'")
        if name in grid:
            raise UserError(f"the grid names {name!r} twice.", "Give each parameter once.")
        grid[name] = [_value(v.strip()) for v in values.split(",") if v.strip()]
    if not grid:
        raise UserError("the grid is empty.", "Example: --grid 'dim=100,300;eig=0,0.5'")
    return grid


def _value(text):
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "none":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    if "+" in text:
        return [_value(v.strip()) for v in text.split("+") if v.strip()]
    return text


def grid_points(method, grid):
    """Every point of ``grid`` (a dict or its text), each checked against ``method``'s
    declaration: a typo or a bad value fails before the corpus is read or anything is built."""
    if isinstance(grid, str):
        grid = parse_grid(grid)
    entry = representations.get(method)
    names = list(grid)
    points = [dict(zip(names, values)) for values in itertools.product(*grid.values())]
    if not points:
        raise UserError("the grid has no points.", "Give every parameter at least one value.")
    for point in points:
        check_params(entry, point)
    return points


@dataclass
class TuneResults:
    """What :func:`tune` found.

    Attributes
    ----------
    points : list of dict
        Every grid point with its score on each dataset (all items).
    datasets : dict
        dataset -> ``{"tuned_on_all": {"params", "score"}, "held_out": {"score", "folds"},
        "optimism"}``; with dev selection, ``held_out`` is the score of the dev-selected setting.
    """
    method: str
    grid: dict
    protocol: str
    points: list
    datasets: dict
    settings: dict
    dev: list = field(default_factory=list)
    created: str = None

    def to_dict(self):
        return asdict(self)

    def to_json(self, indent=1):
        return json.dumps(json_ready(self.to_dict()), indent=indent, default=str)


def tune(method, corpus, grid, datasets=None, *, folds=2, dev=None, seed=0, oov="skip",
         fold_case=True, restrict=DEFAULT_RESTRICT, analogy_method="add", progress=None):
    """Pick hyperparameters of ``method`` honestly; see the module docstring.

    Parameters
    ----------
    method : str
        A registered representation (``wordrep methods``).
    corpus
        What the builder is built from (a Corpus).
    grid : dict or str
        Parameter -> list of values, or the ``'dim=100,300;eig=0,0.5'`` text form.
    datasets : list, optional
        Benchmarks to tune and report on (names, paths or datasets); default: the bundled ones.
    folds : int
        Parts of the cross-validation (Levy et al. 2015 used 2): at least 2, and at most what
        each benchmark can fill (see :func:`check_folds`).
    dev : list, optional
        Benchmarks to select on instead of cross-validating; they are not reported on.
    seed : int
        Seed of the split into folds.

    Returns
    -------
    TuneResults
    """
    points = grid_points(method, grid)
    settings = check_settings(oov=oov, fold_case=fold_case, restrict=restrict,
                              analogy_method=analogy_method, bootstrap=0, seed=seed)
    test, dev = load_datasets(datasets, dev, folds)
    every = test + dev
    # values[p][dataset] = (covered mask, per-item predictions or correctness)
    values, built = [], []
    with (progress or no_progress)(len(points), f"Building {len(points)} {method} models") as update:
        for point in points:
            started = time.perf_counter()
            rep = build(method, corpus, **point)
            per = {}
            for data in every:
                per[data.name] = _item_values(rep, data, settings)
            values.append(per)
            built.append(round(time.perf_counter() - started, 3))
            del rep
            update(1)
    table = [{"params": p, "seconds": s,
              "scores": {d.name: _score(d, *values[i][d.name]) for d in every}}
             for i, (p, s) in enumerate(zip(points, built))]
    report = {}
    if dev:
        mean_dev = [np.mean([_or_minus_inf(row["scores"][d.name]) for d in dev]) for row in table]
        chosen = int(np.argmax(mean_dev))
        for data in test:
            report[data.name] = _summary(table, data, held_out={
                "score": table[chosen]["scores"][data.name], "params": points[chosen],
                "selected_on": [d.name for d in dev], "dev_score": float(mean_dev[chosen])})
        protocol = f"selected on dev benchmarks ({', '.join(d.name for d in dev)})"
    else:
        for data in test:
            report[data.name] = _summary(table, data, held_out=_cross_validate(
                data, [v[data.name] for v in values], points, folds, seed))
        protocol = f"{folds}-fold cross-validation over benchmark items (Levy et al. 2015)"
    return TuneResults(method, grid, protocol, table, report,
                       {**settings, "folds": None if dev else folds}, [d.name for d in dev],
                       now_utc())


def load_datasets(datasets=None, dev=None, folds=2):
    """The test and dev datasets of a tuning, loaded, with ``folds`` checked against every test
    set when there is no dev set to select on: before any model is built."""
    test = default_benchmarks() if datasets is None else [load_benchmark(d) for d in datasets]
    dev = [load_benchmark(d) for d in (dev or [])]
    if not dev:
        check_folds(folds, test)
    return test, dev


def check_folds(folds, datasets):
    """Refuse a number of folds that cannot give a held-out score on every dataset.

    Each held-out part needs an item to score (analogy), or ``MIN_PAIRS`` pairs for a
    correlation (similarity): more folds than that would only add undefined parts, and
    time and output in proportion.
    """
    if not isinstance(folds, (int, np.integer)) or isinstance(folds, bool) or folds < 2:
        raise UserError(f"folds (--folds) must be a whole number >= 2, got {folds!r}.",
                        "Levy et al. (2015) used 2.")
    for data in datasets:
        per_fold, need = ((MIN_PAIRS, f"{MIN_PAIRS} pairs for a correlation")
                          if data.kind == "similarity" else (1, "a question"))
        most = len(data) // per_fold
        if folds <= most:
            continue
        unit = "pairs" if data.kind == "similarity" else "questions"
        head = (f"folds (--folds) = {folds:,} is too many for {data.name}, which has "
                f"{len(data):,} {unit}")
        if most >= 2:
            raise UserError(f"{head}: each held-out part needs {need}, so at most {most:,} folds.",
                            "Use fewer folds, or select on other benchmarks with --dev.")
        raise UserError(f"{head}: too few to cross-validate (2 folds need {2 * per_fold}).",
                        "Select on other benchmarks with --dev, or tune on a larger one.")


def _item_values(rep, data, settings):
    if data.kind == "similarity":
        predictions, covered = similarity_predictions(rep, data, settings["oov"],
                                                      settings["fold_case"])
        used = covered if settings["oov"] == "skip" else np.ones(len(data), dtype=bool)
        return used, predictions
    if not isinstance(rep, VectorRepresentation):
        return np.zeros(len(data), dtype=bool), np.zeros(len(data), dtype=bool)
    return analogy_predictions(rep, data, settings["analogy_method"], settings["restrict"],
                               settings["fold_case"])


def _score(data, mask, values):
    """Spearman (similarity) or accuracy (analogy) over the items of the boolean ``mask``."""
    if data.kind == "analogy":
        return float(values[mask].mean()) if mask.any() else None
    gold, pred = data.scores[mask], values[mask]
    if len(gold) < MIN_PAIRS or np.ptp(pred) == 0 or np.ptp(gold) == 0:
        return None  # undefined (constant or too few): never the best, never 0
    return float(stats.spearmanr(gold, pred).statistic)


def _or_minus_inf(score):
    return -np.inf if score is None else score


def _best(scores):
    ranked = [_or_minus_inf(s) for s in scores]
    i = int(np.argmax(ranked))
    return (None, None) if ranked[i] == -np.inf else (i, scores[i])


def _fold_labels(n, folds, seed):
    """The part each item is held out in: a seeded permutation cut into ``folds`` parts whose
    sizes differ by at most one (the parts of ``np.array_split``)."""
    sizes = np.full(folds, n // folds)
    sizes[:n % folds] += 1
    labels = np.empty(n, dtype=np.intp)
    labels[np.random.default_rng(seed).permutation(n)] = np.repeat(np.arange(folds), sizes)
    return labels


def _cross_validate(data, per_point, points, folds, seed):
    labels = _fold_labels(len(data), folds, seed)
    rows, scores = [], []
    for k in range(folds):
        held = labels == k
        chosen, train_score = _best([_score(data, u & ~held, v) for u, v in per_point])
        test_score = None if chosen is None else _score(data, per_point[chosen][0] & held,
                                                        per_point[chosen][1])
        rows.append({"fold": k, "params": None if chosen is None else points[chosen],
                     "train_score": train_score, "test_score": test_score})
        if test_score is not None:
            scores.append(test_score)
    return {"score": float(np.mean(scores)) if scores else None, "folds": rows}


def _summary(table, data, held_out):
    chosen, best = _best([row["scores"][data.name] for row in table])
    optimism = None if best is None or held_out["score"] is None else best - held_out["score"]
    return {"tuned_on_all": {"params": None if chosen is None else table[chosen]["params"],
                             "score": best},
            "held_out": held_out, "optimism": optimism}


def render(results, fmt="table"):
    """A tuning result as text: ``table`` or ``markdown``, or ``json``."""
    if fmt == "json":
        return results.to_json()
    head = ["dataset", "held-out score", "setting (held-out)", "tuned on all data", "setting",
            "optimism"]
    body = []
    for name, d in results.datasets.items():
        held = d["held_out"]
        setting = held.get("params") or _fold_settings(held.get("folds", []))
        body.append([name, _num(held["score"]), _params(setting) if isinstance(setting, dict)
                     else setting, _num(d["tuned_on_all"]["score"]),
                     _params(d["tuned_on_all"]["params"]), _num(d["optimism"], sign=True)])
    lines = [f"{results.method}: {len(results.points)} settings, {results.protocol}"]
    if fmt == "markdown":
        lines += ["", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(lines)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    lines += ["  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip()
              for row in [head] + body]
    lines += ["", "every setting (score on all items):"]
    for row in results.points:
        scores = ", ".join(f"{k} {_num(v)}" for k, v in row["scores"].items())
        lines.append(f"  {_params(row['params']):40} {scores}")
    return "\n".join(lines)


def _fold_settings(folds):
    """The settings the folds chose, each once with its count, most chosen first: as long as
    the grid, not as the folds."""
    chosen = Counter(_params(f["params"]) for f in folds)
    return "; ".join(f"{params} in {count} of {len(folds)} folds"
                     for params, count in chosen.most_common())


def _params(params):
    if params is None:
        return "—"
    if isinstance(params, str):
        return params
    return ", ".join(f"{k}={v}" for k, v in params.items())


def _num(value, sign=False):
    if value is None:
        return "undefined"
    return f"{value:+.3f}" if sign else f"{value:.3f}"
