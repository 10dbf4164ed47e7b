"""Benchmark datasets: word similarity pairs and analogy questions.

Bundled (gensim ships them, so every install has them): ``wordsim353``, ``simlex999``,
``google``. Named downloads (``wordrep benchmarks list``): MEN, SimVerb-3500, Rare Words,
MTurk-771, RG-65, MC-30, the WordSim-353 similarity and relatedness splits, MSR, BATS. Any
file in one of the formats of :mod:`~wordrep.benchmarks.loaders`.

Examples
--------
>>> data = load_benchmark("simlex999")
>>> len(data), data.scale, data.agreement[0].value
(999, (0.0, 10.0), 0.67)
"""
from pathlib import Path

from ..errors import UserError
from .datasets import Agreement, AnalogyDataset, SimilarityDataset
from .loaders import read_analogy, read_similarity, sniff_kind
from .named import BUNDLED, benchmarks, fetch_benchmark, is_available


def load_benchmark(spec, fetch_missing=True, progress=None, allow_unverified=False):
    """A dataset from a registered name, a file path, or a dataset object (returned as is).

    A registered name wins over a file of the same name; write ``./name`` for the file.

    Raises
    ------
    UserError
        Neither a known name nor an existing file (the message lists the names).
    """
    if isinstance(spec, (SimilarityDataset, AnalogyDataset)):
        return spec
    key = str(spec)
    if key in benchmarks:
        return benchmarks.get(key).func(fetch_missing=fetch_missing, progress=progress,
                                        allow_unverified=allow_unverified)
    path = Path(key)
    if not path.exists():
        names = ", ".join(benchmarks.names())
        raise UserError(f"{key!r} is neither a benchmark name nor an existing file.",
                        f"Known names: {names}.")
    if sniff_kind(path) == "analogy":
        return read_analogy(path)
    return read_similarity(path)


def default_benchmarks():
    """The bundled datasets: what a fresh install evaluates on."""
    return [load_benchmark(name) for name in BUNDLED]


__all__ = ["Agreement", "AnalogyDataset", "SimilarityDataset", "benchmarks", "load_benchmark",
           "default_benchmarks", "read_similarity", "read_analogy", "fetch_benchmark",
           "is_available", "BUNDLED"]
