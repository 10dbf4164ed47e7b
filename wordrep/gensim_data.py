"""Files that gensim ships in its test data (the default corpus, the bundled benchmarks),
found without importing gensim, which costs a second of start-up."""
import importlib.util
from pathlib import Path

from .errors import UserError


def gensim_test_file(name):
    """The path of ``name`` in gensim's test data."""
    spec = importlib.util.find_spec("gensim")
    if spec is None:
        raise UserError("gensim is not installed, and wordrep's bundled data come with it.",
                        "pip install gensim")
    path = Path(spec.submodule_search_locations[0]) / "test" / "test_data" / name
    if not path.is_file():
        raise UserError(f"{name} is missing from gensim's test data ({path.parent}).",
                        "Reinstall gensim: pip install --force-reinstall gensim")
    return path
