"""Saving and loading: every format round-trips, bad input is a clear UserError, and a failed
write leaves nothing behind."""
import gzip
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from gensim.models import KeyedVectors, Word2Vec
from gensim.test.utils import common_texts, datapath

import wordrep
from wordrep import cache, storage
from wordrep.corpora.vocabulary import Vocabulary
from wordrep.errors import UserError
from wordrep.representations import SparseVectors, build
from wordrep.representations.base import UnknownWordError
from wordrep.representations.dense import DenseVectors
from wordrep.storage import detect_format, load, save


@pytest.fixture
def vec_file(tmp_path):
    """A writable copy of gensim's lee_fasttext.vec (word2vec text, 1762 x 10)."""
    return shutil.copy(datapath("lee_fasttext.vec"), tmp_path / "lee.vec")


@pytest.fixture
def lee(vec_file):
    return load(vec_file)


@pytest.fixture
def onehot():
    counts = {"the": 50, "cat": 9, "sat": 9, "on": 7, "new york": 4, "mat": 3}
    return build("onehot", Vocabulary.from_counts(counts), min_count=2)


def sample_pairs(rep, n=200, seed=0):
    words = rep.vocabulary
    rng = np.random.default_rng(seed)
    left, right = rng.integers(0, len(words), size=(2, n))
    return [(words[i], words[j]) for i, j in zip(left, right)] + [("zzyzx", words[0])]


def assert_same(a, b, atol):
    assert a.vocabulary == b.vocabulary
    pairs = sample_pairs(a)
    np.testing.assert_allclose(a.similarity(pairs), b.similarity(pairs), atol=atol)


def matching_checksums(folder):
    """Rewrite the model's checksums.json to match its files: a model saved that way (or before
    a file existed), so that the loader's own checks are reached."""
    cache.write_checksums(folder)


def leftovers(folder, keep=()):
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


# ---- round trips -----------------------------------------------------------------------------

def test_loading_word2vec_text_matches_gensim(vec_file, lee):
    kv = KeyedVectors.load_word2vec_format(vec_file)
    assert isinstance(lee, DenseVectors) and lee.name == "lee"
    assert lee.vocabulary == kv.index_to_key
    np.testing.assert_array_equal(lee.kv.vectors, kv.vectors)
    assert lee.metadata["format"] == "word2vec"


@pytest.mark.parametrize("name, fmt, exact", [
    ("model.wr", "native", True),
    ("vectors.bin", "word2vec-binary", True),
    ("vectors.vec", "word2vec", False),
    ("vectors.txt", "word2vec", False),
])
def test_dense_round_trip(tmp_path, lee, name, fmt, exact):
    path = tmp_path / name
    save(lee, path)
    assert detect_format(path) == fmt
    back = load(path)
    assert_same(lee, back, atol=1e-6)
    if exact:
        np.testing.assert_array_equal(back.kv.vectors, lee.kv.vectors)
    else:
        np.testing.assert_allclose(back.kv.vectors, lee.kv.vectors, atol=1e-6)
    assert leftovers(tmp_path, keep={"lee.vec"}) == [name]


def test_glove_is_read_without_a_header(tmp_path, vec_file, lee):
    glove = tmp_path / "glove.6B.10d.txt"
    glove.write_bytes(vec_file.read_bytes().split(b"\n", 1)[1])  # drop "1762 10"
    assert detect_format(glove) == "glove"
    back = load(glove)
    assert back.name == "glove.6B.10d"
    assert_same(lee, back, atol=0)
    assert back.metadata["format"] == "glove"


def test_glove_can_be_written_and_forced(tmp_path, lee):
    path = tmp_path / "out.glove"
    save(lee, path, format="glove")
    assert not path.read_text().startswith("1762 10")
    assert_same(lee, load(path, format="glove"), atol=1e-6)


def test_gensim_bundled_glove_file_loads():
    rep = load(datapath("test_glove.txt"))
    assert rep.metadata["format"] == "glove" and len(rep) > 0


def test_native_is_pickle_free_and_memory_maps_the_vectors(tmp_path, lee):
    path = tmp_path / "model.wr"
    save(lee, path)
    assert sorted(p.name for p in path.iterdir()) == [
        "checksums.json", "meta.json", "norms.npy", "vectors.npy", "word_order.npy", "words.json"]
    meta = json.loads((path / "meta.json").read_text())
    assert meta["format"] == "wordrep" and meta["kind"] == "dense" and meta["name"] == "lee"
    assert json.loads((path / "words.json").read_text()) == lee.vocabulary
    vectors = np.load(path / "vectors.npy", allow_pickle=False)
    assert vectors.dtype == np.float32
    back = load(path)
    assert isinstance(back.kv.vectors, np.memmap)
    assert back.kv.vectors.filename == (path / "vectors.npy").resolve()
    assert back.metadata == lee.metadata
    # A memory-mapped model still answers like gensim does.
    assert [w for w, _ in back.most_similar("fire", 5)] == [
        w for w, _ in lee.kv.most_similar("fire", topn=5)]


def test_native_overwrites_a_model_in_place(tmp_path, lee, onehot):
    path = tmp_path / "model.wr"
    save(lee, path)
    save(onehot, path)
    assert isinstance(load(path), SparseVectors)
    assert leftovers(tmp_path, keep={"lee.vec"}) == ["model.wr"]


def test_words_with_spaces_survive_the_native_format(tmp_path):
    rep = DenseVectors.from_arrays(["new york", "tab\there", "naïve"],
                                   np.arange(6, dtype=np.float32).reshape(3, 2))
    save(rep, tmp_path / "m")
    assert load(tmp_path / "m").vocabulary == rep.vocabulary


def test_word2vec_formats_refuse_words_with_spaces(tmp_path, onehot):
    with pytest.raises(UserError, match="'new york'.*native"):
        save(onehot, tmp_path / "onehot.vec")
    assert leftovers(tmp_path) == []


def test_onehot_round_trips_natively(tmp_path, onehot):
    path = tmp_path / "onehot.wr"
    save(onehot, path)
    assert {"data.npy", "indices.npy", "indptr.npy"} <= {p.name for p in path.iterdir()}
    back = wordrep.load(path)
    assert isinstance(back, SparseVectors) and sp.issparse(back.matrix)
    assert back.name == "onehot" and back.metadata == onehot.metadata
    assert_same(onehot, back, atol=0)
    np.testing.assert_array_equal(
        back.similarity([("cat", "cat"), ("cat", "sat"), ("cat", "dog")]), [1.0, 0.0, np.nan])


def test_small_sparse_model_is_densified_for_word2vec(tmp_path):
    rep = build("onehot", Vocabulary.from_counts({f"w{i}": 5 for i in range(50)}))
    save(rep, tmp_path / "onehot.bin")
    back = load(tmp_path / "onehot.bin")
    assert isinstance(back, DenseVectors)
    assert_same(rep, back, atol=0)
    np.testing.assert_array_equal(back.kv.vectors, np.eye(50))


def test_large_sparse_model_is_refused_for_word2vec(tmp_path):
    rep = build("onehot", Vocabulary.from_counts({f"w{i}": 5 for i in range(20_001)}))
    with pytest.raises(UserError, match="native"):
        save(rep, tmp_path / "onehot.vec")
    assert leftovers(tmp_path) == []


def test_format_argument_overrides_the_suffix(tmp_path, lee):
    path = tmp_path / "vectors.dat"
    save(lee, path, format="word2vec-binary")
    assert path.is_file() and detect_format(path) == "word2vec-binary"
    assert_same(lee, load(path), atol=0)
    assert_same(lee, load(path, format="word2vec-binary"), atol=0)
    save(lee, tmp_path / "vectors.vec", format="native")
    assert (tmp_path / "vectors.vec" / "meta.json").is_file()


def test_compressed_word2vec_text_is_read(tmp_path, vec_file, lee):
    path = tmp_path / "lee.vec.gz"
    path.write_bytes(gzip.compress(vec_file.read_bytes()))
    back = load(path)
    assert back.name == "lee"
    assert_same(lee, back, atol=0)


# ---- gensim pickles ----------------------------------------------------------------------------

def test_gensim_pickles_are_refused_without_allow_pickle(tmp_path, lee):
    path = tmp_path / "lee.kv"
    lee.kv.save(str(path))
    with pytest.raises(UserError, match="--allow-pickle") as info:
        load(path)
    assert "runs code" in str(info.value) and str(path) in str(info.value)
    back = load(path, allow_pickle=True)
    assert_same(lee, back, atol=0)


def test_pickle_is_recognised_by_content_whatever_the_suffix(tmp_path, lee):
    path = tmp_path / "innocent.vec"
    lee.kv.save(str(path))
    with pytest.raises(UserError, match="allow-pickle"):
        load(path)


def test_a_full_gensim_model_gives_its_word_vectors(tmp_path):
    model = Word2Vec(common_texts, vector_size=8, min_count=1, seed=1, workers=1, epochs=1)
    model.save(str(tmp_path / "w2v.model"))
    rep = load(tmp_path / "w2v.model", allow_pickle=True)
    assert rep.vocabulary == model.wv.index_to_key


def test_gensim_pickles_are_never_written(tmp_path, lee):
    with pytest.raises(UserError, match="pickle"):
        save(lee, tmp_path / "out.kv")


# ---- bad input ---------------------------------------------------------------------------------

def test_missing_path(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        load(tmp_path / "nope.vec")


def test_unknown_file_format(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello world\nthis is not a vector file\n")
    with pytest.raises(UserError, match="not a file format") as info:
        load(path)
    assert str(path) in str(info.value)


def test_folder_that_is_not_a_model(tmp_path):
    (tmp_path / "stuff").mkdir()
    with pytest.raises(UserError, match="meta.json"):
        load(tmp_path / "stuff")


def test_unknown_format_name(tmp_path, lee):
    with pytest.raises(UserError, match="word2vec-binary"):
        load(datapath("lee_fasttext.vec"), format="fasttext")
    with pytest.raises(UserError, match="Writable formats"):
        save(lee, tmp_path / "x", format="gensim")


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_text_file(tmp_path, vec_file, cut):
    data = vec_file.read_bytes()
    path = tmp_path / "broken.vec"
    path.write_bytes(data[:int(len(data) * cut)])
    with pytest.raises(UserError, match="truncated") as info:
        load(path)
    assert "broken.vec" in str(info.value)


def test_truncated_binary_file(tmp_path, lee):
    save(lee, tmp_path / "good.bin")
    data = (tmp_path / "good.bin").read_bytes()
    (tmp_path / "broken.bin").write_bytes(data[: len(data) // 2])
    with pytest.raises(UserError, match="broken.bin"):
        load(tmp_path / "broken.bin")


def test_garbled_numbers(tmp_path):
    path = tmp_path / "garbled.vec"
    path.write_text("2 3\ncat 1 2 3\ndog 1 x 3\n")
    with pytest.raises(UserError, match="garbled.vec"):
        load(path, format="word2vec")


def test_damaged_native_model(tmp_path, lee, onehot):
    save(lee, tmp_path / "dense")
    (tmp_path / "dense" / "vectors.npy").unlink()
    with pytest.raises(UserError, match="damaged"):
        load(tmp_path / "dense")
    save(onehot, tmp_path / "sparse")
    np.save(tmp_path / "sparse" / "indptr.npy", np.array([0, 1]))
    with pytest.raises(UserError, match="damaged"):
        load(tmp_path / "sparse")
    (tmp_path / "sparse" / "meta.json").write_text("{not json")
    with pytest.raises(UserError, match="damaged"):
        load(tmp_path / "sparse")


def test_native_model_from_a_newer_wordrep(tmp_path, onehot):
    save(onehot, tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    meta["format_version"] = 99
    (tmp_path / "m" / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(UserError, match="written by a newer wordrep"):
        load(tmp_path / "m")


def test_unwritable_output(tmp_path, lee):
    with pytest.raises(UserError, match="does not exist"):
        save(lee, tmp_path / "no" / "such" / "folder" / "model.vec")


def test_non_vector_representations_cannot_be_saved(tmp_path):
    class Measure(wordrep.representations.Representation):
        vocabulary = ["cat"]

        def __contains__(self, word):
            return word == "cat"

        def similarity(self, pairs):
            return np.ones(len(pairs))

    with pytest.raises(UserError, match="no vectors"):
        save(Measure("path"), tmp_path / "m")


# ---- nothing half-written --------------------------------------------------------------------

class Boom(Exception):
    pass


def test_failed_native_write_leaves_nothing(tmp_path, onehot, monkeypatch):
    calls = []

    def failing_save(file, array, allow_pickle=True):
        calls.append(file)
        if len(calls) == 2:  # after one array is on disk
            raise Boom
        with open(file, "wb") as f:
            np.lib.format.write_array(f, array, allow_pickle=allow_pickle)

    monkeypatch.setattr(storage.np, "save", failing_save)
    with pytest.raises(Boom):
        save(onehot, tmp_path / "model.wr")
    assert len(calls) == 2
    assert leftovers(tmp_path) == []


def test_failed_overwrite_keeps_the_old_model(tmp_path, lee, onehot, monkeypatch):
    save(lee, tmp_path / "model.wr")

    def failing_json(path, value, indent=None):
        raise Boom

    monkeypatch.setattr(storage, "_write_json", failing_json)
    with pytest.raises(Boom):
        save(onehot, tmp_path / "model.wr")
    assert leftovers(tmp_path, keep={"lee.vec"}) == ["model.wr"]
    assert_same(lee, load(tmp_path / "model.wr"), atol=0)


@pytest.mark.parametrize("name", ["vectors.vec", "vectors.bin"])
def test_failed_word2vec_write_leaves_nothing(tmp_path, lee, monkeypatch, name):
    real = KeyedVectors.save_word2vec_format

    def half_then_fail(self, fname, **kwargs):
        real(self, fname, **kwargs)
        with open(fname, "r+b") as f:  # a half-written file, then the crash
            f.truncate(f.seek(0, 2) // 2)
        raise Boom

    monkeypatch.setattr(KeyedVectors, "save_word2vec_format", half_then_fail)
    with pytest.raises(Boom):
        save(lee, tmp_path / name)
    assert leftovers(tmp_path, keep={"lee.vec"}) == []


def test_nan_or_infinite_values_are_refused_naming_the_word(tmp_path):
    path = tmp_path / "nan.vec"
    path.write_text("3 3\ncat 1 2 3\ndog 1 nan 2\nemu inf 0 0\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"the vectors of 'dog', 'emu' have NaN or infinite "
                                        r"values \(2 words\)"):
        load(path)


def test_rows_of_different_dimensions_are_refused(tmp_path):
    path = tmp_path / "dims.vec"
    path.write_text("2 3\ncat 1 2 3\ndog 1 2\n", encoding="utf-8")
    with pytest.raises(UserError, match="dims.vec"):
        load(path)


# ---- large models: memory-mapped, norms kept, pages shared -----------------------------------

def random_model(path, words, dim, seed=0):
    vectors = np.random.default_rng(seed).standard_normal((words, dim), dtype=np.float32)
    save(DenseVectors.from_arrays([f"w{i:07d}" for i in range(words)], vectors), path)
    return vectors


def test_native_model_keeps_its_norms_memory_mapped(tmp_path):
    vectors = random_model(tmp_path / "m", 500, 16)
    rep = load(tmp_path / "m")
    assert isinstance(rep.kv.norms, np.memmap)
    assert rep.kv.norms.filename == (tmp_path / "m" / "norms.npy").resolve()
    np.testing.assert_allclose(rep.kv.norms, np.linalg.norm(vectors.astype(np.float64), axis=1),
                               rtol=1e-6)
    # gensim's own most_similar uses them as they are (it would compute them if None).
    theirs, mine = rep.kv.most_similar("w0000007", topn=3), rep.most_similar("w0000007", topn=3)
    assert [w for w, _ in theirs] == [w for w, _ in mine]
    assert [s for _, s in theirs] == pytest.approx([s for _, s in mine], rel=1e-5)
    assert isinstance(rep.kv.norms, np.memmap)


def test_a_model_saved_without_norms_still_loads(tmp_path):
    random_model(tmp_path / "m", 500, 16)
    expected = load(tmp_path / "m").most_similar("w0000003", topn=5)
    (tmp_path / "m" / "norms.npy").unlink()  # as wordrep wrote models before norms.npy
    matching_checksums(tmp_path / "m")
    old = load(tmp_path / "m")
    # Computed at load (the check for NaN rows reads them), kept in memory for the queries.
    assert not isinstance(old.kv.norms, np.memmap)
    np.testing.assert_array_equal(old.kv.norms, load(tmp_path / "m").kv.norms)
    got = old.most_similar("w0000003", topn=5)
    assert [w for w, _ in got] == [w for w, _ in expected]
    assert [s for _, s in got] == pytest.approx([s for _, s in expected], rel=1e-6)


@pytest.mark.parametrize("norms", [np.ones(499, np.float32), np.ones((500, 1), np.float32),
                                   np.full(500, np.nan, np.float32), -np.ones(500, np.float32),
                                   np.arange(500)])
def test_damaged_norms_are_refused(tmp_path, norms):
    random_model(tmp_path / "m", 500, 16)
    np.save(tmp_path / "m" / "norms.npy", norms)
    matching_checksums(tmp_path / "m")
    with pytest.raises(UserError, match="damaged.*norms.npy"):
        load(tmp_path / "m")


def test_a_loaded_model_finds_words_without_building_gensims_dict(tmp_path):
    words = ["the", "new york", "naïve", "a\x00b", "", "Zebra", "zebra", "x" * 300]
    words += [f"filler{i}" for i in range(200)]  # a few lookups stay binary searches
    vectors = np.random.default_rng(0).standard_normal((len(words), 4), dtype=np.float32)
    save(DenseVectors.from_arrays(words, vectors), tmp_path / "m")
    rep = load(tmp_path / "m")
    assert rep.kv.__dict__["key_to_index"] is None  # not built at load
    assert [rep.index(w) for w in words[:8]] == list(range(8))
    assert "naïve" in rep and "naive" not in rep and 3 not in rep
    assert rep._lookup(["zebra", "nope", 7, "", None]).tolist() == [6, -1, -1, 4, -1]
    with pytest.raises(UnknownWordError):
        rep.index(["a", "list"])
    np.testing.assert_array_equal(rep["a\x00b"], vectors[3])
    scores = rep.similarity([("the", "zebra"), ("the", "nope")])
    cosine = vectors[0] @ vectors[6] / np.linalg.norm(vectors[0]) / np.linalg.norm(vectors[6])
    assert scores[0] == pytest.approx(cosine, rel=1e-5) and np.isnan(scores[1])
    mine = rep.most_similar("new york", topn=3)
    assert rep.kv.__dict__["key_to_index"] is None  # wordrep's own lookups did not need it
    # gensim's own API builds it when it first needs it, and answers as before.
    theirs = rep.kv.most_similar("new york", topn=3)
    assert rep.kv.key_to_index == {w: i for i, w in enumerate(words)}
    assert [w for w, _ in theirs] == [w for w, _ in mine]
    assert rep.most_similar("new york", topn=3) == mine  # now through the dict


def test_many_words_at_once_are_found_through_gensims_dict(tmp_path):
    random_model(tmp_path / "m", 320, 4)
    rep = load(tmp_path / "m")
    few = ["w0000319", "nope"] * 5  # 10 words: binary searches
    assert rep._lookup(few).tolist() == [319, -1] * 5
    assert rep.kv.__dict__["key_to_index"] is None
    many = [f"w{i:07d}" for i in range(0, 320, 15)] + ["nope"]  # 1/16 of the vocabulary
    assert rep._lookup(many).tolist() == list(range(0, 320, 15)) + [-1]
    assert len(rep.kv.__dict__["key_to_index"]) == 320  # built once, for all later lookups


def test_gensim_save_of_a_loaded_model_is_plain_gensim(tmp_path):
    random_model(tmp_path / "m", 300, 8)
    rep = load(tmp_path / "m")
    rep.kv.save(str(tmp_path / "m.kv"))
    back = KeyedVectors.load(str(tmp_path / "m.kv"))
    assert type(back) is KeyedVectors  # readable where wordrep is not installed
    assert back.key_to_index == {w: i for i, w in enumerate(rep.vocabulary)}
    assert back.most_similar("w0000005", topn=2) == rep.kv.most_similar("w0000005", topn=2)


def test_a_model_saved_without_word_order_still_loads(tmp_path):
    random_model(tmp_path / "m", 300, 8)
    (tmp_path / "m" / "word_order.npy").unlink()  # as wordrep wrote models before it
    matching_checksums(tmp_path / "m")
    rep = load(tmp_path / "m")
    assert rep.kv.key_to_index["w0000299"] == 299 and rep.index("w0000007") == 7


@pytest.mark.parametrize("order", [np.arange(299), np.arange(300)[::-1].copy(),
                                   np.arange(1, 301), np.arange(300, dtype=np.float32),
                                   np.zeros(300, dtype=np.int64)])
def test_damaged_word_order_is_refused(tmp_path, order):
    random_model(tmp_path / "m", 300, 8)
    np.save(tmp_path / "m" / "word_order.npy", order)
    matching_checksums(tmp_path / "m")
    with pytest.raises(UserError, match="damaged.*word_order.npy"):
        load(tmp_path / "m")


def test_a_word_twice_is_refused_with_or_without_word_order(tmp_path):
    random_model(tmp_path / "m", 3, 2)
    (tmp_path / "m" / "words.json").write_text('["w0000000", "w0000001", "w0000001"]')
    matching_checksums(tmp_path / "m")
    with pytest.raises(UserError, match="damaged.*twice"):
        load(tmp_path / "m")
    (tmp_path / "m" / "word_order.npy").unlink()
    matching_checksums(tmp_path / "m")
    with pytest.raises(UserError, match="damaged.*duplicates"):
        load(tmp_path / "m")


# Runs in a child process: the kB of the vectors.npy mapping that are resident after the load,
# and the mapping's smaps fields (Rss, Pss, Shared_Clean...) after one query, which reads every
# row; with a second argument, again when the parent writes a line.
MAPPED_PAGES = """
import json, sys
import wordrep

def mapping(name):
    fields, inside = {}, False
    with open("/proc/self/smaps") as f:
        for line in f:
            head = line.split()
            if "-" in head[0] and not head[0].endswith(":"):  # a mapping's first line
                inside = line.rstrip().endswith(name)
            elif inside and head[0].endswith(":") and len(head) == 3:
                fields[head[0][:-1]] = fields.get(head[0][:-1], 0) + int(head[1])
    return fields

rep = wordrep.load(sys.argv[1])
loaded = mapping("/vectors.npy").get("Rss", 0)
rep.most_similar("w0000000")
print(json.dumps({"loaded_kb": loaded, "queried": mapping("/vectors.npy")}), flush=True)
if len(sys.argv) > 2:  # wait, mapped, until the parent has looked
    sys.stdin.readline()
    print(json.dumps(mapping("/vectors.npy")), flush=True)
"""
LINUX_SMAPS = pytest.mark.skipif(not os.path.exists("/proc/self/smaps"),
                                 reason="needs Linux /proc/PID/smaps")


@LINUX_SMAPS
def test_loading_maps_the_vectors_without_reading_them(tmp_path):
    random_model(tmp_path / "m", 50_000, 64)  # 12.8 MB of vectors
    size_kb = (tmp_path / "m" / "vectors.npy").stat().st_size / 1024
    done = subprocess.run([sys.executable, "-c", MAPPED_PAGES, str(tmp_path / "m")],
                          capture_output=True, text=True, check=True)
    pages = json.loads(done.stdout)
    assert pages["loaded_kb"] < 0.02 * size_kb  # at most the header and its neighbours
    assert pages["queried"]["Rss"] > 0.95 * size_kb  # a query reads every row in place


@LINUX_SMAPS
def test_processes_that_load_one_model_share_its_pages(tmp_path):
    random_model(tmp_path / "m", 50_000, 64)
    size_kb = (tmp_path / "m" / "vectors.npy").stat().st_size / 1024
    children = [subprocess.Popen([sys.executable, "-c", MAPPED_PAGES, str(tmp_path / "m"), "wait"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                for _ in range(2)]
    try:
        for child in children:  # both have read every page ...
            json.loads(child.stdout.readline())
        shared = []
        for child in children:  # ... and are still alive while each looks at its mapping
            child.stdin.write("\n")
            child.stdin.flush()
            shared.append(json.loads(child.stdout.readline()))
    finally:
        for child in children:
            child.stdin.close()
            child.wait(timeout=60)
    for pages in shared:
        assert pages["Rss"] > 0.95 * size_kb
        # The same page-cache pages in both (dirty while a freshly written file awaits writeback),
        # none of them a private copy:
        assert pages["Shared_Clean"] + pages["Shared_Dirty"] > 0.95 * pages["Rss"]
        assert pages["Private_Clean"] + pages["Private_Dirty"] < 0.05 * pages["Rss"]
        assert pages["Pss"] < 0.6 * pages["Rss"]  # each process is charged half of them
