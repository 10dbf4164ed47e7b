"""wordrep: train word representations and compare them on similarity and analogy benchmarks."""
__version__ = "0.1.0"


# `wordrep.load`, `wordrep.save` and `wordrep.build` without paying for numpy, scipy and gensim
# on `import wordrep` (the CLI's --help and --version stay instant).
_LAZY = {"load": "storage", "save": "storage", "build": "representations",
         "evaluate": "evaluate"}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
