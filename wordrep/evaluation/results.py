"""The records of an evaluation: one :class:`Result` per (representation, dataset), one
:class:`Comparison` per dataset, and :class:`Results` holding them with the settings; JSON in
and out."""
import json
import math
from dataclasses import asdict, dataclass, field

import numpy as np

from ..version import __version__


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
        return json.dumps(json_ready(self.to_dict()), indent=indent, ensure_ascii=False,
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



def json_ready(value):
    """NaN and infinities are not JSON: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.generic):
        return json_ready(value.item())
    return value
