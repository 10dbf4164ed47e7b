"""Scoring representations on benchmarks, and comparing them fairly.

Similarity
    Spearman's rho (the primary score) and Pearson's r between a representation's similarities
    and the gold scores, over the pairs it covers; an explicit OOV policy (``skip`` the pair,
    as gensim does; score it ``zero``, as hyperwords does; or give unknown words the ``mean``
    vector, as word-embeddings-benchmarks does); a seeded bootstrap confidence interval.
Analogy
    3CosAdd and 3CosMul (Levy & Goldberg 2014) with the question words excluded from the
    answers, candidates restricted to the ``restrict`` most frequent words, accuracy per
    section and semantic/syntactic totals. Computed in batches of matrix products.
Fair comparison
    Beside each representation's score on its own coverage, :class:`Comparison` scores all of
    them on the items that all of them cover, and a paired bootstrap gives the p-value of each
    difference.

A correlation is undefined when every prediction (or every gold score) is the same, as for the
one-hot baseline on a set without identical pairs: such a score is ``None`` with the reason,
never 0.

Examples
--------
>>> from wordrep.storage import load
>>> from wordrep.benchmarks.named import gensim_test_file
>>> rep = load(gensim_test_file("lee_fasttext.vec"))
>>> results = evaluate(rep, ["wordsim353"], bootstrap=200)
>>> record = results.records[0]
>>> record.metric, round(record.score, 4), record.covered, record.total
('spearman', -0.0588, 45, 353)
"""
import itertools
import json
import math
import sys
import time
import types
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import stats

from . import __version__
from .benchmarks import default_benchmarks, load_benchmark
from .errors import UserError
from .progress import no_progress
from .representations.base import VectorRepresentation, now_utc

OOV_POLICIES = ("skip", "zero", "mean")
ANALOGY_METHODS = ("add", "mul")
DEFAULT_RESTRICT = 30_000
EPSILON = 0.001       # 3CosMul's guard against division by zero (Levy & Goldberg 2014)
BATCH_CELLS = 1 << 24  # questions x candidates per matrix product: 64 MB of float32 scores
MIN_PAIRS = 3         # fewer pairs make a correlation meaningless
# More resamples change nothing that is reported, and only cost time: the Monte Carlo error
# of a bootstrap p-value near 0.05 is sqrt(0.05 * 0.95 / B), 0.0007 at B = 100,000, and the
# interval ends stop moving in their third decimal well before (Efron & Tibshirani 1993 use
# 1,000-2,000 for percentile intervals). 100,000 resamples of 3,000 pairs already take about a
# minute per interval; a billion would take six days.
MAX_BOOTSTRAP = 100_000
RESAMPLE_CELLS = 1 << 19  # resamples x items per bootstrap chunk: 4 MB per float64 array


# ---- results -------------------------------------------------------------------------------

@dataclass
class Result:
    """One representation on one dataset.

    Attributes
    ----------
    representation, dataset : str
    task : {"similarity", "analogy"}
    metric : {"spearman", "accuracy"}
        What :attr:`score` is.
    score : float or None
        ``None`` when undefined; :attr:`undefined` says why.
    ci : [float, float] or None
        Bootstrap confidence interval of :attr:`score`.
    covered, total : int
        Items (pairs, questions) the representation knows all words of, and all items.
    scored : int
        Items that entered the score (``covered``, or ``total`` under OOV ``zero``/``mean``).
    pearson : float or None
        Similarity only.
    sections : list of dict
        Analogy only: ``{"name", "correct", "covered", "total", "accuracy"}`` per section, then
        the semantic and syntactic totals where the dataset defines them.
    accuracy_all : float or None
        Analogy only: correct answers over all questions (uncovered ones count as wrong).
    """
    representation: str
    dataset: str
    task: str
    metric: str
    score: float = None
    ci: list = None
    covered: int = 0
    total: int = 0
    scored: int = 0
    pearson: float = None
    undefined: str = None
    sections: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    accuracy_all: float = None
    seconds: float = None
    # Per-item detail for comparisons, not serialized: the items covered, and the predictions
    # (similarity) or correctness (analogy) on them.
    _covered_mask: np.ndarray = field(default=None, repr=False)
    _values: np.ndarray = field(default=None, repr=False)

    @property
    def coverage(self):
        return self.covered / self.total if self.total else 0.0

    def to_dict(self):
        d = {k: v for k, v in asdict(self).items() if not k.startswith("_")}
        d["coverage"] = self.coverage
        return d


@dataclass
class Comparison:
    """All compared representations on the items that every one of them covers.

    Attributes
    ----------
    dataset : str
    metric : str
    common : int
        Items covered by every representation.
    total : int
    scores : dict
        representation -> ``{"score", "ci", "undefined"}`` on the common items.
    tests : list of dict
        ``{"a", "b", "difference", "p_value", "test"}`` for every pair of representations with
        defined scores: a paired bootstrap over the common items.
    """
    dataset: str
    metric: str
    common: int
    total: int
    scores: dict
    tests: list

    def to_dict(self):
        return asdict(self)


@dataclass
class Results:
    """Every (representation, dataset) record of one evaluation, with its settings.

    ``Results.from_json(results.to_json())`` gives the same results back.
    """
    records: list
    comparisons: list
    settings: dict
    datasets: dict
    representations: dict
    created: str = None
    wordrep_version: str = __version__

    def to_dict(self):
        return {"wordrep_version": self.wordrep_version, "created": self.created,
                "settings": self.settings, "datasets": self.datasets,
                "representations": self.representations,
                "records": [r.to_dict() for r in self.records],
                "comparisons": [c.to_dict() for c in self.comparisons]}

    def to_json(self, indent=1):
        return json.dumps(_json_ready(self.to_dict()), indent=indent, ensure_ascii=False,
                          default=str)

    @classmethod
    def from_dict(cls, data):
        fields_ = set(Result.__dataclass_fields__)
        records = [Result(**{k: v for k, v in r.items() if k in fields_})
                   for r in data["records"]]
        comparisons = [Comparison(**c) for c in data["comparisons"]]
        return cls(records, comparisons, data["settings"], data["datasets"],
                   data["representations"], data.get("created"), data.get("wordrep_version"))

    @classmethod
    def from_json(cls, text):
        return cls.from_dict(json.loads(text))

    def get(self, representation, dataset):
        """The record of ``representation`` on ``dataset``."""
        for r in self.records:
            if r.representation == representation and r.dataset == dataset:
                return r
        raise KeyError((representation, dataset))


def _json_ready(value):
    """NaN and infinities are not JSON: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.generic):
        return _json_ready(value.item())
    return value


# ---- the entry point --------------------------------------------------------------------------

def evaluate(representations, datasets=None, *, oov="skip", fold_case=True,
             restrict=DEFAULT_RESTRICT, analogy_method="add", bootstrap=1000, confidence=0.95,
             seed=0, progress=None):
    """Score representations on datasets, each alone and all on their common coverage.

    Parameters
    ----------
    representations : Representation or list of Representation
    datasets : list, optional
        Dataset objects, registered names (``wordrep benchmarks list``) or file paths;
        default: the bundled WordSim-353, SimLex-999 and Google analogies.
    oov : {"skip", "zero", "mean"}
        Similarity pairs with an unknown word are left out (gensim), scored 0 (hyperwords),
        or scored with the mean of all vectors standing in for the unknown word
        (word-embeddings-benchmarks; vector representations only).
    fold_case : bool
        Match words whatever their case; where a vocabulary has several cases of a word, the
        first one (the most frequent, for corpus-built models) is used, as gensim does.
    restrict : int or None
        Analogy answers are searched among the first ``restrict`` words of the vocabulary (the
        most frequent ones), and questions with a word outside them are not covered; ``None``
        searches the whole vocabulary.
    analogy_method : {"add", "mul"}
        3CosAdd or 3CosMul.
    bootstrap : int
        Bootstrap resamples for confidence intervals and paired tests, from 0 (none) to
        ``MAX_BOOTSTRAP`` (100,000).
    confidence : float
        Level of the confidence intervals.
    seed : int
        Seed of the bootstrap: the same inputs give the same intervals and p-values.
    progress : callable, optional
        ``progress(total, label)`` context manager yielding ``update(n)``
        (:mod:`wordrep.progress`): one bar for the scoring, one counting bootstrap resamples.

    Returns
    -------
    Results
    """
    reps = _as_list(representations)
    settings = check_settings(oov=oov, fold_case=fold_case, restrict=restrict,
                              analogy_method=analogy_method, bootstrap=bootstrap,
                              confidence=confidence, seed=seed)
    names = [r.name for r in reps]
    if len(set(names)) != len(names):
        raise UserError(f"two representations have the same name ({', '.join(names)}).",
                        "Give each a distinct name: reports tell them apart by it.")
    loaded = default_benchmarks() if datasets is None else [load_benchmark(d) for d in
                                                             _as_list(datasets)]
    rows = []
    with (progress or no_progress)(len(reps) * len(loaded), "Evaluating") as update:
        for data in loaded:
            row = []
            for rep in reps:
                row.append(score(rep, data, **{**settings, "bootstrap": 0}))
                update(1)
            rows.append(row)
    comparisons = _bootstrap_all(rows, loaded, settings, progress)
    records = [record for row in rows for record in row]
    return Results(records, comparisons, settings,
                   {d.name: d.describe() for d in loaded},
                   {r.name: {"type": type(r).__name__, **_metadata(r)} for r in reps},
                   created=now_utc())


def _bootstrap_all(rows, datasets, settings, progress=None):
    """The intervals of ``rows`` (one list of records per dataset) and their comparisons, after
    the scoring, so that one bar on stderr counts the resamples: the long part at large B."""
    bootstrap = settings["bootstrap"]
    total = bootstrap * sum(map(_bootstrap_jobs, rows))
    done = 0

    def counted(n):
        nonlocal done
        done += n
        update(n)

    comparisons = []
    bar = progress if progress and total else no_progress
    with bar(total, f"Bootstrap ({bootstrap:,} resamples)") as update:
        for row, data in zip(rows, datasets):
            for record in row:
                add_ci(record, data, bootstrap, settings["confidence"], settings["seed"],
                       counted)
            if len(row) > 1:
                comparisons.append(compare(row, data, update=counted, **settings))
        update(total - done)  # a comparison left undefined draws nothing: the bar still ends
    return comparisons


def _bootstrap_jobs(row):
    """At most how many bootstraps the records of one dataset need: an interval per defined
    score, and, when compared, one per common score and one per pair of them (a common score
    is defined only where the record's own is)."""
    defined = sum(r.score is not None for r in row)
    return defined + (defined + math.comb(defined, 2) if len(row) > 1 else 0)


def _metadata(rep):
    meta = dict(getattr(rep, "metadata", {}) or {})
    if isinstance(rep, VectorRepresentation):
        meta.update(words=len(rep), dim=rep.dim, kind=rep.kind)
    return meta


def _as_list(value):
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def check_settings(oov="skip", fold_case=True, restrict=DEFAULT_RESTRICT, analogy_method="add",
                   bootstrap=1000, confidence=0.95, seed=0):
    """The settings, checked up front with a message naming the parameter and what it allows."""
    if oov not in OOV_POLICIES:
        raise UserError(f"oov must be one of {', '.join(OOV_POLICIES)}, got {oov!r}.",
                        "skip leaves the pair out; zero scores it 0; mean uses the mean vector.")
    if analogy_method not in ANALOGY_METHODS:
        raise UserError(f"analogy_method must be 'add' or 'mul', got {analogy_method!r}.",
                        "add is 3CosAdd, mul is 3CosMul.")
    if restrict is not None and (not isinstance(restrict, (int, np.integer))
                                 or isinstance(restrict, bool) or restrict < 1):
        raise UserError(f"restrict must be a whole number >= 1 or None, got {restrict!r}.",
                        "Use None (0 on the command line) for no restriction.")
    if not isinstance(bootstrap, (int, np.integer)) or isinstance(bootstrap, bool) \
            or not 0 <= bootstrap <= MAX_BOOTSTRAP:
        raise UserError(f"bootstrap must be a whole number from 0 to {MAX_BOOTSTRAP:,} "
                        f"(resamples), got {bootstrap!r}.",
                        "1000 resamples is the usual choice; 0 for no confidence intervals.")
    if not 0 < confidence < 1:
        raise UserError(f"confidence must be between 0 and 1, got {confidence!r}.",
                        "0.95 gives 95% intervals.")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise UserError(f"seed must be a whole number >= 0, got {seed!r}.",
                        "The seed of the bootstrap resampling; 0 is the default.")
    return {"oov": oov, "fold_case": bool(fold_case),
            "restrict": None if restrict is None else int(restrict),
            "analogy_method": analogy_method, "bootstrap": int(bootstrap),
            "confidence": float(confidence), "seed": int(seed),
            "epsilon": EPSILON if analogy_method == "mul" else None}


def score(rep, data, **settings):
    """One :class:`Result`: ``rep`` on the similarity or analogy dataset ``data``."""
    settings = check_settings(**{k: v for k, v in settings.items() if k != "epsilon"})
    started = time.perf_counter()
    if data.kind == "similarity":
        result = score_similarity(rep, data, settings["oov"], settings["fold_case"],
                                  settings["bootstrap"], settings["confidence"], settings["seed"])
    else:
        result = score_analogy(rep, data, settings["analogy_method"], settings["restrict"],
                               settings["fold_case"], settings["bootstrap"],
                               settings["confidence"], settings["seed"])
    result.seconds = round(time.perf_counter() - started, 4)
    return result


# ---- words -> the representation's own keys ---------------------------------------------------

def _fold(word):
    # upper() as gensim's case_insensitive does, so that the same words match.
    return word.upper()


def resolve(rep, words, fold_case=True, limit=None):
    """Each word as ``rep`` spells it (or None when unknown), and, for vector
    representations, its row (-1 when unknown).

    With ``fold_case``, a word matches the first vocabulary word with the same upper-case form.
    ``limit`` only considers the first ``limit`` rows of a vector representation.
    """
    words = list(words)
    if isinstance(rep, VectorRepresentation):
        vocab = rep.vocabulary
        n = len(vocab) if limit is None else min(limit, len(vocab))
        if fold_case:
            lookup = _folded_index(rep, n)
            rows = np.fromiter((lookup.get(_fold(w), -1) for w in words), np.intp, len(words))
        elif n == len(vocab):
            rows = rep._lookup(words)
        else:
            rows = rep._lookup(words)
            rows[rows >= n] = -1
        return [vocab[r] if r >= 0 else None for r in rows], rows
    keys = []
    for w in words:
        if w in rep:
            keys.append(w)
        elif fold_case and w.lower() in rep:
            keys.append(w.lower())
        else:
            keys.append(None)
    return keys, None


_FOLD_CACHE = {}


def _folded_index(rep, n):
    """upper-case form -> first row with it, over the first ``n`` rows (cached per model)."""
    key = (id(rep), n, len(rep))
    cached = _FOLD_CACHE.get(key)
    if cached is not None and cached[0] is rep:
        return cached[1]
    vocab = rep.vocabulary
    # Reversed, so the first (most frequent) spelling overwrites the later ones.
    lookup = {_fold(vocab[i]): i for i in range(n - 1, -1, -1)}
    _FOLD_CACHE.clear()  # one model at a time: a cache, not a leak
    _FOLD_CACHE[key] = (rep, lookup)
    return lookup


# ---- similarity -------------------------------------------------------------------------------

def similarity_predictions(rep, data, oov="skip", fold_case=True):
    """The representation's score for every pair of ``data`` and which pairs it covers.

    Returns
    -------
    predictions : ndarray of float64
        NaN for uncovered pairs under ``oov="skip"``; 0 under ``"zero"``; the mean-vector
        cosine under ``"mean"``.
    covered : ndarray of bool
    """
    left, lrows = resolve(rep, [a for a, _ in data.pairs], fold_case)
    right, rrows = resolve(rep, [b for _, b in data.pairs], fold_case)
    covered = np.array([a is not None and b is not None for a, b in zip(left, right)], dtype=bool)
    predictions = np.full(len(data), np.nan)
    if covered.any():
        idx = np.flatnonzero(covered)
        if getattr(rep, "kind", None) == "dense":
            predictions[idx] = _cosines64(rep, lrows[idx], rrows[idx])
        else:
            predictions[idx] = rep.similarity([(left[i], right[i]) for i in idx])
    if oov == "zero":
        predictions[~covered] = 0.0
    elif oov == "mean" and not covered.all():
        if not isinstance(rep, VectorRepresentation):
            raise UserError(f"oov='mean' needs vectors, and {rep.name!r} has none.",
                            "Use --oov skip or --oov zero for it.")
        predictions[~covered] = _mean_vector_cosines(rep, lrows[~covered], rrows[~covered])
    bad = ~np.isfinite(predictions) & (covered | (oov != "skip"))
    if bad.any():
        i = np.flatnonzero(bad)[0]
        word = next(w for w in data.pairs[i] if w is not None)
        raise UserError(f"{rep.name!r} gives a non-finite similarity for {data.pairs[i]} "
                        f"(the vector of {word!r} or its partner holds NaN or infinity).",
                        "Check the model file: every vector value must be a finite number.")
    return predictions, covered


def _cosines64(rep, left, right):
    """Cosines of dense rows computed in float64.

    float32 products (what the model stores) move a correlation in its 8th digit; scores that
    are reported to 3 digits and compared to 1e-9 across tools should not depend on that.
    """
    matrix = rep._matrix
    a = np.asarray(matrix[left], dtype=np.float64)
    b = np.asarray(matrix[right], dtype=np.float64)
    denominator = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    dots = np.einsum("ij,ij->i", a, b)
    return np.divide(dots, denominator, out=np.zeros_like(dots), where=denominator != 0)


def _mean_vector_cosines(rep, left, right):
    """Cosines where an unknown word (row -1) stands for the mean of all vectors."""
    matrix = rep._matrix
    mean = np.asarray(matrix.mean(axis=0), dtype=np.float64).ravel()
    mean_norm = np.linalg.norm(mean)
    norms = rep._norms()
    out = np.empty(len(left))
    both = (left < 0) & (right < 0)
    out[both] = 1.0 if mean_norm > 0 else 0.0
    one = ~both
    known = np.where(left[one] >= 0, left[one], right[one])
    dots = np.asarray(matrix[known] @ mean, dtype=np.float64).ravel()
    denominator = norms[known] * mean_norm
    out[one] = np.divide(dots, denominator, out=np.zeros_like(dots), where=denominator != 0)
    return out


def correlation(gold, predicted):
    """Spearman's rho and Pearson's r, or the reason they are undefined.

    Returns
    -------
    (spearman, pearson, reason) : (float or None, float or None, str or None)
    """
    if len(gold) < MIN_PAIRS:
        return None, None, f"only {len(gold)} pair(s) covered: a correlation needs at least {MIN_PAIRS}"
    if np.ptp(predicted) == 0:
        return None, None, (f"every covered pair gets the same score ({predicted[0]:g}): the "
                            "representation cannot rank them, so a correlation is undefined "
                            "(not 0)")
    if np.ptp(gold) == 0:
        return None, None, "every gold score is the same: a correlation is undefined"
    return (float(stats.spearmanr(gold, predicted).statistic),
            float(stats.pearsonr(gold, predicted).statistic), None)


def score_similarity(rep, data, oov="skip", fold_case=True, bootstrap=1000, confidence=0.95,
                     seed=0):
    """A :class:`Result` for ``rep`` on the similarity dataset ``data``."""
    predictions, covered = similarity_predictions(rep, data, oov, fold_case)
    used = covered if oov == "skip" else np.ones(len(data), dtype=bool)
    gold, pred = data.scores[used], predictions[used]
    result = Result(rep.name, data.name, "similarity", "spearman", covered=int(covered.sum()),
                    total=len(data), scored=int(used.sum()), _covered_mask=covered,
                    _values=predictions)
    if not covered.any():
        result.undefined = (f"no pair of {data.name} is covered by {rep.name!r} "
                            f"(coverage 0/{len(data)})")
        return result
    result.score, result.pearson, result.undefined = correlation(gold, pred)
    add_ci(result, data, bootstrap, confidence, seed)
    return result


def add_ci(result, data, bootstrap, confidence=0.95, seed=0, update=None):
    """Set ``result.ci``, the bootstrap interval of its score (if defined and ``bootstrap``),
    resampling the scored pairs or the covered questions; ``update(n)`` counts resamples."""
    if result.score is None or not bootstrap:
        return
    if result.task == "similarity":
        used = np.isfinite(result._values)  # NaN marks exactly the pairs left out (oov="skip")
        result.ci = bootstrap_ci(data.scores[used], result._values[used], bootstrap,
                                 confidence, seed, update)
    else:
        result.ci = _accuracy_ci(result._values[result._covered_mask], bootstrap, confidence,
                                 seed, update)


def _spearman_rows(gold, pred):
    """Spearman's rho of every row pair of two (B, n) arrays, NaN for constant rows."""
    rg = stats.rankdata(gold, axis=1)
    rp = stats.rankdata(pred, axis=1)
    rg -= rg.mean(axis=1, keepdims=True)
    rp -= rp.mean(axis=1, keepdims=True)
    num = (rg * rp).sum(axis=1)
    den = np.sqrt((rg * rg).sum(axis=1) * (rp * rp).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def _resamples(n, bootstrap, seed, update=None):
    """Index arrays of the bootstrap, in chunks of about RESAMPLE_CELLS indices so that memory
    stays bounded whatever B and n; ``update(k)`` after each chunk is used. numpy draws the
    same stream whatever the chunking, so a seed gives the same resamples."""
    rng = np.random.default_rng(seed)
    chunk = max(1, RESAMPLE_CELLS // max(n, 1))
    for start in range(0, bootstrap, chunk):
        size = min(chunk, bootstrap - start)
        yield rng.integers(0, n, size=(size, n))
        if update:
            update(size)


def bootstrap_ci(gold, pred, bootstrap=1000, confidence=0.95, seed=0, update=None):
    """Percentile bootstrap interval of Spearman's rho, resampling pairs (seeded);
    ``update(n)`` is called with the resamples done, chunk by chunk."""
    rhos = np.concatenate([_spearman_rows(gold[i], pred[i])
                           for i in _resamples(len(gold), bootstrap, seed, update)])
    return _interval(rhos, confidence)


def _interval(values, confidence):
    values = values[np.isfinite(values)]
    if not len(values):
        return None
    tail = (1 - confidence) / 2 * 100
    lo, hi = np.percentile(values, [tail, 100 - tail])
    return [float(lo), float(hi)]


# ---- analogy ----------------------------------------------------------------------------------

def analogy_predictions(rep, data, method="add", restrict=DEFAULT_RESTRICT, fold_case=True):
    """Which questions ``rep`` covers and which of those it answers right.

    Candidates are the first ``restrict`` rows. The three question words (and, with case
    folding, every spelling of them) are never an answer. Questions go in batches: one matrix
    product scores a batch against all candidates.

    Returns
    -------
    covered : ndarray of bool
    correct : ndarray of bool
        False where not covered.
    """
    n_q = len(data)
    words = [w for q in data.questions for w in q]
    _, rows = resolve(rep, words, fold_case, limit=restrict)
    rows = rows.reshape(n_q, 4)
    covered = (rows >= 0).all(axis=1)
    correct = np.zeros(n_q, dtype=bool)
    if not covered.any():
        return covered, correct
    n = len(rep) if restrict is None else min(restrict, len(rep))
    canon = _canonical_rows(rep, n, fold_case)
    unit = _unit_rows(rep, n)
    q = rows[covered]
    batch = max(1, BATCH_CELLS // n)
    answers = np.empty(len(q), dtype=np.intp)
    for start in range(0, len(q), batch):
        part = q[start:start + batch]
        scores = _analogy_scores(unit, part, method)
        _exclude(scores, part[:, :3], canon)
        answers[start:start + batch] = scores.argmax(axis=1)
    correct[np.flatnonzero(covered)] = canon[answers] == canon[q[:, 3]]
    return covered, correct


def _canonical_rows(rep, n, fold_case):
    """For each of the first ``n`` rows, the first row with the same (folded) word."""
    canon = np.arange(n)
    if fold_case:
        lookup = _folded_index(rep, n)
        vocab = rep.vocabulary
        canon = np.fromiter((lookup[_fold(vocab[i])] for i in range(n)), np.intp, n)
    return canon


def _unit_rows(rep, n):
    """The first ``n`` rows scaled to unit length (float32; zero rows stay zero)."""
    norms = rep._norms()[:n].astype(np.float32)
    inverse = np.divide(1, norms, out=np.zeros_like(norms), where=norms != 0)
    if rep.kind == "sparse":
        import scipy.sparse as sp
        return sp.csr_array(sp.diags_array(inverse) @ rep._matrix[:n]).astype(np.float32)
    rows = np.asarray(rep._matrix[:n], dtype=np.float32)
    return rows * inverse[:, None]


def _analogy_scores(unit, q, method):
    """Scores (batch x candidates) of every candidate for questions ``q`` (rows a, b, c, d)."""
    if method == "add":
        # cos(x, b - a + c) ranks like x . (b - a + c) for unit x: the query's norm is one
        # positive factor per question.
        query = _take(unit, q[:, 1]) - _take(unit, q[:, 0]) + _take(unit, q[:, 2])
        return _times_transpose(query, unit)
    # 3CosMul: cosines shifted to [0, 1], cos(x, b) cos(x, c) / (cos(x, a) + epsilon).
    cos_a, cos_b, cos_c = ((_times_transpose(_take(unit, q[:, k]), unit) + 1) / 2
                           for k in range(3))
    return cos_b * cos_c / (cos_a + EPSILON)


def _take(unit, ids):
    rows = unit[ids]
    return rows.toarray() if hasattr(rows, "toarray") else rows


def _times_transpose(query, unit):
    if hasattr(unit, "toarray"):
        return np.asarray((unit @ query.T).T)
    return query @ unit.T


def _exclude(scores, question_rows, canon):
    """Set the scores of the question words, in every spelling, to -inf."""
    batch = np.arange(len(scores))[:, None]
    scores[batch, question_rows] = -np.inf
    extra_rows = np.flatnonzero(canon != np.arange(len(canon)))
    if len(extra_rows):
        # Rows that are another spelling of a question word ("Paris" when "paris" was asked).
        hits = (canon[extra_rows][None, None, :] == canon[question_rows][:, :, None]).any(axis=1)
        b, j = np.nonzero(hits)
        scores[b, extra_rows[j]] = -np.inf


def score_analogy(rep, data, method="add", restrict=DEFAULT_RESTRICT, fold_case=True,
                  bootstrap=1000, confidence=0.95, seed=0):
    """A :class:`Result` for ``rep`` on the analogy dataset ``data``."""
    result = Result(rep.name, data.name, "analogy", "accuracy", total=len(data))
    if not isinstance(rep, VectorRepresentation):
        result.undefined = (f"{rep.name!r} has no vectors, and analogies are solved by vector "
                            "arithmetic")
        result._covered_mask = np.zeros(len(data), dtype=bool)
        return result
    covered, correct = analogy_predictions(rep, data, method, restrict, fold_case)
    result.covered = result.scored = int(covered.sum())
    result._covered_mask, result._values = covered, correct
    result.accuracy_all = float(correct.sum() / len(data)) if len(data) else None
    result.sections = _section_table(data, covered, correct)
    result.groups = _group_table(data, covered, correct)
    if not covered.any():
        result.undefined = (f"no question of {data.name} is covered by {rep.name!r} "
                            f"(coverage 0/{len(data)}" +
                            (f", answers restricted to the first {restrict:,} words)"
                             if restrict else ")"))
        return result
    result.score = float(correct[covered].mean())
    add_ci(result, data, bootstrap, confidence, seed)
    return result


def _section_table(data, covered, correct):
    n = len(data.section_names)
    total = np.bincount(data.sections, minlength=n)
    cov = np.bincount(data.sections, weights=covered, minlength=n).astype(int)
    right = np.bincount(data.sections, weights=correct, minlength=n).astype(int)
    return [{"name": name, "correct": int(right[i]), "covered": int(cov[i]),
             "total": int(total[i]), "accuracy": float(right[i] / cov[i]) if cov[i] else None}
            for i, name in enumerate(data.section_names)]


def _group_table(data, covered, correct):
    if not data.groups:
        return []
    out = []
    for group in ("semantic", "syntactic"):
        ids = [i for i, n in enumerate(data.section_names) if data.groups.get(n) == group]
        mask = np.isin(data.sections, ids)
        cov, right = int(covered[mask].sum()), int(correct[mask].sum())
        out.append({"name": group, "correct": right, "covered": cov, "total": int(mask.sum()),
                    "accuracy": right / cov if cov else None})
    return out


def _accuracy_ci(hits, bootstrap, confidence, seed, update=None):
    # Resampling n answers with replacement and counting the right ones is a binomial draw:
    # the same distribution as the pair-resampling bootstrap, without the index arrays.
    rng = np.random.default_rng(seed)
    n = len(hits)
    interval = _interval(rng.binomial(n, hits.mean(), size=bootstrap) / n, confidence)
    if update:
        update(bootstrap)
    return interval


# ---- fair comparison --------------------------------------------------------------------------

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
                entry["ci"] = _accuracy_ci(hits, bootstrap, confidence, seed, update)
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


def _two_sided_p(differences):
    """How often the resampled difference falls on either side of 0, doubled (with the +1
    correction that keeps a p-value from being exactly 0 after finitely many resamples)."""
    differences = differences[np.isfinite(differences)]
    if not len(differences):
        return None
    below = (np.sum(differences <= 0) + 1) / (len(differences) + 1)
    above = (np.sum(differences >= 0) + 1) / (len(differences) + 1)
    return float(min(1.0, 2 * min(below, above)))


def paired_bootstrap_similarity(gold, pred_a, pred_b, bootstrap=1000, seed=0, update=None):
    """rho(a) - rho(b) on the same pairs, and its two-sided paired-bootstrap p-value.

    Both representations are scored on the same resampled pairs each time, so the test sees
    their correlation with each other, not just their two intervals.
    """
    rho_a = stats.spearmanr(gold, pred_a).statistic
    rho_b = stats.spearmanr(gold, pred_b).statistic
    diffs = np.concatenate([_spearman_rows(gold[i], pred_a[i]) - _spearman_rows(gold[i], pred_b[i])
                            for i in _resamples(len(gold), bootstrap, seed, update)])
    return float(rho_a - rho_b), _two_sided_p(diffs)


def paired_bootstrap_accuracy(hits_a, hits_b, bootstrap=1000, seed=0, update=None):
    """accuracy(a) - accuracy(b) on the same questions, and its paired-bootstrap p-value.

    A resample of questions only matters through how many fall in each of the four
    (a right?, b right?) cells: a multinomial draw, without index arrays.
    """
    n = len(hits_a)
    cells = np.array([np.sum(hits_a & ~hits_b), np.sum(~hits_a & hits_b)]) / n
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, [cells[0], cells[1], 1 - cells.sum()], size=bootstrap)
    diffs = (draws[:, 0] - draws[:, 1]) / n
    if update:
        update(bootstrap)
    return float(cells[0] - cells[1]), _two_sided_p(diffs)


# ---- rendering for the command line --------------------------------------------------------------

COLUMNS = ("representation", "dataset", "metric", "score", "ci", "coverage", "common", "note")


def rows(results):
    """Flat rows for tables: one per record, with its score on the common coverage beside it."""
    common = {(c.dataset, name): (c, s) for c in results.comparisons for name, s in c.scores.items()}
    out = []
    for r in results.records:
        c, s = common.get((r.dataset, r.representation), (None, None))
        out.append({
            "representation": r.representation, "dataset": r.dataset, "metric": r.metric,
            "score": r.score, "ci": r.ci, "pearson": r.pearson, "covered": r.covered,
            "total": r.total, "coverage": r.coverage,
            "common_score": s["score"] if s else None,
            "common_items": c.common if c else None,
            "note": r.undefined or "",
        })
    return out


def _fmt(value, digits=3):
    return "—" if value is None else f"{value:.{digits}f}"


def render(results, fmt="table"):
    """``results`` as text: ``table`` (aligned), ``markdown``, ``csv`` or ``json``."""
    if fmt == "json":
        return results.to_json()
    flat = rows(results)
    if fmt == "csv":
        import csv
        import io
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(flat[0]) if flat else ["representation"],
                                lineterminator="\n")
        writer.writeheader()
        for row in flat:
            writer.writerow({k: (json.dumps(v) if isinstance(v, list) else v)
                             for k, v in row.items()})
        return buf.getvalue().rstrip("\n")
    header = ["representation", "dataset", "metric", "score", "95% CI" if
              results.settings.get("confidence") == 0.95 else "CI", "coverage", "common", "note"]
    body = []
    for r in flat:
        ci = f"[{r['ci'][0]:.3f}, {r['ci'][1]:.3f}]" if r["ci"] else "—"
        common = "—" if r["common_items"] is None else \
            f"{_fmt(r['common_score'])} (n={r['common_items']})"
        body.append([r["representation"], r["dataset"], r["metric"],
                     "undefined" if r["score"] is None else f"{r['score']:.3f}", ci,
                     f"{r['covered']}/{r['total']} ({100 * r['coverage']:.0f}%)", common,
                     r["note"]])
    sig = [f"{c.dataset}: {t['a']} vs {t['b']}: difference {t['difference']:+.3f}, "
           f"p = {t['p_value']:.3g} ({t['test']})"
           for c in results.comparisons for t in c.tests if t["p_value"] is not None]
    if fmt == "markdown":
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(str(x).replace("|", "\\|") for x in row) + " |" for row in body]
        if sig:
            lines += [""] + [f"- {s}" for s in sig]
        return "\n".join(lines)
    if fmt != "table":
        raise UserError(f"unknown format {fmt!r}.", "Use table, markdown, csv or json.")
    widths = [max(len(str(x)) for x in col) for col in zip(header, *body)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip()
             for row in [header] + body]
    analogy = [r for r in results.records if r.task == "analogy" and r.sections]
    for r in analogy:
        lines.append("")
        lines.append(f"{r.representation} on {r.dataset} ({r.metric} per section):")
        for s in r.sections + r.groups:
            lines.append(f"  {s['name']:32} {_fmt(s['accuracy'])}  "
                         f"({s['correct']}/{s['covered']} of {s['total']})")
    if sig:
        lines += [""] + sig
    return "\n".join(lines)



class _CallableModule(types.ModuleType):
    """``wordrep.evaluate(reps, datasets)`` works whether ``wordrep.evaluate`` resolves to this
    function or, once anything has imported the submodule, to the module itself."""

    def __call__(self, *args, **kwargs):
        return evaluate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
