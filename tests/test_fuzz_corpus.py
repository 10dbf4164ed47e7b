"""Fuzzing the corpus readers (wordrep.corpora: sources, tokenize, token_ids, corpus).

Any bytes, text in mixed encodings with NUL bytes and odd whitespace, damaged gzip/bz2/xz
files, damaged Wikipedia dumps and folders of such files: each is read into a valid corpus or
refused with a UserError naming it. Where the right answer is known (plain text split on
whitespace, an intact compressed file), the corpus must be exactly that. One line of 500 MB is
read in a child process whose peak memory is measured.
"""
import bz2
import gzip
import json
import lzma
import re
import subprocess
import sys
import textwrap

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fuzzing import (mixed_encoding_bytes, mutated, plain_words, read, scratch, words,
                     examples)
from wordrep.corpora import Corpus, Tokenizer, reading

TOKENIZERS = st.builds(Tokenizer, lowercase=st.booleans(), apostrophes=st.booleans(),
                       hyphens=st.booleans(), pretokenized=st.booleans())
AS_IS = Tokenizer(pretokenized=True, lowercase=False)
COMPRESS = {"gzip": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}
SEPARATORS = st.sampled_from([" ", "\t", "  ", " \t ", "\u3000", "\x0b"])
LINE_ENDS = st.sampled_from(["\n", "\r\n", "\n\n"])


@st.composite
def texts(draw, vocabulary=words):
    """Lines of words with awkward separators and line endings."""
    lines = draw(st.lists(st.lists(vocabulary, max_size=12), max_size=12))
    return "".join(draw(SEPARATORS).join(line) + draw(LINE_ENDS) for line in lines)


def read_corpus(reader, path, tokenizer=AS_IS):
    """The sentences of the corpus at ``path``, or None if it was refused (see fuzzing.read)."""
    def call():
        corpus = Corpus(path, tokenizer)
        return corpus, list(corpus)
    got = read(reader, path, call)
    if got is None:
        return None
    corpus, sentences = got
    check_corpus(corpus, sentences, tokenizer)
    return sentences


def check_corpus(corpus, sentences, tokenizer):
    """What every corpus must be: distinct non-empty tokens without whitespace, ids within
    the vocabulary, counts that add up, sentences of 1 to max_sentence tokens."""
    arrays = corpus.token_ids()
    vocab = arrays.vocabulary
    assert len(vocab) >= 1 and len(set(vocab.words)) == len(vocab)
    assert all(isinstance(w, str) and w and not re.search(r"\s", w) for w in vocab.words)
    if tokenizer.lowercase:
        assert all(w == w.lower() for w in vocab.words)
    assert np.all(np.diff(vocab.counts) <= 0) and vocab.counts.min() >= 1
    assert vocab.counts.sum() == arrays.ids.size >= 1
    assert 0 <= arrays.ids.min() and arrays.ids.max() < len(vocab)
    assert all(1 <= len(s) <= corpus.max_sentence for s in sentences)
    assert sum(map(len, sentences)) == arrays.ids.size


def whitespace_split(text):
    """What the pretokenized reader must give: every line's whitespace-separated words."""
    return [line.split() for line in text.split("\n") if line.split()]


def refused_up_front(path):
    """Inputs the reader must refuse: NUL bytes in the first block, a compressed file that
    is not one (a magic number followed by other bytes), or nothing to read."""
    return (b"\x00" in path.read_bytes()[:reading.SNIFF] or reading.compression(path) is not None)


@settings(max_examples=examples(80))
@given(data=st.binary(max_size=4096), tokenizer=TOKENIZERS)
@example(data=b"", tokenizer=AS_IS)
@example(data=b"\x1f", tokenizer=AS_IS)                      # a gzip file cut after one byte
@example(data=b"\xfd7zXZ", tokenizer=AS_IS)                  # an xz file cut inside its magic
@example(data=b"BZh9" + b"\xff" * 40, tokenizer=AS_IS)
def test_any_bytes_are_read_or_refused(data, tokenizer):
    with scratch() as folder:
        path = folder / "corpus.txt"
        path.write_bytes(data)
        read_corpus("corpus: any bytes", path, tokenizer)


@settings(max_examples=examples(80))
@given(data=texts().flatmap(lambda text: mixed_encoding_bytes(text.splitlines(keepends=True))))
@example(data="x\x00y cat\n".encode())
@example(data=b"a " * 5000 + b"x\x00y\n")                  # NUL after the first block: a character
@example(data="déjà vu\n".encode("latin-1") + "déjà vu\n".encode())
@example(data=b"a\tb  c\r\n\r\n\xff\xfe d\n")
def test_text_in_mixed_encodings_splits_on_whitespace(data):
    """Pretokenized reading is whitespace splitting of the text, invalid UTF-8 replaced."""
    with scratch() as folder:
        path = folder / "corpus.txt"
        path.write_bytes(data)
        sentences = read_corpus("corpus: mixed encodings", path)
        expected = whitespace_split(data.decode("utf-8", errors="replace"))
        if refused_up_front(path) or not expected:
            assert sentences is None
        else:
            assert sentences == expected


@settings(max_examples=examples(60))
@given(text=texts(), tokenizer=TOKENIZERS)
def test_tokenizer_settings_give_clean_tokens_from_the_text(text, tokenizer):
    with scratch() as folder:
        path = folder / "corpus.txt"
        path.write_text(text, encoding="utf-8")
        sentences = read_corpus("corpus: tokenizer settings", path, tokenizer)
        if sentences is None:
            return
        seen = text.lower() if tokenizer.lowercase else text
        if tokenizer.apostrophes and not tokenizer.pretokenized:
            seen = seen.replace("’", "'")
        assert all(token in seen for sentence in sentences for token in sentence)


@settings(max_examples=examples(90))
@given(text=texts(plain_words), kind=st.sampled_from(sorted(COMPRESS)), data=st.data())
@example(text="a b\n" * 500, kind="gzip", data=None)
def test_damaged_compressed_files_never_read_as_something_else(text, kind, data):
    """A compressed file read as such gives exactly its text, or a UserError: damage is never
    read as text that was not there (gzip, bz2 and xz all carry checksums)."""
    packed = COMPRESS[kind](text.encode())
    damaged, how = data.draw(mutated(packed)) if data else (packed[:len(packed) // 2], "truncate")
    with scratch() as folder:
        path = folder / {"gzip": "c.gz", "bz2": "c.bz2", "xz": "c.xz"}[kind]
        path.write_bytes(damaged)
        sentences = read_corpus(f"corpus: damaged {kind}", path)
        if sentences is not None and reading.compression(path) == kind:
            assert sentences == whitespace_split(text), how
        if how == "intact":
            assert sentences == (whitespace_split(text) or None)


@settings(max_examples=examples(30))
@given(files=st.lists(st.tuples(texts(plain_words), st.sampled_from(["txt", "gz", "bin"]),
                                st.booleans()), min_size=1, max_size=4))
def test_folders_of_good_damaged_and_binary_files(files):
    with scratch() as folder:
        corpus = folder / "corpus"
        corpus.mkdir()
        for i, (text, kind, damage) in enumerate(files):
            data = {"txt": text.encode(), "gz": gzip.compress(text.encode()),
                    "bin": b"\x89PNG\x00" + text.encode()}[kind]
            (corpus / f"{i}.{kind}").write_bytes(data[:len(data) // 2] if damage else data)
        read_corpus("corpus: folders", corpus)


# -- Wikipedia dumps --------------------------------------------------------------------------

DUMP_NS = "http://www.mediawiki.org/xml/export-0.10/"


def dump(articles):
    pages = "".join(
        f"<page><title>{title}</title><ns>{ns}</ns><id>{i + 1}</id><revision><id>{i + 7}</id>"
        f"<text>{' '.join(body)}</text></revision></page>"
        for i, (title, ns, body) in enumerate(articles))
    return (f'<mediawiki xmlns="{DUMP_NS}"><siteinfo><sitename>W</sitename></siteinfo>'
            f"{pages}</mediawiki>").encode()


ARTICLES = st.lists(st.tuples(st.sampled_from(["Cat", "Dog", "Talk:Cat", "A & B"]),
                              st.sampled_from(["0", "0", "1"]),
                              st.lists(plain_words, min_size=30, max_size=90)),
                    min_size=1, max_size=5)


@settings(max_examples=examples(50))
@given(articles=ARTICLES, damage_xml=st.booleans(), data=st.data())
def test_damaged_wikipedia_dumps(articles, damage_xml, data):
    """An intact dump gives its articles of 50 words or more; a damaged one (XML or bz2)
    reads what it can or ends in a UserError, and never hangs (see test_fuzz_cli)."""
    xml = dump([(t.replace("&", "&amp;"), ns, body) for t, ns, body in articles])
    if damage_xml:
        xml, how = data.draw(mutated(xml))
        packed = bz2.compress(xml)
    else:
        packed, how = data.draw(mutated(bz2.compress(xml)))
    with scratch() as folder:
        path = folder / "dump.xml.bz2"
        path.write_bytes(packed)
        sentences = read_corpus("corpus: wikipedia dumps", path)
        if how == "intact":
            expected = [body for title, ns, body in articles
                        if ns == "0" and len(body) >= 50 and not title.startswith("Talk:")]
            assert sentences == (expected or None)


# -- one line of 500 MB -------------------------------------------------------------------------

# The child's peak memory is its VmHWM: ru_maxrss would also count the parent's pages at the
# fork (Linux carries it over exec), i.e. the whole pytest process.
LONG_LINE_CHILD = textwrap.dedent("""
    import json, re, sys
    from wordrep.corpora import Corpus
    path = sys.argv[1]
    corpus = Corpus(path)
    arrays = corpus.token_ids()
    starts, ends = arrays.sentences(corpus.max_sentence)
    first = next(iter(corpus))
    print(json.dumps({"tokens": int(arrays.ids.size), "types": len(arrays.vocabulary),
                      "lines": int(arrays.lines.size), "pieces": int(starts.size),
                      "first": len(first), "longest": max(map(len, arrays.vocabulary.words)),
                      "peak_mb": int(re.search(r"VmHWM:\\s*(\\d+) kB",
                                               open("/proc/self/status").read())[1]) / 1024}))
""")


def test_one_line_of_500_mb_is_streamed_in_bounded_memory(tmp_path):
    """500 MB without a line break: 250 MB of words (text8-style), then 250 MB without any
    whitespace. Written as repeated gzip members (a few MB on disk, a valid gzip stream); read
    in a child process, whose peak resident memory must stay far below the line's size."""
    words = " ".join(f"{'w' * 90}{i:09d}" for i in range(25_000)) + " "    # 2.5 MB, 100-char words
    solid = "x" * 2_500_000
    path = tmp_path / "line.gz"
    with open(path, "wb") as f:
        f.write(gzip.compress(words.encode(), 1) * 100)
        f.write(gzip.compress(solid.encode(), 1) * 100)
    line_bytes = 100 * (len(words) + len(solid))
    assert line_bytes == 500_000_000
    child = subprocess.run([sys.executable, "-c", LONG_LINE_CHILD, str(path)],
                           capture_output=True, text=True, timeout=300)
    assert child.returncode == 0, child.stderr
    got = json.loads(child.stdout)
    assert got["lines"] == 1 and got["first"] == Corpus.max_sentence
    # 2.5 M words, then the whitespace-free run cut into pieces of at most BLOCK + MAX_CARRY
    assert got["tokens"] > 2_500_000 and got["types"] <= 25_000 + 5
    assert got["longest"] <= reading.BLOCK + reading.MAX_CARRY
    assert got["pieces"] == -(-got["tokens"] // Corpus.max_sentence)
    print(f"500 MB line: {got['tokens']:,} tokens, peak RSS {got['peak_mb']:.0f} MB")
    assert got["peak_mb"] < 300, got
