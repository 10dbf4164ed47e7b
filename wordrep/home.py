"""Where wordrep keeps downloads and caches: ``$WORDREP_HOME``, else ``~/.cache/wordrep``."""
import os
from pathlib import Path


def home():
    """The root folder of wordrep's cache (created on first use)."""
    root = Path(os.environ.get("WORDREP_HOME") or Path.home() / ".cache" / "wordrep")
    root.mkdir(parents=True, exist_ok=True)
    return root


def cache_dir(*parts):
    """A sub-folder of the cache, created on first use."""
    path = home().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
