"""What ``-o`` may replace: regular files and wordrep model folders, nothing else (issue 12).

An atomic write renames a new file over the target, so whatever was there goes: a named pipe,
a device node, a socket or a symbolic link would become a plain file. Each is made for real in
tmp_path, given to the real command line (``python -m wordrep.cli`` in a child process) and to
the library, and must be refused with one ``Error:`` line and left as it was; a link is
written through, and stays a link.
"""
import json
import os
import stat
import subprocess
import sys

import numpy as np
import pytest

from fuzzing import (char_device, leftovers, linked, output_inputs, plain_folder, snapshot,
                     unix_socket)
from wordrep.atomic import atomic_path
from wordrep.errors import UserError


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "wordrep.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=cwd)


@pytest.fixture
def inputs(tmp_path):
    """A model, a benchmark and a corpus, in their own folder: tmp_path holds only outputs."""
    return output_inputs(tmp_path)


def evaluate(inputs, output, *extra, cwd=None):
    return cli("evaluate", inputs / "m.vec", "-b", inputs / "b.txt", "--bootstrap", "0",
               "-o", output, *extra, cwd=cwd)


def train(inputs, output, *extra, cwd=None):
    return cli("train", "onehot", inputs / "c.txt", "--min-count", "1", "-o", output, *extra,
               cwd=cwd)


COMMANDS = {"evaluate": evaluate, "train": train}


# -- things at the output path, made for real (makers shared with the fuzzer) --------------

def char_device_as_root(path):
    if os.geteuid() != 0:
        pytest.skip("making a device node with mknod needs root")
    char_device(path)


# kind -> (how to make it, words the Error line must hold)
REFUSED = {
    "fifo": (os.mkfifo, "named pipe (FIFO)"),
    "character device": (char_device_as_root, "character device"),
    "socket": (unix_socket, "socket"),
    "folder": (plain_folder, "folder"),
    "link to a fifo": (linked(os.mkfifo), "named pipe (FIFO)"),
    "link to a character device": (linked(char_device_as_root), "character device"),
    "link to a folder": (linked(plain_folder), "folder"),
    "dangling link": (lambda p: p.symlink_to("nowhere"), "symbolic link to nowhere"),
}


def only_error_line(child, *words):
    assert child.returncode == 2, (child.returncode, child.stderr)
    lines = child.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), child.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_what_is_not_a_regular_file_is_refused_and_kept(tmp_path, inputs, command, kind):
    make, words = REFUSED[kind]
    out = tmp_path / "out.json" if command == "evaluate" else tmp_path / "out.wr"
    make(out)
    before = snapshot(out)
    child = COMMANDS[command](inputs, out)
    only_error_line(child, str(out), words)
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []


def test_a_link_to_a_file_is_written_through_and_stays_a_link(tmp_path, inputs):
    results = tmp_path / "results.json"
    results.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(results.name)
    child = evaluate(inputs, link)
    assert child.returncode == 0, child.stderr
    assert os.readlink(link) == results.name
    assert json.loads(results.read_text())["records"]
    assert f"writing to its target {results}" in child.stderr


def test_train_writes_through_links_to_a_vector_file_and_to_a_model_folder(tmp_path, inputs):
    from wordrep.storage import load
    vec, model = tmp_path / "v.vec", tmp_path / "model.wr"
    vec.write_text("old")
    assert train(inputs, model).returncode == 0
    before = (model / "meta.json").read_text()
    for name, target in (("current.vec", vec), ("current.wr", model)):
        link = tmp_path / name
        link.symlink_to(target.name)
        child = train(inputs, link)
        assert child.returncode == 0, child.stderr
        assert link.is_symlink() and os.readlink(link) == target.name
        assert f"saved to {target}" in child.stderr
        assert "the" in load(target).vocabulary
    assert vec.read_text().startswith("8 8\n")
    assert (model / "meta.json").read_text() != before  # the new model, in the same place
    assert leftovers(tmp_path) == []


def test_a_file_where_a_model_folder_goes_is_refused_before_training(tmp_path, inputs,
                                                                    wordrep_home):
    out = tmp_path / "model.wr"
    out.write_text("the user's notes")
    line = only_error_line(train(inputs, out), str(out), "exists and is a file", ".vec", ".bin")
    assert "NotADirectoryError" not in line
    assert out.read_text() == "the user's notes"
    assert not (wordrep_home / "corpora").exists()  # refused before the corpus was even read


def test_train_to_stdout_is_refused(tmp_path, inputs):
    only_error_line(train(inputs, "-", cwd=tmp_path), "standard output", "-o model.wr")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inputs"]  # no folder named "-"


def untimed(results):
    """The records of a results document without their timings, which differ run to run."""
    return [{k: v for k, v in r.items() if k != "seconds"} for r in results["records"]]


def test_evaluate_to_stdout_prints_the_json_document(tmp_path, inputs):
    child = evaluate(inputs, "-", cwd=tmp_path)
    assert child.returncode == 0, child.stderr
    printed = json.loads(child.stdout)
    assert evaluate(inputs, tmp_path / "r.json").returncode == 0
    written = json.loads((tmp_path / "r.json").read_text())
    assert untimed(printed) == untimed(written)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inputs", "r.json"]  # no file "-"
    only_error_line(evaluate(inputs, "-", "--format", "table"), "-o -", "--format table")
    assert evaluate(inputs, "-", "--format", "json").returncode == 0


def test_evaluate_into_a_model_folder_is_refused(tmp_path, inputs):
    model = tmp_path / "model.wr"
    assert train(inputs, model).returncode == 0
    before = snapshot(model)
    only_error_line(evaluate(inputs, model), str(model), "is a folder")
    assert snapshot(model) == before


# -- the library: every writer goes through atomic_path -------------------------------------

@pytest.mark.parametrize("kind", sorted(REFUSED))
@pytest.mark.parametrize("directory", [False, True], ids=["file", "folder"])
def test_atomic_path_refuses_and_keeps(tmp_path, kind, directory):
    make, words = REFUSED[kind]
    out = tmp_path / "out"
    make(out)
    before = snapshot(out)
    with pytest.raises(UserError, match=words.replace("(", r"\(").replace(")", r"\)")):
        with atomic_path(out, directory=directory) as tmp:
            pytest.fail(f"{tmp} was offered for {kind}")
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []


def test_something_put_at_the_target_while_writing_is_not_replaced(tmp_path):
    out = tmp_path / "results.json"
    with pytest.raises(UserError, match="named pipe"):
        with atomic_path(out) as tmp:
            tmp.write_text("new")
            os.mkfifo(out)  # another program took the name meanwhile
    assert stat.S_ISFIFO(os.lstat(out).st_mode)
    assert leftovers(tmp_path) == []


def test_save_follows_a_link_to_a_model_and_refuses_a_file_for_a_folder(tmp_path, caplog):
    from wordrep.representations.dense import DenseVectors
    from wordrep.storage import load, save
    rep = DenseVectors.from_arrays(["cat", "dog"], np.eye(2, dtype=np.float32))
    save(rep, tmp_path / "model.wr")
    link = tmp_path / "current.wr"
    link.symlink_to("model.wr")
    caplog.set_level("INFO", logger="wordrep.atomic")
    save(DenseVectors.from_arrays(["cow", "hen"], np.eye(2, dtype=np.float32)), link)
    assert link.is_symlink() and load(tmp_path / "model.wr").vocabulary == ["cow", "hen"]
    assert f"writing to its target {tmp_path / 'model.wr'}" in caplog.text
    notes = tmp_path / "notes.wr"
    notes.write_text("mine")
    with pytest.raises(UserError, match="exists and is a file"):
        save(rep, notes)
    assert notes.read_text() == "mine"
