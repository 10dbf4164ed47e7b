"""Find WordNet data, make it readable by NLTK, check it, and load NLTK's WordNet reader on it.

One module per job:

- :mod:`~wordrep.wordnet.locating`: where WordNet is (``$WORDREP_WORDNET``, NLTK's data path,
  the system's folders), :func:`locate`;
- :mod:`~wordrep.wordnet.copying`: the NLTK-ready copy of a folder NLTK cannot read in place
  (Debian's: no ``lexnames``, symbolic links), :func:`copy_nltk_ready`;
- :mod:`~wordrep.wordnet.checking`: whether the data is whole (each load checks it), and
  :func:`all_synsets`, each checked;
- :mod:`~wordrep.wordnet.loading`: NLTK's reader, built once per process, :func:`load`, and
  :func:`status`;
- :mod:`~wordrep.wordnet.installing`: NLTK's downloader, then Debian's packages,
  :func:`install`;
- :mod:`~wordrep.wordnet.files`: what a WordNet database folder holds.

Examples
--------
>>> from wordrep import wordnet
>>> location = wordnet.locate()
>>> location.source in ("WORDREP_WORDNET", "nltk", "system"), location.version
(True, '3.0')
>>> sorted(s.name() for s in wordnet.load().synset("dog.n.01").hypernyms())
['canine.n.02', 'domestic_animal.n.01']
"""
# What the rest of wordrep, the tests and the benchmarks use; the rest is in its module.
from .checking import all_synsets
from .copying import copy_nltk_ready
from .files import REQUIRED_FILES, database_files, lexnames_text
from .installing import install
from .loading import load, status
from .locating import WordNetLocation, locate

__all__ = ["REQUIRED_FILES", "WordNetLocation", "all_synsets", "copy_nltk_ready",
           "database_files", "install", "lexnames_text", "load", "locate", "status"]
