"""Analogy benchmarks: 3CosAdd and 3CosMul (Levy & Goldberg 2014) in batches of matrix
products, question words excluded from the answers, candidates restricted to the most frequent
words; accuracy per section and semantic/syntactic totals."""
import numpy as np

from ..representations.base import VectorRepresentation
from .results import Result
from .settings import DEFAULT_RESTRICT, EPSILON
from .statistics import accuracy_ci, add_ci
from .words import fold, folded_index, resolve

BATCH_CELLS = 1 << 24  # questions x candidates per matrix product: 64 MB of float32 scores


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
        lookup = folded_index(rep, n)
        vocab = rep.vocabulary
        canon = np.fromiter((lookup[fold(vocab[i])] for i in range(n)), np.intp, n)
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
