"""Reading on every core (wordrep.corpora.parallel): the same tokens, ids and vocabulary as
reading in one process, for every kind of source; a dead worker, Ctrl-C and damaged input end
in one error, never a hang, and leave no process behind."""
import bz2
import gzip
import lzma
import multiprocessing
import os
import signal

import numpy as np
import pytest

from wordrep.corpora import Corpus, Tokenizer, open_corpus, parallel, reading, sources, token_ids
from wordrep.errors import UserError

RNG = np.random.default_rng(7)
WORDS = ["the", "cat", "Über", "CAFÉ", "don't", "well-known", "42", "naïve", "x_y", "Σίσυφος",
         "a", "b", "mat", "ran", "!", "...", "dog's", "co-op"]


def raw_text(n_lines=2500):
    """Raw text: capitals, punctuation, accents, CRLF, blank lines, lines of every length."""
    return raw_text_from(RNG, n_lines)


def raw_text_from(rng, n_lines):
    lines = []
    for length in rng.integers(0, 60, size=n_lines):
        lines.append(" ".join(rng.choice(WORDS, size=length)))
    text = "\n".join(lines)
    return text.replace("\n\n", "\r\n\n", 50) + "\n"


def text8(n_words=40_000):
    return " ".join(f"w{k}" for k in RNG.zipf(1.3, size=n_words) % 3000)


@pytest.fixture
def tiny(monkeypatch):
    """Pool for any size, ranges and blocks of a few KB: many tasks and many block ends."""
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "RANGE", 3001)
    monkeypatch.setattr(parallel, "SCAN", 64)
    monkeypatch.setattr(parallel, "BZ2_RANGE", 500)
    monkeypatch.setattr(parallel, "SCAN_BZ2", 777)          # stream headers across reads
    monkeypatch.setattr(parallel, "ARTICLES", 2)
    monkeypatch.setattr(reading, "BLOCK", 1000)
    monkeypatch.setattr(parallel, "WORKERS", 3)
    return monkeypatch


def reference(path, tokenizer):
    """The tokens as read before reading went parallel: text blocks, tokenized here."""
    source = sources.Source.from_path(path)
    stats = sources.ReadStats()
    blocks = token_ids.tokenize_blocks(source, tokenizer, stats, lambda n: None)
    return [t for block in blocks for t in block], stats


def read(path, tokenizer, workers):
    parallel.WORKERS = workers
    source = sources.Source.from_path(path)
    stats = sources.ReadStats()
    done = []
    blocks = list(source.token_blocks(tokenizer, stats, done.append))
    assert not multiprocessing.active_children()  # the pool is gone
    return blocks, stats, sum(done)


def ids_of(blocks, folder):
    folder.mkdir()
    n, n_lines, vocab = token_ids.build(iter(blocks), folder)
    return (np.load(folder / "ids.npy"), np.load(folder / "lines.npy"), vocab.words,
            vocab.counts)


def check_same(path, tmp_path, tokenizer=Tokenizer()):
    want, want_stats = reference(path, tokenizer)
    one, one_stats, _ = read(path, tokenizer, 1)
    many, many_stats, done = read(path, tokenizer, 3)
    assert len(many) > 2                                  # it did run in pieces
    assert [t for b in many for t in b] == want == [t for b in one for t in b]
    assert (many_stats.replaced_bytes, many_stats.files) == \
        (want_stats.replaced_bytes, want_stats.files)
    assert done == sources.Source.from_path(path).size   # progress adds up to the corpus
    a, b = ids_of(one, tmp_path / "one"), ids_of(many, tmp_path / "many")
    for x, y in zip(a, b):
        assert np.array_equal(x, y)
    return want


# -- identical output ----------------------------------------------------------------------------

@pytest.mark.parametrize("tokenizer", [Tokenizer(), Tokenizer(pretokenized=True),
                                       Tokenizer(hyphens=True, lowercase=False)])
def test_plain_file_in_ranges_gives_the_same_tokens_and_ids(tiny, tmp_path, tokenizer):
    path = tmp_path / "c.txt"
    path.write_bytes(raw_text().encode() + b"bad \xff\xfe utf-8 \xe2\x82\nend")  # no final \n
    assert check_same(path, tmp_path, tokenizer)[-2:] == ["end", "\n"]
    assert len(parallel._range_bounds(path)) > 20


def test_one_line_file_splits_at_spaces(tiny, tmp_path):
    path = tmp_path / "text8"
    path.write_text(text8())
    bounds = parallel._range_bounds(path)
    data = path.read_bytes()
    assert len(bounds) > 20 and all(data[b - 1:b] == b" " for b in bounds[1:-1])
    check_same(path, tmp_path)


def test_words_longer_than_the_carry_are_cut_where_one_process_cuts_them(tiny, tmp_path):
    # runs without whitespace longer than MAX_CARRY, across range and block ends
    tiny.setattr(reading, "MAX_CARRY", 700)
    pieces = [text8(300), "y" * 2500, text8(200), "z" * 1700 + "é" * 900, "\n", text8(500)]
    path = tmp_path / "long.txt"
    path.write_text(" ".join(pieces))
    tokens = check_same(path, tmp_path, Tokenizer(pretokenized=True))
    assert max(map(len, tokens)) < 2500                   # the runs were cut


@pytest.mark.parametrize("opener", [gzip.open, bz2.open, lzma.open])
def test_compressed_files_give_the_same_tokens_and_ids(tiny, tmp_path, opener):
    path = tmp_path / "c.z"
    with opener(path, "wb") as f:
        f.write(raw_text().encode())
    check_same(path, tmp_path)


def test_multistream_bz2_is_decompressed_by_the_workers(tiny, tmp_path):
    text = raw_text(4000).encode()
    pieces = [text[i:i + 7000] for i in range(0, len(text), 7000)]  # streams cut mid-word
    path = tmp_path / "multi.bz2"
    path.write_bytes(b"".join(bz2.compress(p) for p in pieces))
    bounds = list(parallel._bz2_bounds(path))
    assert bounds is not None and len(bounds) > 5
    check_same(path, tmp_path)


def test_folder_gives_the_same_tokens_and_ids(tiny, tmp_path):
    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(raw_text(800))
    (folder / "b.txt").write_text("")
    (folder / "c.txt").write_text("no line break at the end")
    with gzip.open(folder / "sub" / "d.gz", "wb") as f:
        f.write(raw_text(600).encode())
    (folder / "sub" / "e.txt").write_text(text8(5000))
    check_same(folder, tmp_path)


def page(i, title, words):
    return (f"<page><title>{title}</title><ns>0</ns><id>{i}</id><revision><id>{i + 7}</id>"
            f"<text>'''{title}''' is [[a link|linked]] {{{{cite|x}}}} {' '.join(words)}"
            f"</text></revision></page>")


def wiki_dump(path, n_pages=60, per_stream=None):
    """A MediaWiki dump; with per_stream, a multistream one as Wikipedia publishes: the
    header, then ``per_stream`` pages a stream, then the footer, each its own bz2 stream."""
    head = ('<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/">'
            "<siteinfo><sitename>W</sitename></siteinfo>")
    pages = [page(i + 1, f"Title {i}" if i % 9 else f"Talk:T{i}",
                  RNG.choice(WORDS, size=int(RNG.integers(20, 200)))) for i in range(n_pages)]
    parts = [head] + ["".join(pages[i:i + (per_stream or n_pages)])
                      for i in range(0, n_pages, per_stream or n_pages)] + ["</mediawiki>"]
    if per_stream:
        path.write_bytes(b"".join(bz2.compress(p.encode()) for p in parts))
    else:
        path.write_bytes(bz2.compress("".join(parts).encode()))
    return path


@pytest.mark.parametrize("per_stream", [None, 5])
def test_wikipedia_dump_gives_the_same_tokens_and_ids(tiny, tmp_path, per_stream):
    path = wiki_dump(tmp_path / "dump.xml.bz2", per_stream=per_stream)
    assert sources.Source.from_path(path).kind == "wikipedia"
    assert (parallel._bz2_bounds(path) is not None) == bool(per_stream)
    tokens = check_same(path, tmp_path)
    assert tokens.count("\n") > 20                        # articles kept, one line each


def test_gensims_sample_dump_gives_the_same_tokens(tiny):
    tiny.setattr(parallel, "ARTICLES", 20)
    corpus = open_corpus("enwiki-sample")
    want, _ = reference(corpus.source.path, corpus.tokenizer)
    many, _, _ = read(corpus.source.path, corpus.tokenizer, 2)
    assert [t for b in many for t in b] == want and len(want) > 400_000


def test_small_corpora_are_read_in_this_process(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "WORKERS", 2)
    path = tmp_path / "c.txt"
    path.write_text(raw_text(100))
    assert sources.Source.from_path(path).size < parallel.MIN_BYTES

    def no_pool(n):
        raise AssertionError("a pool was started for a small corpus")
    monkeypatch.setattr(parallel, "_pool", no_pool)
    blocks = list(sources.Source.from_path(path).token_blocks(Tokenizer(), sources.ReadStats()))
    assert [t for b in blocks for t in b] == reference(path, Tokenizer())[0]


# -- faults ----------------------------------------------------------------------------------------

def test_a_worker_killed_mid_read_is_one_clear_error(tiny, tmp_path):
    path = tmp_path / "c.txt"
    path.write_text(raw_text(4000))
    parallel.WORKERS = 2
    blocks = sources.Source.from_path(path).token_blocks(Tokenizer(), sources.ReadStats())
    next(blocks)                                  # reading has begun, many ranges to go
    os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)
    with pytest.raises(UserError, match=r"a process reading .*c\.txt stopped unexpectedly"):
        list(blocks)
    assert not multiprocessing.active_children()


def test_a_worker_killed_while_a_dump_is_parsed_is_one_clear_error(tiny, tmp_path):
    path = wiki_dump(tmp_path / "dump.xml.bz2", n_pages=200)
    parallel.WORKERS = 2
    blocks = sources.Source.from_path(path).token_blocks(Tokenizer(), sources.ReadStats())
    next(blocks)
    os.kill(multiprocessing.active_children()[-1].pid, signal.SIGKILL)
    with pytest.raises(UserError, match=r"dump\.xml\.bz2 stopped unexpectedly"):
        list(blocks)
    assert not multiprocessing.active_children()


def test_ctrl_c_stops_the_workers(tiny, tmp_path, sigint_raises):
    path = tmp_path / "c.txt"
    path.write_text(raw_text(4000))

    def count(interrupt_at):
        # as a command reads: the blocks live in this frame, which Ctrl-C unwinds
        for i, _ in enumerate(sources.Source.from_path(path).token_blocks(
                Tokenizer(pretokenized=True), sources.ReadStats())):
            assert len(multiprocessing.active_children()) == 3
            if i == interrupt_at:
                os.kill(os.getpid(), signal.SIGINT)
    for interrupt_at in (0, 5):
        try:
            count(interrupt_at)
        except KeyboardInterrupt:
            pass
        else:
            raise AssertionError("no KeyboardInterrupt")
        assert not multiprocessing.active_children()


def test_a_consumer_that_stops_early_leaves_no_worker(tiny, tmp_path):
    path = tmp_path / "c.txt"
    path.write_text(raw_text(4000))
    blocks = sources.Source.from_path(path).token_blocks(Tokenizer(), sources.ReadStats())
    next(blocks)
    blocks.close()
    assert not multiprocessing.active_children()


def test_a_stopped_read_leaves_the_children_it_did_not_fork(tiny, tmp_path):
    """A Dask worker that its nanny restarts while this process reads (spawned, as Dask's
    are) is not one of the reading pool's workers: stopping the read leaves it running."""
    path = tmp_path / "c.txt"
    path.write_text(raw_text(4000))
    blocks = sources.Source.from_path(path).token_blocks(Tokenizer(), sources.ReadStats())
    next(blocks)
    other = multiprocessing.get_context("spawn").Process(target=signal.pause, daemon=True)
    other.start()
    try:
        blocks.close()
        assert multiprocessing.active_children() == [other] and other.is_alive()
    finally:
        other.kill()
        other.join()


def damaged(path, data):
    path.write_bytes(data)
    return path


def multistream(text, damage_at=None, compress=bz2.compress):
    streams = [compress(text[i:i + 5000]) for i in range(0, len(text), 5000)]
    if damage_at is not None:
        s = bytearray(streams[damage_at])
        s[len(s) // 2:len(s) // 2 + 8] = b"\x00" * 8
        streams[damage_at] = bytes(s)
    return b"".join(streams)


@pytest.mark.parametrize("name,make", [
    ("trunc.gz", lambda t: gzip.compress(t)[:-3000]),
    ("trunc.xz", lambda t: lzma.compress(t)[:-3000]),
    ("trunc.bz2", lambda t: bz2.compress(t)[:-3000]),
    ("mid.bz2", lambda t: multistream(t, damage_at=4)),
    ("last.bz2", lambda t: multistream(t)[:-100]),
])
def test_a_damaged_compressed_file_is_one_error(tiny, tmp_path, name, make):
    path = damaged(tmp_path / name, make(raw_text(3000).encode()))
    # (a bzip2 file of one block fails when the source is opened, others as they are read)
    one_error_on_every_path(path, rf"cannot read .*{name}: it is not a valid")


def one_error_on_every_path(path, message):
    """Reading ``path`` in this process and with 3 workers: one UserError matching
    ``message``, no worker left."""
    for workers in (1, 3):
        parallel.WORKERS = workers
        with pytest.raises(UserError, match=message):
            list(sources.Source.from_path(path).token_blocks(Tokenizer(), sources.ReadStats()))
        assert not multiprocessing.active_children()


@pytest.mark.parametrize("compress", [bz2.compress, lzma.compress], ids=["bz2", "xz"])
@pytest.mark.parametrize("where", ["middle", "next to last"])
def test_a_damaged_stream_that_fails_as_it_begins_is_not_taken_for_the_end(tiny, tmp_path,
                                                                            compress, where):
    """Python's BZ2File and LZMAFile stop without a word at a stream that fails in its first
    bytes, taken for trailing garbage: this file (96 streams, the fifth damaged) read as its
    first 4 streams, 4% of it, before wordrep read them itself."""
    text = raw_text_from(np.random.default_rng(24), 3000).encode()
    streams = -(-len(text) // 5000)
    path = damaged(tmp_path / "mid.compressed", multistream(
        text, damage_at=4 if where == "middle" else streams - 2, compress=compress))
    one_error_on_every_path(path, r"cannot read .*mid.compressed: it is not a valid")


@pytest.mark.parametrize("compress", [bz2.compress, lzma.compress], ids=["bz2", "xz"])
def test_bytes_after_the_last_stream_that_begin_no_stream_are_ignored(tiny, tmp_path,
                                                                     compress):
    text = raw_text_from(np.random.default_rng(3), 3000).encode()
    clean = damaged(tmp_path / "clean.compressed", multistream(text, compress=compress))
    padded = damaged(tmp_path / "padded.compressed",
                     multistream(text, compress=compress) + b"\0" * 12 + b"signed: me\n")
    want = [t for b in read(clean, Tokenizer(), 1)[0] for t in b]
    assert len(want) > 10_000
    for workers in (1, 3):
        assert [t for b in read(padded, Tokenizer(), workers)[0] for t in b] == want


@pytest.mark.parametrize("per_stream", [None, 5])
def test_a_damaged_dump_is_one_error(tiny, tmp_path, per_stream):
    good = wiki_dump(tmp_path / "good.xml.bz2", per_stream=per_stream)
    xml = bz2.decompress(good.read_bytes())
    cut = xml.index(b"<page>", len(xml) // 2) + 30     # a page cut in its title
    path = damaged(tmp_path / "dump.xml.bz2", bz2.compress(xml[:cut]))
    for workers in (1, 3):
        parallel.WORKERS = workers
        blocks = sources.Source.from_path(path).token_blocks(Tokenizer(), sources.ReadStats())
        with pytest.raises(UserError, match="not a complete MediaWiki XML dump"):
            list(blocks)
        assert not multiprocessing.active_children()


def test_a_dump_with_a_damaged_stream_is_named_as_such(tiny, tmp_path):
    """A multistream dump whose seventh stream fails as it begins: the damage is named, not
    taken for the end of the dump (which the XML would then call incomplete)."""
    good = wiki_dump(tmp_path / "good.xml.bz2", per_stream=5).read_bytes()
    starts = [m.start() for m in parallel._BZ2_STREAM.finditer(good)]
    data = bytearray(good)
    data[starts[6] + 10:starts[6] + 18] = b"\0" * 8  # its first block's header
    path = damaged(tmp_path / "dump.xml.bz2", bytes(data))
    one_error_on_every_path(path, r"dump\.xml\.bz2: it is not a valid bz2 file")


def test_the_corpus_fingerprint_does_not_depend_on_the_workers(tiny, tmp_path):
    path = tmp_path / "c.txt"
    path.write_text(raw_text(300))
    parallel.WORKERS = 1
    one = Corpus(path).fingerprint
    parallel.WORKERS = 3
    assert Corpus(path).fingerprint == one
