"""Similarity benchmarks: a representation's score for every pair, under an OOV policy, and
Spearman's rho (with Pearson's r) against the gold scores."""
import numpy as np

from ..errors import UserError
from ..representations.base import VectorRepresentation
from .results import Result
from .statistics import add_ci, correlation
from .words import resolve


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
