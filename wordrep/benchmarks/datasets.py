"""The two kinds of benchmark: word pairs with human scores, and analogy questions.

Both are plain containers: loading is :mod:`~wordrep.benchmarks.loaders`'s job, scoring is
:mod:`wordrep.evaluate`'s. They carry what a report needs to be honest about them: the score
scale, the human agreement figure with its source (or why there is none), and where the data
came from.
"""
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Agreement:
    """How well humans agree with each other on a dataset: the ceiling for any model.

    Parameters
    ----------
    value : float
        The figure as its paper reports it (a correlation).
    kind : str
        What was measured, e.g. ``"average pairwise Spearman"``.
    source : str
        The paper that reports it.
    """
    value: float
    kind: str
    source: str

    def to_dict(self):
        return {"value": self.value, "kind": self.kind, "source": self.source}


@dataclass
class SimilarityDataset:
    """Word pairs with gold similarity scores.

    Parameters
    ----------
    name : str
        Short name used in tables, e.g. ``"simlex999"``.
    pairs : list of (str, str)
        The word pairs, as written in the file (case is folded at evaluation, if asked).
    scores : ndarray of float64
        Gold scores, one per pair.
    scale : (float, float)
        The range the scores are on (0-10, 0-50, ...): the published one for known datasets,
        the observed minimum and maximum for user files.
    agreement : list of Agreement
        Human agreement figures reported by the dataset's paper; empty when none is known.
    agreement_note : str, optional
        Why ``agreement`` is empty, so a report can say so instead of showing nothing.
    source : str
        The file or URL it came from.
    sha256 : str, optional
        Checksum of the file that was read.
    duplicates : int
        Pairs that occur more than once (kept, as the published data has them).
    """
    name: str
    pairs: list
    scores: np.ndarray
    scale: tuple = None
    agreement: list = field(default_factory=list)
    agreement_note: str = None
    source: str = None
    sha256: str = None
    duplicates: int = 0
    licence: str = None
    citation: str = None

    kind = "similarity"

    def __post_init__(self):
        self.scores = np.asarray(self.scores, dtype=np.float64)
        if len(self.pairs) != len(self.scores):
            raise ValueError(f"{len(self.pairs)} pairs but {len(self.scores)} scores")
        if self.scale is None and len(self.scores):
            self.scale = (float(self.scores.min()), float(self.scores.max()))

    def __len__(self):
        return len(self.pairs)

    def __repr__(self):
        return f"<SimilarityDataset {self.name!r}: {len(self)} pairs>"

    def subset(self, index, name=None):
        """A dataset with the pairs at ``index`` (an int array or a boolean mask)."""
        index = np.flatnonzero(index) if np.asarray(index).dtype == bool else np.asarray(index)
        return SimilarityDataset(name or self.name, [self.pairs[i] for i in index],
                                 self.scores[index], self.scale, self.agreement,
                                 self.agreement_note, self.source, self.sha256,
                                 licence=self.licence, citation=self.citation)

    def describe(self):
        """What a Results record keeps about the dataset (JSON-ready)."""
        return {"name": self.name, "kind": self.kind, "size": len(self),
                "scale": list(self.scale) if self.scale else None,
                "agreement": [a.to_dict() for a in self.agreement],
                "agreement_note": self.agreement_note, "source": self.source,
                "sha256": self.sha256, "duplicates": self.duplicates,
                "licence": self.licence, "citation": self.citation}


@dataclass
class AnalogyDataset:
    """Analogy questions ``a : b :: c : d``, grouped in sections.

    Parameters
    ----------
    name : str
    questions : list of (str, str, str, str)
        ``(a, b, c, d)``: the answer to ``a : b :: c : ?`` is ``d``.
    section_names : list of str
        Section names in file order.
    sections : ndarray of int
        The section (index into ``section_names``) of every question.
    groups : dict, optional
        Section name -> ``"semantic"`` or ``"syntactic"``, where the dataset defines it (the
        Google set: sections named ``gram*`` are syntactic).
    """
    name: str
    questions: list
    section_names: list
    sections: np.ndarray
    groups: dict = field(default_factory=dict)
    source: str = None
    sha256: str = None
    licence: str = None
    citation: str = None
    note: str = None

    kind = "analogy"

    def __post_init__(self):
        self.sections = np.asarray(self.sections, dtype=np.intp)
        if len(self.questions) != len(self.sections):
            raise ValueError(f"{len(self.questions)} questions but {len(self.sections)} sections")

    def __len__(self):
        return len(self.questions)

    def __repr__(self):
        return (f"<AnalogyDataset {self.name!r}: {len(self)} questions in "
                f"{len(self.section_names)} sections>")

    def subset(self, index, name=None):
        """A dataset with the questions at ``index`` (an int array or a boolean mask)."""
        index = np.flatnonzero(index) if np.asarray(index).dtype == bool else np.asarray(index)
        return AnalogyDataset(name or self.name, [self.questions[i] for i in index],
                              self.section_names, self.sections[index], self.groups,
                              self.source, self.sha256, self.licence, self.citation, self.note)

    def describe(self):
        return {"name": self.name, "kind": self.kind, "size": len(self),
                "sections": list(self.section_names), "groups": dict(self.groups),
                "source": self.source, "sha256": self.sha256, "licence": self.licence,
                "citation": self.citation, "note": self.note}
