"""Where wordrep keeps downloads and caches: ``$WORDREP_HOME``, else ``~/.cache/wordrep``.

What is kept there, and how it stays whole when runs are killed or run side by side, is
described in :mod:`wordrep.cache`.
"""
import os
from pathlib import Path

from .atomic import make_folder


def home():
    """The root folder of wordrep's cache (created on first use)."""
    root = Path(os.environ.get("WORDREP_HOME") or Path.home() / ".cache" / "wordrep")
    _mkdir(root)
    return root


def cache_dir(*parts):
    """A sub-folder of the cache, created on first use."""
    path = home().joinpath(*parts)
    _mkdir(path)
    return path


def _mkdir(path):
    make_folder(path, "cache folder", "Set WORDREP_HOME to a folder you can write to.")
