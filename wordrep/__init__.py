"""wordrep: train word representations and compare them on similarity and analogy benchmarks."""
import os as _os

from .version import __version__  # noqa: F401

# The SVD alternates BLAS calls in this process with sparse products on worker processes.
# After each call OpenBLAS's helper threads spin for 2^28 cycles (~0.1 s) before sleeping,
# taking a core from those workers: the wiki17m SVD ran about 20% slower. Spinning for 2^4
# cycles fixes it. OpenBLAS reads this when it loads, so it only applies when wordrep is
# imported before numpy (always, through the `wordrep` command), and never overrides a choice.
_os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
# numpy asks the kernel for huge pages for its large arrays (madvise). Where the kernel then
# defragments memory on the page fault (Linux's default "defrag = madvise", as here), every
# fresh array of the count path waits for compaction: with a page cache full of corpus files,
# kernel time was about 60% of the CPU on wiki17m, whose count + PPMI took 23.7 s against
# 9.7 s without. The count path streams through its arrays once: huge pages buy it little.
# Read by numpy when it loads: as above, only when wordrep is imported first.
_os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")


# `wordrep.load`, `wordrep.save` and `wordrep.build` without paying for numpy, scipy and gensim
# on `import wordrep` (the CLI's --help and --version stay instant).
_LAZY = {"load": "storage", "save": "storage", "build": "representations",
         "evaluate": "evaluation"}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
