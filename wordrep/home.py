"""Where wordrep keeps downloads and caches: ``$WORDREP_HOME``, else ``~/.cache/wordrep``.

What is kept there, and how it stays whole when runs are killed or run side by side, is
described in :mod:`wordrep.cache`.
"""
import os
from pathlib import Path

from .errors import UserError


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
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from .atomic import disk_full_error
        raise disk_full_error(path, exc) or UserError(
            f"cannot create the cache folder {path}: {exc.strerror}.",
            "Set WORDREP_HOME to a folder you can write to.") from None
