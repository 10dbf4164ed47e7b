"""wordrep: train word representations and compare them on similarity and analogy benchmarks."""
import os as _os

from .version import __version__  # noqa: F401

# The SVD alternates BLAS calls in this process with sparse products on worker processes.
# After each call OpenBLAS's helper threads spin for 2^28 cycles (~0.1 s) before sleeping,
# taking a core from those workers: the wiki17m SVD ran about 20% slower. Spinning for 2^4
# cycles fixes it. OpenBLAS reads this when it loads, so it only applies when wordrep is
# imported before numpy (always, through the `wordrep` command), and never overrides a choice.
_os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")


# `wordrep.load`, `wordrep.save` and `wordrep.build` without paying for numpy, scipy and gensim
# on `import wordrep` (the CLI's --help and --version stay instant).
_LAZY = {"load": "storage", "save": "storage", "build": "representations",
         "evaluate": "evaluation"}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
