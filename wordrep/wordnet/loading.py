"""NLTK's WordNet reader on the located data, built and checked once per process; and what
``wordrep wordnet status`` shows.
"""
import functools
import warnings
from pathlib import Path

from ..errors import UserError
from .checking import DAMAGED_HINT, all_synsets, check, check_files
from .files import why
from .locating import locate

_reader = {"key": None, "reader": None}


def load(location=None):
    """NLTK's WordNet reader on the located data, built once per process.

    Parameters
    ----------
    location : WordNetLocation, optional
        Where to read from; :func:`locate` by default.

    Returns
    -------
    nltk.corpus.reader.wordnet.WordNetCorpusReader

    Examples
    --------
    >>> wn = load()
    >>> wn.synset("dog.n.01").path_similarity(wn.synset("cat.n.01"))
    0.2
    """
    location = location or locate()
    key = (location.source, str(location.reader_root))
    if _reader["key"] != key:
        # Only one reader is kept: each holds a few hundred MB of index.
        _reader["key"], _reader["reader"] = None, None
        _reader["reader"] = _build_reader(location)
        _reader["key"] = key
    return _reader["reader"]


def _build_reader(location):
    root = location.reader_root
    check_files(location)
    try:
        with warnings.catch_warnings():
            # Without the Open Multilingual WordNet NLTK warns on every load; wordrep is English.
            warnings.filterwarnings("ignore", message="The multilingual functions")
            reader = _reader_class()(str(root) if isinstance(root, Path) else root, None)
    # NLTK's reader is a parser of the data files: on damaged ones it asserts, fails to parse
    # (ValueError, WordNetError), runs out of tokens on a cut line (StopIteration) or of terms
    # (IndexError); it refuses (PermissionError) a folder another account can write to.
    except Exception as exc:  # noqa: BLE001
        raise UserError(f"NLTK cannot read the WordNet data in {root} "
                        f"(found via {location.source} in {location.path}): {why(exc)}.",
                        DAMAGED_HINT) from None
    check(reader)
    return reader


@functools.cache
def _reader_class():
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class EnglishWordNetReader(WordNetCorpusReader):
        """NLTK's reader without the sense map to WordNet 3.0 that only multilingual data uses.

        NLTK builds that map on every load by reading ``index.sense`` a second time from
        ``corpora/wordnet`` on its data path: a few seconds wasted, and a LookupError when
        WordNet was found anywhere else (``$WORDREP_WORDNET``, the system's copy).
        """

        def map_wn(self, version="wordnet"):
            if self._omw_reader is None:
                return None
            return super().map_wn(version)

    return EnglishWordNetReader


def status(count_synsets=False):
    """What ``wordrep wordnet status`` shows.

    Parameters
    ----------
    count_synsets : bool
        Also count all synsets (loads WordNet and reads every data file: about 10 s).

    Returns
    -------
    dict
        ``source``, ``path``, ``reader_root``, ``version`` and, when counted, ``synsets``.

    Raises
    ------
    UserError
        When no WordNet is found, or it is damaged: NLTK's reader is loaded and the data
        checked (:func:`check`), as the builders need them.
    """
    location = locate()
    info = {"source": location.source, "path": str(location.path),
            "reader_root": str(location.reader_root), "version": location.version}
    reader = load(location)
    check(reader, complete=True)
    info["data"] = "checked: every file whole, every lemma found in its index"
    if count_synsets:
        info["synsets"] = sum(1 for _ in all_synsets(reader))
    return info
