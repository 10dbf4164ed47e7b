"""The command line as a user meets it: help, version, exit codes, train and load back."""
import subprocess
import sys

import numpy as np
from click.testing import CliRunner

import wordrep
from wordrep import __version__
from wordrep.cli import main


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_help_lists_commands_with_examples():
    result = run("--help")
    assert result.exit_code == 0
    for command in ("corpus", "train", "wordnet", "run", "methods"):
        assert command in result.output
    assert "Examples" in result.output


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and __version__ in result.output


def test_cli_py_runs_from_a_checkout():
    root = __import__("pathlib").Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, str(root / "cli.py"), "--version"],
                          capture_output=True, text=True, cwd=root)
    assert done.returncode == 0 and __version__ in done.stdout


def test_import_shortens_openblas_spinning_unless_the_user_chose():
    # What the setting does (about 20% off the wiki17m SVD) is measured by `make bench`; here,
    # that it reaches OpenBLAS (set before numpy loads) and never overrides the user's value.
    check = ("import wordrep, numpy, os; "
             "print(os.environ['OPENBLAS_THREAD_TIMEOUT'])")
    env = {k: v for k, v in __import__("os").environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    ours = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True)
    theirs = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True,
                            env=dict(env, OPENBLAS_THREAD_TIMEOUT="12"))
    assert ours.stdout.strip() == "4" and theirs.stdout.strip() == "12"


def test_train_onehot_and_load_back(tmp_path):
    out = tmp_path / "onehot.wr"
    result = run("-q", "train", "onehot", "lee", "-o", str(out), "--min-count", "5")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    rep = wordrep.load(out)
    assert len(rep.vocabulary) == 1831 and rep.vocabulary[:3] == ["the", "to", "of"]
    sims = rep.similarity([("the", "the"), ("the", "of"), ("the", "zzzz")])
    assert sims[0] == 1.0 and sims[1] == 0.0 and np.isnan(sims[2])
    assert rep.metadata["method"] == "onehot"
    assert rep.metadata["parameters"]["min_count"] == 5
    assert len(rep.metadata["corpus_fingerprint"]) == 20


def test_train_refuses_an_unwritable_output_before_any_work(tmp_path):
    result = run("train", "onehot", "lee", "-o", str(tmp_path / "missing" / "m.wr"))
    assert result.exit_code == 2
    assert "does not exist" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "missing").exists()


def test_train_min_count_zero_is_a_usage_error(tmp_path):
    result = run("train", "onehot", "lee", "-o", str(tmp_path / "m.wr"), "--min-count", "0")
    assert result.exit_code == 2 and "min_count" in result.output
    assert list(tmp_path.iterdir()) == []


def test_unknown_method_is_a_usage_error():
    result = run("train", "no-such-method", "lee", "-o", "x")
    assert result.exit_code == 2 and "no-such-method" in result.output


def test_methods_lists_the_registry():
    result = run("methods")
    assert result.exit_code == 0 and "onehot" in result.output and "min_count=5" in result.output


def test_unexpected_errors_exit_1_without_traceback_unless_debug(monkeypatch):
    from wordrep.corpora import corpus as corpus_module

    def broken(self, min_count=5):
        raise RuntimeError("boom")
    monkeypatch.setattr(corpus_module.Corpus, "statistics", broken)
    result = run("corpus", "info", "lee")
    assert result.exit_code == 1
    assert "unexpected RuntimeError: boom" in result.output and "Traceback" not in result.output
    debug = run("--debug", "corpus", "info", "lee")
    assert isinstance(debug.exception, RuntimeError)


def test_train_options_for_tuples_and_untyped_numbers(tmp_path, wordnet_dir, monkeypatch):
    from gensim.test.utils import datapath
    monkeypatch.setenv("WORDREP_WORDNET", str(wordnet_dir))
    out = tmp_path / "retro.vec"
    result = run("-q", "train", "retrofit", "--vectors", datapath("lee_fasttext.vec"),
                 "--relations", "synonym", "--relations", "hypernym", "--iterations", "2",
                 "-o", str(out))
    assert result.exit_code == 0, result.output
    rep = wordrep.load(out)
    assert len(rep.vocabulary) == len(wordrep.load(datapath("lee_fasttext.vec")).vocabulary)
    from wordrep.cli.train_cmd import _Number
    assert _Number().convert("100", None, None) == 100
    assert _Number().convert("0.5", None, None) == 0.5
    assert _Number().convert("n", None, None) == "n"
