"""Whether WordNet data is whole: a copy or download cut short, a full disk, a damaged file.

Each error here is one :class:`~wordrep.errors.UserError` that names the file and what is
wrong with it (:func:`damaged`), with the way to reinstall.
"""
import os
import warnings

from ..errors import UserError
from .files import POS_FILES, REQUIRED_FILES, open_bytes, why

SAMPLE_SYNSETS = 200   # per part of speech, spread over its data file, checked when loading

DAMAGED_HINT = ("Reinstall WordNet (`wordrep wordnet install --force`), or delete that folder "
                "if it is a copy in wordrep's cache, and try again.")


def damaged(root, detail):
    """The error for WordNet data that cannot be used: ``detail`` says what is wrong.

    ``root`` is the folder, or NLTK's pointer to it (``reader.root``) or into its zip file.
    """
    return UserError(f"damaged WordNet data in {getattr(root, 'path', root)}: {detail}.",
                     DAMAGED_HINT)


def check_files(location):
    """Every file NLTK's reader reads ends with a line end: a copy or download cut short, or
    a full disk, leaves a file that stops within a line."""
    for name in ("lexnames", *REQUIRED_FILES):
        try:
            with open_bytes(location.reader_root, name) as stream:
                end = stream.seek(0, os.SEEK_END)
                whole = end > 0 and stream.seek(-1, os.SEEK_END) >= 0 and stream.read(1) == b"\n"
        except (OSError, KeyError) as exc:  # KeyError: not in NLTK's zip file
            raise damaged(location.reader_root, f"cannot read {name} ({why(exc)})") from None
        if not whole:
            raise damaged(location.reader_root,
                          f"{name} is cut short (it does not end with a line end)")


def check(reader, complete=False):
    """Raise a :class:`UserError` unless the data ``reader`` reads looks whole.

    A file cut at a line end still parses: a cut data file then ends before synsets its
    index names, and a cut index file lacks its alphabetically last lemmas. So the last
    synset each index names must be in its data file, and a sample of synsets spread over
    each data file must parse and be found again by looking up each of their lemmas: about
    0.4 s, done once per loaded reader. With ``complete``, every lemma of every synset line
    is looked up (about a second more; ``wordrep wordnet status`` does it).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NLTK warns on each offset it finds nothing at
        try:
            last = _last_offsets(reader)
            for pos, name in POS_FILES:
                _check_part_of_speech(reader, pos, name, last.get(pos))
                if complete:
                    _check_every_lemma(reader, pos, name)
        except UserError:
            raise
        except Exception as exc:  # noqa: BLE001  (NLTK's parser's many ways to fail on bad data)
            raise damaged(reader.root, f"NLTK cannot parse it ({why(exc)})") from None


def check_indexed(reader, synset):
    """Raise a :class:`UserError` unless looking up each lemma of ``synset`` finds it."""
    pos = "a" if synset._pos == "s" else synset._pos
    for lemma in synset._lemma_names:
        if synset._offset not in reader._lemma_pos_offset_map.get(lemma.lower(), {}).get(pos, ()):
            name = dict(POS_FILES)[pos]
            raise damaged(reader.root, f"index.{name} lacks {lemma!r} of synset {synset._offset} "
                                  "(it is cut short or damaged)")


def _last_offsets(reader):
    """The largest synset offset the index files name, for each part of speech."""
    last = {}
    for forms in reader._lemma_pos_offset_map.values():
        for pos, offsets in forms.items():
            if offsets:
                last[pos] = max(last.get(pos, 0), max(offsets))
    return last


def _check_part_of_speech(reader, pos, name, last):
    if last is None or reader.synset_from_pos_and_offset(pos, last) is None:
        raise damaged(reader.root, f"data.{name} is cut short (it ends before synset {last}, "
                              f"which index.{name} names)")
    for offset in _sample_offsets(reader, name, SAMPLE_SYNSETS):
        try:
            synset = reader.synset_from_pos_and_offset(pos, offset)
        except KeyError:  # NLTK names a synset after its first lemma's entry in the index
            raise damaged(reader.root, f"index.{name} lacks the lemmas of synset {offset} "
                                  "(it is cut short or damaged)") from None
        if synset is None:
            raise damaged(reader.root, f"data.{name} has no whole synset line at byte {offset}")
        check_indexed(reader, synset)


def _check_every_lemma(reader, pos, name):
    """Each synset line of ``data.<name>`` starts at its own offset, and looking up each of
    its lemmas finds it. Read from the file's bytes: NLTK would build each synset."""
    lookup = reader._lemma_pos_offset_map
    with reader.root.join(f"data.{name}").open() as stream:
        at = 0
        for line in stream:
            if not line[:1].isspace():   # the licence header
                # offset, lexicographer file, pos, lemma count (hex), then lemma, lex id...
                offset, _, _, count, rest = line.split(b" ", 4)
                if int(offset) != at:
                    raise damaged(reader.root, f"data.{name} has a line at byte {at} that "
                                               f"says it is at {int(offset)}")
                n = int(count, 16)
                for lemma in rest.split(b" ", 2 * n)[:2 * n:2]:
                    # without an adjective's syntactic marker, as NLTK reads it: "big(a)"
                    word = lemma.split(b"(")[0].decode("utf-8").lower()
                    if at not in lookup.get(word, {}).get(pos, ()):
                        raise damaged(reader.root, f"index.{name} lacks {word!r} of synset "
                                                   f"{at} (it is cut short or damaged)")
            at += len(line)


def _sample_offsets(reader, name, n):
    """The offsets of about ``n`` synset lines spread evenly over ``data.<name>``."""
    offsets = []
    with reader.root.join(f"data.{name}").open() as stream:
        size = stream.seek(0, os.SEEK_END)
        for k in range(n):
            stream.seek(size * k // n)
            stream.readline()  # the rest of the line the position fell in
            offset, line = stream.tell(), stream.readline()
            if line and not line[:1].isspace():  # not the licence header, not past the end
                offsets.append(offset)
    return sorted(set(offsets))


def all_synsets(reader):
    """Every synset of ``reader``, each checked by :func:`check_indexed`.

    Raises
    ------
    UserError
        When a data file cannot be parsed or a lemma is missing from its index.
    """
    try:
        for synset in reader.all_synsets():
            check_indexed(reader, synset)
            yield synset
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001  (NLTK's parser's many ways to fail on bad data)
        raise damaged(reader.root, f"NLTK cannot parse it ({why(exc)})") from None
