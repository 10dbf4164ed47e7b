"""Loading checks a native model against its checksums.json (sizes always, SHA-256 once per file
and process) and refuses vectors with NaN or infinite values, naming the words."""
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from wordrep import cache
from wordrep.errors import UserError
from wordrep.representations import SparseVectors
from wordrep.representations.dense import DenseVectors
from wordrep.storage import load, save

ROOT = Path(__file__).resolve().parents[1]
WORDS = ["cat", "dog", "emu", "owl", "yak"]


def dense_model(path, vectors=None):
    if vectors is None:
        vectors = np.random.default_rng(0).standard_normal((len(WORDS), 8), dtype=np.float32)
    save(DenseVectors.from_arrays(WORDS, vectors), path)
    return path


def sparse_model(path):
    matrix = sp.csr_array(np.eye(len(WORDS), dtype=np.float32))
    save(SparseVectors(WORDS, matrix), path)
    return path


def tamper(path, offset=-4):
    """Change one byte of ``path`` in place: same size, and its mtime put back as it was."""
    stat = path.stat()
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size


def rename_word(model):
    """words.json with 'cat' changed to 'cab': same size, another vocabulary."""
    words = model / "words.json"
    stat = words.stat()
    words.write_text(words.read_text(encoding="utf-8").replace('"cat"', '"cab"'),
                     encoding="utf-8")
    os.utime(words, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert words.stat().st_size == stat.st_size


def wordrep_cli(*args):
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=300)


def assert_one_error_line(done, *fragments):
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert done.stdout == ""


# ---- checksums on load -------------------------------------------------------------------------

@pytest.mark.parametrize("kind, name", [("dense", "vectors.npy"), ("dense", "norms.npy"),
                                        ("sparse", "data.npy"), ("sparse", "indices.npy")])
def test_a_same_size_tampered_array_is_refused_on_load(tmp_path, kind, name):
    model = (dense_model if kind == "dense" else sparse_model)(tmp_path / "m.wr")
    load(model)  # intact: loads
    tamper(model / name)
    with pytest.raises(UserError, match=rf"m\.wr is a damaged wordrep model: {name} does not "
                                        "match its SHA-256") as info:
        load(model)
    assert "re-create" in info.value.hint.lower()


def test_a_same_size_tampered_word_list_is_refused_on_load(tmp_path):
    model = dense_model(tmp_path / "m.wr")
    rename_word(model)
    with pytest.raises(UserError, match="damaged wordrep model: words.json does not match"):
        load(model)


def test_a_tampered_model_is_one_error_line_in_similar_and_evaluate(tmp_path):
    model = dense_model(tmp_path / "m.wr")
    tamper(model / "vectors.npy")
    assert_one_error_line(wordrep_cli("similar", model, "cat"), "m.wr", "vectors.npy", "damaged")
    rename_word(model)
    (model / "vectors.npy").write_bytes((model / "vectors.npy").read_bytes()[:-4])  # and cut
    assert_one_error_line(wordrep_cli("evaluate", model, "-b", "wordsim353", "--bootstrap", "0"),
                          "m.wr", "damaged")


def test_a_model_file_changed_after_it_was_hashed_is_hashed_again(tmp_path):
    # The hash of a file is kept for this process by its size, mtime, ctime and inode; a file
    # changed with its size and mtime put back still has a new ctime (which no user can set).
    model = dense_model(tmp_path / "m.wr")
    time.sleep(cache.RACY_SECONDS + 0.1)  # old enough for its hash to be kept
    load(model)
    load(model)
    tamper(model / "vectors.npy")
    with pytest.raises(UserError, match="vectors.npy does not match its SHA-256"):
        load(model)


def test_verify_false_skips_the_hash_but_not_the_sizes(tmp_path):
    model = dense_model(tmp_path / "m.wr")
    tamper(model / "vectors.npy")
    rep = load(model, verify=False)  # trusted: the changed byte is read as it is
    assert rep.kv.vectors.shape == (5, 8)
    vectors = model / "vectors.npy"
    vectors.write_bytes(vectors.read_bytes() + b"\0" * 4)
    with pytest.raises(UserError,
                       match="damaged wordrep model: vectors.npy has 292 bytes, not 288"):
        load(model, verify=False)


def test_a_listed_file_that_is_missing_or_a_model_file_not_listed_is_refused(tmp_path):
    model = dense_model(tmp_path / "m.wr")
    (model / "word_order.npy").unlink()
    with pytest.raises(UserError, match="damaged wordrep model: word_order.npy is missing"):
        load(model)
    other = dense_model(tmp_path / "other.wr")
    shutil.copy(other / "word_order.npy", model / "word_order.npy")  # same size, same bytes
    listed = json.loads((model / "checksums.json").read_text())
    del listed["files"]["norms.npy"]
    (model / "checksums.json").write_text(json.dumps(listed))
    with pytest.raises(UserError, match="norms.npy is not in checksums.json"):
        load(model)


def test_a_file_that_is_not_part_of_a_model_is_ignored(tmp_path):
    model = dense_model(tmp_path / "m.wr")
    (model / ".DS_Store").write_bytes(b"finder")
    (model / "README").write_text("my notes")
    assert load(model).vocabulary == WORDS


def test_a_model_without_checksums_loads_with_a_warning(tmp_path, caplog):
    model = dense_model(tmp_path / "old.wr")
    (model / "checksums.json").unlink()  # as wordrep saved models before it wrote them
    with caplog.at_level(logging.WARNING, logger="wordrep"):
        rep = load(model)
    assert rep.vocabulary == WORDS
    assert "old.wr has no checksums.json" in caplog.text
    assert "save it again" in caplog.text


def test_a_damaged_checksums_file_is_refused(tmp_path):
    model = dense_model(tmp_path / "m.wr")
    (model / "checksums.json").write_text("{nope")
    with pytest.raises(UserError, match="damaged wordrep model: unreadable checksums.json"):
        load(model)


# ---- NaN and infinite values ---------------------------------------------------------------------

def with_bad_rows(dtype=np.float32):
    vectors = np.ones((len(WORDS), 3), dtype=dtype)
    vectors[2, 1] = np.nan
    vectors[4, 0] = -np.inf
    return vectors


def test_from_arrays_refuses_nan_or_infinite_rows_naming_the_words():
    with pytest.raises(UserError, match=r"the vectors of 'emu', 'yak' have NaN or infinite "
                                        r"values \(2 words\)"):
        DenseVectors.from_arrays(WORDS, with_bad_rows())
    with pytest.raises(UserError, match="'emu'"):
        DenseVectors.from_arrays(WORDS, with_bad_rows(np.float64))


def test_sparse_vectors_refuse_nan_or_infinite_values_naming_the_words():
    matrix = sp.csr_array(with_bad_rows())
    with pytest.raises(UserError, match="'emu', 'yak' have NaN or infinite values"):
        SparseVectors(WORDS, matrix)


def test_many_bad_rows_are_named_by_the_first_few():
    vectors = np.full((100, 2), np.nan, dtype=np.float32)
    with pytest.raises(UserError, match=r"'w0', 'w1', 'w2', 'w3', 'w4' and 95 more have NaN "
                                        r"or infinite values \(100 words\)"):
        DenseVectors.from_arrays([f"w{i}" for i in range(100)], vectors)


def old_model_with_bad_rows(path):
    """A native model as older wordrep versions could save it: NaN and infinite rows (from_arrays
    accepted them), no norms.npy, no checksums.json."""
    path.mkdir()
    np.save(path / "vectors.npy", with_bad_rows(), allow_pickle=False)
    (path / "words.json").write_text(json.dumps(WORDS))
    (path / "meta.json").write_text(json.dumps({"format": "wordrep", "format_version": 1,
                                                "kind": "dense", "name": "old", "metadata": {}}))
    return path


def test_a_saved_model_with_nan_rows_is_refused_naming_the_words(tmp_path):
    model = old_model_with_bad_rows(tmp_path / "old.wr")
    with pytest.raises(UserError, match=r"old\.wr: the vectors of 'emu', 'yak' have NaN"):
        load(model)
    cache.write_checksums(model)  # checksums do not make it acceptable
    with pytest.raises(UserError, match="'emu', 'yak' have NaN"):
        load(model)


def test_a_nan_row_never_reaches_similar(tmp_path):
    model = old_model_with_bad_rows(tmp_path / "old.wr")
    cache.write_checksums(model)  # no warning about their absence: the error alone
    assert_one_error_line(wordrep_cli("similar", model, "cat"), "old.wr", "'emu'", "NaN")


def test_a_row_made_nan_after_the_check_is_left_out_not_named_by_an_empty_slot():
    rep = DenseVectors.from_arrays(["a", "b", "c"], np.eye(3, dtype=np.float32) + 0.5)
    rep.kv.vectors[2] = np.nan  # changed in place after it was checked
    neighbours = rep.most_similar("a", topn=5)
    assert [w for w, _ in neighbours] == ["b"] and np.isfinite([s for _, s in neighbours]).all()
