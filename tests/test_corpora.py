"""Corpora: readers, tokenizer, vocabulary, token-id cache, named corpora, bad input."""
import bz2
import gzip
import hashlib
import json
import lzma
import os
import time
import zipfile
from dataclasses import replace

import pytest
from click.testing import CliRunner

from wordrep.cli import main
from wordrep.corpora import (Corpus, Tokenizer, Vocabulary, corpora, named, open_corpus, reading,
                             sources)
from wordrep.errors import UserError
from wordrep.home import home

TEXT = ("The cat sat on the mat.\n"
        "The dog didn't sit; a well-known dog ran!\n"
        "\n"
        "Über-cool CAFÉ 42 times\n")


def write(path, text, opener=open):
    with opener(path, "wb") as f:
        f.write(text.encode("utf-8"))
    return path


def sentences(path, **kw):
    return list(Corpus(path, Tokenizer(**kw)))


# -- tokenizer ----------------------------------------------------------------------------------

def test_default_tokenizer_keeps_letters_digits_and_inner_apostrophes():
    assert Tokenizer().tokens("Don’t stop: 3 well-known Über_cafés!") == \
        ["don't", "stop", "3", "well", "known", "über", "cafés"]


def test_tokenizer_options():
    assert Tokenizer(hyphens=True).tokens("a well-known -x- case") == ["a", "well-known", "x", "case"]
    assert Tokenizer(apostrophes=False).tokens("don't") == ["don", "t"]
    assert Tokenizer(lowercase=False).tokens("New York") == ["New", "York"]
    assert Tokenizer(pretokenized=True, lowercase=False).tokens("A b.c  d,\te") == ["A", "b.c", "d,", "e"]


# -- readers ------------------------------------------------------------------------------------

def test_plain_file_lines_are_sentences(tmp_path):
    got = sentences(write(tmp_path / "c.txt", TEXT))
    assert got == [["the", "cat", "sat", "on", "the", "mat"],
                   ["the", "dog", "didn't", "sit", "a", "well", "known", "dog", "ran"],
                   ["über", "cool", "café", "42", "times"]]


@pytest.mark.parametrize("suffix,opener", [(".gz", gzip.open), (".bz2", bz2.open),
                                           (".xz", lzma.open), (".data", gzip.open)])
def test_compressed_files_read_transparently(tmp_path, suffix, opener):
    plain = sentences(write(tmp_path / "c.txt", TEXT))
    assert sentences(write(tmp_path / f"c{suffix}", TEXT, opener)) == plain


def test_text8_style_line_is_cut_into_pseudo_sentences_across_small_blocks(tmp_path, monkeypatch):
    words = [f"w{i % 997}" for i in range(25_000)]
    path = write(tmp_path / "text8", " ".join(words))          # one line, no newline at the end
    monkeypatch.setattr(reading, "BLOCK", 1000)                # force many block boundaries
    got = sentences(path)
    assert [len(s) for s in got] == [10_000, 10_000, 5_000]
    assert sum(got, []) == words


def test_windows_line_endings_and_blank_lines(tmp_path):
    got = sentences(write(tmp_path / "c.txt", "a b\r\n\r\nc d\r\n"))
    assert got == [["a", "b"], ["c", "d"]]


def test_folder_reads_text_files_in_order_skipping_hidden_and_binary(tmp_path):
    (tmp_path / "sub").mkdir()
    write(tmp_path / "b.txt", "second file\n")
    write(tmp_path / "a.txt", "first file\n")
    write(tmp_path / "sub" / "c.gz", "third file\n", gzip.open)
    write(tmp_path / ".hidden.txt", "never read\n")
    (tmp_path / "image.bin").write_bytes(b"\x89PNG\x00\x00\x01")
    assert sentences(tmp_path) == [["first", "file"], ["second", "file"], ["third", "file"]]


def test_wikipedia_dump_through_gensim():
    corpus = open_corpus("enwiki-sample")
    assert corpus.source.kind == "wikipedia"
    first = next(iter(corpus))
    assert first[:4] == ["anarchism", "is", "a", "political"]
    stats = corpus.statistics()
    assert 400_000 < stats["tokens"] < 600_000 and stats["sentences"] > 50


def test_iteration_gives_every_sentence_in_order_past_one_slice_of_offsets(tmp_path,
                                                                             wordrep_home):
    # 70,000 lines: more than the 65,536 sentences whose offsets become Python ints at once
    path = tmp_path / "many.txt"
    lines = [[f"w{i % 7}", f"v{i % 13}"] + ["x"] * (i % 3) for i in range(70_000)]
    path.write_text("".join(" ".join(line) + "\n" for line in lines))
    assert list(Corpus(path)) == lines


def test_invalid_utf8_is_replaced_and_counted(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good words \xff\xfe here\nmore \xc3 text\n")
    corpus = Corpus(path)
    assert corpus.statistics()["replaced_bytes"] == 3
    assert list(corpus) == [["good", "words", "here"], ["more", "text"]]


# -- vocabulary and the token-id cache ----------------------------------------------------------

def test_vocabulary_order_counts_and_trim(tmp_path):
    corpus = Corpus(write(tmp_path / "c.txt", "b a c b a b d\n"))
    vocab = corpus.vocabulary(min_count=1)
    assert vocab.words == ["b", "a", "c", "d"] and vocab.counts.tolist() == [3, 2, 1, 1]
    assert corpus.vocabulary(min_count=2).words == ["b", "a"]
    assert corpus.vocabulary(min_count=1, max_vocab=3).words == ["b", "a", "c"]
    ids = corpus.token_ids().ids
    assert [vocab.words[i] for i in ids] == "b a c b a b d".split()


def test_min_count_must_be_positive(tmp_path):
    corpus = Corpus(write(tmp_path / "c.txt", "a b\n"))
    with pytest.raises(UserError, match="min_count"):
        corpus.vocabulary(min_count=0)


def test_second_open_uses_the_cache_without_reading_the_text(tmp_path, monkeypatch):
    path = write(tmp_path / "c.txt", TEXT)
    first = Corpus(path).statistics()

    def no_reading(*a, **k):
        raise AssertionError("the source was read again")
    monkeypatch.setattr(sources.Source, "text_blocks", no_reading)
    again = Corpus(path)
    assert again.statistics() == first
    assert list(again)[0][:3] == ["the", "cat", "sat"]


def test_fingerprint_depends_on_content_and_tokenizer(tmp_path):
    path = write(tmp_path / "c.txt", TEXT)
    base = Corpus(path).fingerprint
    assert Corpus(path, Tokenizer(hyphens=True)).fingerprint != base
    write(path, TEXT + "more\n")
    assert Corpus(path).fingerprint != base


def test_damaged_cache_is_rebuilt(tmp_path):
    path = write(tmp_path / "c.txt", TEXT)
    corpus = Corpus(path)
    corpus.token_ids()
    (corpus.cache_folder / "ids.npy").write_bytes(b"garbage")
    assert Corpus(path).statistics()["tokens"] == 20


def edit_in_place_keeping_mtime(path, old, new):
    """Replace ``old`` by ``new`` (same length) in the file's own bytes and set its times back,
    as ``dd conv=notrunc`` then ``touch -r`` do: only the inode change time shows the edit."""
    before = path.stat()
    data = path.read_bytes()
    assert len(old) == len(new) and old in data
    with open(path, "r+b") as f:
        f.write(data.replace(old, new))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    while path.stat().st_ctime_ns == before.st_ctime_ns:   # within the clock's tick
        time.sleep(0.01)
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == \
        (before.st_size, before.st_mtime_ns, before.st_ino)


@pytest.mark.parametrize("layout", ["file", "folder"])
def test_a_file_edited_in_place_with_its_mtime_restored_is_read_again(tmp_path, layout):
    folder = tmp_path / "corpus"
    folder.mkdir()
    write(folder / "a.txt", "first file\\n")
    edited = write(folder / "b.txt", TEXT)
    corpus_path = folder if layout == "folder" else edited
    old = Corpus(corpus_path)
    assert ["the", "cat", "sat", "on", "the", "mat"] in list(old)
    edit_in_place_keeping_mtime(edited, b"cat sat", b"dog ran")
    again = Corpus(corpus_path)
    assert again.fingerprint != old.fingerprint
    assert ["the", "dog", "ran", "on", "the", "mat"] in list(again)


# -- bad input ----------------------------------------------------------------------------------

def test_missing_path(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        Corpus(tmp_path / "nope.txt")


def test_empty_corpus(tmp_path):
    with pytest.raises(UserError, match="empty"):
        Corpus(write(tmp_path / "e.txt", " ... !!! \n\n")).token_ids()


def test_binary_file(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(UserError, match="binary"):
        Corpus(path)


def test_a_folder_file_deleted_while_the_folder_is_read_is_one_clear_error(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    write(folder / "a.txt", "first file\n")
    write(folder / "b.txt", "second file\n")
    source = sources.Source.from_path(folder)    # lists the folder
    blocks = source.text_blocks(sources.ReadStats())
    assert next(blocks) == "first file\n"         # a.txt is being read
    (folder / "b.txt").unlink()
    with pytest.raises(UserError, match=r"b\.txt vanished while the corpus was being read"):
        list(blocks)
    # deleted before the corpus's fingerprint or size is taken: the same error
    with pytest.raises(UserError, match=r"b\.txt vanished"):
        Corpus(source).token_ids()
    with pytest.raises(UserError, match=r"b\.txt vanished"):
        source.size


def test_folder_without_text_files(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"\x00\x01\x02")
    with pytest.raises(UserError, match="no text files"):
        Corpus(tmp_path)


@pytest.mark.parametrize("suffix,opener", [(".xz", lzma.open), (".gz", gzip.open), (".bz2", bz2.open)])
def test_corrupted_compressed_file(tmp_path, suffix, opener):
    good = write(tmp_path / f"good{suffix}", "some words here\n" * 20_000, opener)
    data = good.read_bytes()
    bad = tmp_path / f"bad{suffix}"
    bad.write_bytes(data[: len(data) // 2] + bytes(64) + data[len(data) // 2 + 64:])
    with pytest.raises(UserError, match="bad" + suffix.replace(".", r"\.")):
        Corpus(bad).token_ids()
    truncated = tmp_path / f"cut{suffix}"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(UserError, match="truncated"):
        Corpus(truncated).token_ids()


def test_failed_build_leaves_no_cache_entry(tmp_path):
    data = lzma.compress(b"word " * 100_000)
    bad = tmp_path / "bad.xz"
    bad.write_bytes(data[: len(data) // 2])
    corpus = Corpus(bad)
    with pytest.raises(UserError):
        corpus.token_ids()
    assert not corpus.cache_folder.exists()
    assert not [p for p in corpus.cache_folder.parent.iterdir() if ".tmp-" in p.name]


# -- named corpora and downloads against a local server ------------------------------------------

def make_text8_zip(folder, text):
    archive = folder / "text8.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("text8", text)
    return replace(named.PACKAGED["text8"], url="",
                   sha256=hashlib.sha256(archive.read_bytes()).hexdigest(),
                   size=archive.stat().st_size,
                   member_sha256=hashlib.sha256(text.encode()).hexdigest())


def test_fetch_text8_from_a_local_server(tmp_path, monkeypatch, http_server):
    served = tmp_path / "served"
    served.mkdir()
    spec = make_text8_zip(served, " anarchism originated as a term of abuse" * 100)
    url = http_server(served) + "/text8.zip"
    monkeypatch.setitem(named.PACKAGED, "text8", replace(spec, url=url))
    result = CliRunner().invoke(main, ["-q", "corpus", "fetch", "text8"])
    assert result.exit_code == 0, result.output
    stats = open_corpus("text8").statistics()
    assert stats["tokens"] == 700 and stats["types"] == 7


def test_download_with_wrong_checksum_is_refused_and_removed(tmp_path, monkeypatch, http_server):
    served = tmp_path / "served"
    served.mkdir()
    spec = make_text8_zip(served, "some text")
    url = http_server(served) + "/text8.zip"
    monkeypatch.setitem(named.PACKAGED, "text8", replace(spec, url=url, sha256="0" * 64))
    result = CliRunner().invoke(main, ["-q", "corpus", "fetch", "text8"])
    assert result.exit_code == 2
    assert "SHA-256" in result.output and "removed" in result.output
    assert list((home() / "downloads").iterdir()) == []


def test_offline_download_fails_fast_with_a_clear_message(monkeypatch, closed_port_url):
    monkeypatch.setitem(named.PACKAGED, "text8", replace(
        named.PACKAGED["text8"], url=closed_port_url + "/text8.zip", sha256="0" * 64, size=10))
    result = CliRunner().invoke(main, ["corpus", "fetch", "text8"])
    assert result.exit_code == 2
    assert "cannot download" in result.output and "Traceback" not in result.output


def test_named_corpora_are_registered():
    assert {"enwiki-sample", "lee", "text8"} <= set(corpora.names())


# -- the command line ---------------------------------------------------------------------------

def test_corpus_info_json(tmp_path):
    path = write(tmp_path / "c.txt", TEXT)
    result = CliRunner().invoke(main, ["-q", "corpus", "info", str(path), "--json",
                                       "--min-count", "2"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["tokens"] == 20 and stats["types"] == 17 and stats["types_min_count_2"] == 2


@pytest.mark.parametrize("args", [["corpus", "info", "/no/such/file.txt"],
                                  ["corpus", "info", "lee", "--min-count", "0"],
                                  ["corpus", "fetch", "no-such-corpus"]])
def test_cli_errors_exit_2_with_one_line(args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert len([l for l in result.output.splitlines() if l.startswith("Error")]) == 1


def test_corpus_list_shows_every_named_corpus():
    result = CliRunner().invoke(main, ["corpus", "list"])
    assert result.exit_code == 0
    for name in ("enwiki-sample", "lee", "text8"):
        assert name in result.output


def test_vocabulary_from_counts_is_deterministic():
    assert Vocabulary.from_counts({"b": 2, "a": 2, "c": 5}).words == ["c", "a", "b"]
