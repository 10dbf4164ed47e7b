"""The entry point: every representation scored on every dataset (:func:`evaluate`), or one on
one (:func:`score`), then the intervals and the fair comparisons under one progress bar."""
import math
import time

from ..benchmarks import default_benchmarks, load_benchmark
from ..errors import UserError
from ..progress import no_progress
from ..representations.base import VectorRepresentation, now_utc
from .analogy import score_analogy
from .comparison import compare
from .results import Results
from .settings import DEFAULT_RESTRICT, check_settings
from .similarity import score_similarity
from .statistics import add_ci


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
