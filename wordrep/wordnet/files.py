"""What a WordNet database folder holds, and how to read its files wherever they are.

A folder of Princeton WordNet database files (``data.noun``, ``index.noun``...), or a place in
NLTK's ``wordnet.zip``: the files NLTK's reader needs, the ``lexnames`` table some
distributions lack, the version written in the licence header, and NLTK's data-path sandbox, and
what went wrong reading them, in one line.
"""
import re
from pathlib import Path

# The 45 lexicographer files of WordNet 3.x, as in Princeton's ``lexnames`` (see
# lexnames(5WN)): index, name, and the syntactic category the file holds (1 noun, 2 verb,
# 3 adjective, 4 adverb). NLTK maps each synset's lexicographer file number through it.
LEXNAMES = (
    ("adj.all", 3), ("adj.pert", 3), ("adv.all", 4), ("noun.Tops", 1), ("noun.act", 1),
    ("noun.animal", 1), ("noun.artifact", 1), ("noun.attribute", 1), ("noun.body", 1),
    ("noun.cognition", 1), ("noun.communication", 1), ("noun.event", 1), ("noun.feeling", 1),
    ("noun.food", 1), ("noun.group", 1), ("noun.location", 1), ("noun.motive", 1),
    ("noun.object", 1), ("noun.person", 1), ("noun.phenomenon", 1), ("noun.plant", 1),
    ("noun.possession", 1), ("noun.process", 1), ("noun.quantity", 1), ("noun.relation", 1),
    ("noun.shape", 1), ("noun.state", 1), ("noun.substance", 1), ("noun.time", 1),
    ("verb.body", 2), ("verb.change", 2), ("verb.cognition", 2), ("verb.communication", 2),
    ("verb.competition", 2), ("verb.consumption", 2), ("verb.contact", 2),
    ("verb.creation", 2), ("verb.emotion", 2), ("verb.motion", 2), ("verb.perception", 2),
    ("verb.possession", 2), ("verb.social", 2), ("verb.stative", 2), ("verb.weather", 2),
    ("adj.ppl", 3),
)

# What NLTK's reader opens when it is built (the rest, e.g. cntlist.rev, only on demand):
# a folder without these is not a WordNet database.
REQUIRED_FILES = tuple(f"{kind}.{pos}" for pos in ("noun", "verb", "adj", "adv")
                       for kind in ("index", "data")) \
    + tuple(f"{pos}.exc" for pos in ("noun", "verb", "adj", "adv"))

# The four parts of speech: NLTK's letter and the suffix of their index and data files.
POS_FILES = (("n", "noun"), ("v", "verb"), ("a", "adj"), ("r", "adv"))


def lexnames_text():
    """The contents of a WordNet ``lexnames`` file: ``00\\tadj.all\\t3`` ... ``44\\tadj.ppl\\t3``."""
    return "".join(f"{i:02d}\t{name}\t{pos}\n" for i, (name, pos) in enumerate(LEXNAMES))


def missing_files(directory):
    """The files of :data:`REQUIRED_FILES` that ``directory`` lacks."""
    return [name for name in REQUIRED_FILES if not (directory / name).is_file()]


def database_files(directory):
    """The names of the WordNet database files NLTK knows that ``directory`` holds."""
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    return [name for name in WordNetCorpusReader._FILES if (directory / name).is_file()]


def nltk_ready(directory):
    """Whether NLTK can read ``directory`` in place: every file it reads there, as a real
    file (a symbolic link would lead NLTK out of the data root it was given, which it
    refuses)."""
    files = [directory / "lexnames"] + [directory / name for name in REQUIRED_FILES]
    return all(f.is_file() and not f.is_symlink() for f in files)


def open_bytes(reader_root, name):
    """A file of the WordNet that ``reader_root`` (a folder, or a place in NLTK's zip) holds."""
    if isinstance(reader_root, Path):
        return open(reader_root / name, "rb")
    return reader_root.join(name).open()


def version(reader_root):
    """The WordNet version written in ``data.adj`` (e.g. ``"3.0"``), or ``"unknown"``."""
    try:
        with open_bytes(reader_root, "data.adj") as stream:
            # The version is in the licence header at the top of the file.
            for _, line in zip(range(60), stream):
                match = re.search(rb"WordNet (\d+\.\d+\+?|\d+\+?) Copyright", line)
                if match:
                    return match.group(1).decode("ascii")
    except OSError:
        pass
    return "unknown"


def authorize(directory):
    """Put ``directory`` on NLTK's data path: NLTK reads nothing outside that path."""
    import nltk.data

    entry = str(Path(directory).resolve())
    if entry not in nltk.data.path:
        nltk.data.path.append(entry)


def one_line(value):
    """``value``'s text on one line (NLTK's and the OS's messages may span several)."""
    return " ".join(str(value).split())


def why(exc):
    """An exception in a few words: its type, and its text if it has one (StopIteration has
    none)."""
    text = one_line(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
