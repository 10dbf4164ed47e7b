"""Hostile files through the command line, end to end: every one ends with exit status 2 and a
one-line message naming the file, without a traceback and without hanging. Hostile output
paths too: whatever is at ``-o`` is either replaced as a user would expect (a regular file, a
model folder, through a link) or refused and left as it was.

Most run in-process (click's CliRunner); the damaged Wikipedia dump runs as a real
``python -m wordrep.cli`` child with a timeout, since it used to hang (gensim's dump reader
waited forever for a child process that had died on the bad XML).
"""
import bz2
import gzip
import os
import subprocess
import sys

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from fuzzing import (COUNTS, OUTPUT_KINDS, examples, leftovers, make_output, output_inputs,
                     output_paths, scratch, snapshot)
from wordrep.cli import main


def vec(path, header, rows):
    path.write_bytes(header + b"".join(rows))
    return path


def binary_row(word, dim=3):
    return word + b" " + np.ones(dim, np.float32).tobytes() + b"\n"


GZIPPED = gzip.compress(" ".join(str(i) for i in range(5000)).encode())
CORPUS = ["corpus", "info", "{}"]
SIMILAR = ["similar", "{}", "cat"]
EVALUATE = ["evaluate", "{model}", "-b", "{}"]
RUN = ["run", "{}", "--print-config"]
# case -> (file name, how to write it, command)
CASES = {
    "corpus: truncated gzip": ("c.gz", lambda p: p.write_bytes(GZIPPED[:len(GZIPPED) // 2]),
                               CORPUS),
    "corpus: NUL bytes": ("c.txt", lambda p: p.write_bytes(b"cat\x00dog\n"), CORPUS),
    "vectors: header claims 10^12 rows": (
        "v.bin", lambda p: vec(p, b"1000000000000 3\n", [binary_row(b"cat")]), SIMILAR),
    "vectors: header claims fewer rows": (
        "v.bin", lambda p: vec(p, b"1 3\n", [binary_row(b"cat"), binary_row(b"dog")]), SIMILAR),
    "vectors: ragged GloVe rows": (
        "v.txt", lambda p: p.write_bytes(b"cat " + b"1 " * 5000 + b"\n" + b"a\n" * 3000),
        SIMILAR),
    "vectors: latin-1 word": ("v.vec", lambda p: p.write_bytes(b"2 2\ncaf\xe9 1 2\ncat 1 2\n"),
                              SIMILAR),
    "model: words.json not a list": ("m.wr", lambda p: _native(p, words=b"{}"), SIMILAR),
    "benchmark: NUL on line 3": ("b.txt", lambda p: p.write_bytes(b"a b 1\nc d 2\ne\x00f 3\n"),
                                 EVALUATE),
    "benchmark: empty word": ("b.txt", lambda p: p.write_bytes(b"cat\tdog\t1\ncat\t\t2\n"),
                              EVALUATE),
    "config: nested 5000 deep": ("r.toml", lambda p: p.write_text("a = " + "[" * 5000 + "]" * 5000),
                                 RUN),
    "config: a string for a number": (
        "r.toml", lambda p: p.write_text("[corpus]\nmin_count = 'x'\n"), RUN),
}


def _native(path, words):
    from wordrep.representations.dense import DenseVectors
    from wordrep.storage import save
    save(DenseVectors.from_arrays(["cat", "dog"], np.eye(2, dtype=np.float32)), path)
    (path / "words.json").write_bytes(words)


def assert_clean_refusal(code, stderr, path):
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    assert path.name in lines[0] and "Traceback" not in stderr


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_files_exit_2_with_one_line(tmp_path, case):
    name, write, args = CASES[case]
    path = tmp_path / name
    write(path)
    model = tmp_path / "good.vec"
    model.write_text("2 2\ncat 1 0\ndog 0 1\n")
    args = [a.format(path, model=model) for a in args]
    result = CliRunner().invoke(main, ["-q", *args])
    COUNTS["cli: hostile files"]["generated"] += 1
    assert_clean_refusal(result.exit_code, result.stderr, path)
    COUNTS["cli: hostile files"]["refused"] += 1


def test_damaged_wikipedia_dump_ends_in_an_error_not_a_hang(tmp_path):
    path = tmp_path / "dump.xml.bz2"
    path.write_bytes(bz2.compress(b"<mediawiki><page><title>x</title><revision><text>abc " * 3))
    child = subprocess.run([sys.executable, "-m", "wordrep.cli", "-q", "corpus", "info", str(path)],
                           capture_output=True, text=True, timeout=120)
    COUNTS["cli: hostile files"]["generated"] += 1
    assert_clean_refusal(child.returncode, child.stderr, path)
    COUNTS["cli: hostile files"]["refused"] += 1


PIPE_CHILD = """
import os, sys
from wordrep.benchmarks import load_benchmark
from wordrep.corpora import Corpus
from wordrep.errors import UserError
from wordrep.run.config import load_config
from wordrep.storage import load
pipe = sys.argv[1]
os.mkfifo(pipe)
for read in (Corpus, load, load_benchmark, load_config):
    try:
        read(pipe)
        print("read", read.__name__)
    except UserError as exc:
        print("refused", read.__name__, pipe in str(exc))
"""


def test_named_pipes_are_refused_not_read_forever(tmp_path):
    """A pipe (or a device) given as a file would block or never end: every reader refuses it.
    In a child with a timeout, so that a reader that does open it fails the test, not hangs."""
    child = subprocess.run([sys.executable, "-c", PIPE_CHILD, str(tmp_path / "pipe")],
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    assert child.stdout.split("\n")[:4] == [f"refused {name} True" for name in
                                           ("Corpus", "load", "load_benchmark", "load_config")]
    COUNTS["named pipe: every reader"]["generated"] += 4
    COUNTS["named pipe: every reader"]["refused"] += 4


# -- output paths ------------------------------------------------------------------------------

FILE_SUFFIXES = (".vec", ".txt", ".bin")  # what train writes as one file; anything else: a folder


def expected_outcome(command, kind, name):
    """"written", "stdout" or "refused": what a user would expect ``-o`` to do."""
    if kind == "-":
        return "stdout" if command == "evaluate" else "refused"  # a model is no stream
    wants = "model" if command == "train" and Path(name).suffix.lower() not in FILE_SUFFIXES \
        else "file"
    return "written" if OUTPUT_KINDS[kind][1] in ("missing", wants) else "refused"


def output_command(command, inputs, output):
    if command == "evaluate":
        return ["evaluate", str(inputs / "m.vec"), "-b", str(inputs / "b.txt"), "--bootstrap",
                "0", "-o", str(output)]
    return ["train", "onehot", str(inputs / "c.txt"), "--min-count", "1", "-o", str(output)]


def assert_written(command, output, before, result):
    assert result.exit_code == 0, result.stderr
    if before is not None and before[0] == "link":  # written through: the link stays
        assert snapshot(output)[:2] == before[:2]
    target = Path(os.path.realpath(output))
    if command == "evaluate":
        assert target.is_file() and json.loads(target.read_text())["records"]
        return
    from wordrep.storage import load
    assert target.is_file() if output.suffix.lower() in FILE_SUFFIXES else \
        (target / "meta.json").is_file()
    assert "cat" in load(output).vocabulary


@settings(max_examples=examples(60))
@given(command=st.sampled_from(["evaluate", "train"]), case=output_paths())
def test_output_paths_are_written_as_expected_or_refused_and_kept(command, case):
    kind, name = case
    outcome = expected_outcome(command, kind, name)
    COUNTS["cli: output paths"]["generated"] += 1
    with scratch() as folder:
        inputs = output_inputs(folder)
        output = make_output(folder, kind, name)
        before = None if output == "-" else snapshot(output)
        result = CliRunner().invoke(main, ["-q", *output_command(command, inputs, output)])
        if outcome == "refused":
            assert_clean_refusal(result.exit_code, result.stderr,
                                 Path("-o -" if output == "-" else output))
            assert output == "-" or snapshot(output) == before
            COUNTS["cli: output paths"]["refused"] += 1
        elif outcome == "stdout":
            assert result.exit_code == 0, result.stderr
            assert json.loads(result.stdout)["records"]
        else:
            assert_written(command, output, before, result)
        if outcome != "refused":
            COUNTS["cli: output paths"]["loaded"] += 1
        assert leftovers(folder) == [] and not (folder / "-").exists()
