"""Scoring representations on benchmarks, and comparing them fairly.

Similarity (:mod:`.similarity`)
    Spearman's rho (the primary score) and Pearson's r between a representation's similarities
    and the gold scores, over the pairs it covers; an explicit OOV policy (``skip`` the pair,
    as gensim does; score it ``zero``, as hyperwords does; or give unknown words the ``mean``
    vector, as word-embeddings-benchmarks does); a seeded bootstrap confidence interval.
Analogy (:mod:`.analogy`)
    3CosAdd and 3CosMul (Levy & Goldberg 2014) with the question words excluded from the
    answers, candidates restricted to the ``restrict`` most frequent words, accuracy per
    section and semantic/syntactic totals. Computed in batches of matrix products.
Fair comparison (:mod:`.comparison`)
    Beside each representation's score on its own coverage, :class:`Comparison` scores all of
    them on the items that all of them cover, and a paired bootstrap gives the p-value of each
    difference.

The other modules: :mod:`.results` (the records and their JSON), :mod:`.settings` (checked up
front), :mod:`.words` (benchmark words -> the model's keys), :mod:`.statistics` (correlations,
bootstrap intervals and tests), :mod:`.scoring` (the entry point, :func:`evaluate`) and
:mod:`.render` (text for the command line).

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
from .analogy import analogy_predictions, score_analogy
from .comparison import compare
from .render import render, rows
from .results import Comparison, Result, Results, json_ready
from .scoring import evaluate, score
from .settings import (ANALOGY_METHODS, DEFAULT_RESTRICT, EPSILON, MAX_BOOTSTRAP, OOV_POLICIES,
                       check_settings)
from .similarity import score_similarity, similarity_predictions
from .statistics import (MIN_PAIRS, add_ci, bootstrap_ci, correlation,
                         paired_bootstrap_accuracy, paired_bootstrap_similarity)
from .words import resolve

__all__ = [
    "ANALOGY_METHODS", "Comparison", "DEFAULT_RESTRICT", "EPSILON", "MAX_BOOTSTRAP", "MIN_PAIRS",
    "OOV_POLICIES", "Result", "Results", "add_ci", "analogy_predictions", "bootstrap_ci",
    "check_settings", "compare", "correlation", "evaluate", "json_ready",
    "paired_bootstrap_accuracy", "paired_bootstrap_similarity", "render", "resolve", "rows",
    "score", "score_analogy", "score_similarity", "similarity_predictions",
]
