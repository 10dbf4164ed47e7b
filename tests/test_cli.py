"""The command line as a user meets it: help, version, exit codes, train and load back."""
import re
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


def printed_after_import(check, variable, value=None):
    """What ``check`` prints in a fresh interpreter that imports wordrep first, with the
    environment ``variable`` unset (or set to ``value``, as a user would)."""
    env = {k: v for k, v in __import__("os").environ.items() if k != variable}
    if value is not None:
        env[variable] = value
    done = subprocess.run([sys.executable, "-c", "import wordrep, numpy, os; " + check],
                          env=env, capture_output=True, text=True)
    return done.stdout.strip()


def test_import_shortens_openblas_spinning_unless_the_user_chose():
    # What the setting does (about 20% off the wiki17m SVD) is measured by `make bench`; here,
    # that it reaches OpenBLAS (set before numpy loads) and never overrides the user's value.
    check = "print(os.environ['OPENBLAS_THREAD_TIMEOUT'])"
    assert printed_after_import(check, "OPENBLAS_THREAD_TIMEOUT") == "4"
    assert printed_after_import(check, "OPENBLAS_THREAD_TIMEOUT", "12") == "12"


def test_import_turns_numpys_huge_pages_off_unless_the_user_chose():
    # What it saves (kernel compaction on every fresh array) is measured by `make bench`;
    # here, that numpy itself sees it (set before numpy loads) and a user's value stands.
    check = "print(numpy.core.multiarray._get_madvise_hugepage())"
    assert printed_after_import(check, "NUMPY_MADVISE_HUGEPAGE") == "False"
    assert printed_after_import(check, "NUMPY_MADVISE_HUGEPAGE", "1") == "True"


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


def test_train_options_for_lists_and_optional_numbers(tmp_path, wordnet_dir, monkeypatch):
    from gensim.test.utils import datapath
    monkeypatch.setenv("WORDREP_WORDNET", str(wordnet_dir))
    out = tmp_path / "retro.vec"
    result = run("-q", "train", "retrofit", "--vectors", datapath("lee_fasttext.vec"),
                 "--relations", "synonym", "--relations", "hypernym", "--iterations", "2",
                 "-o", str(out))
    assert result.exit_code == 0, result.output
    rep = wordrep.load(out)
    assert len(rep.vocabulary) == len(wordrep.load(datapath("lee_fasttext.vec")).vocabulary)
    # every option is read as its declaration says: a list by commas too, none for optional
    commas = run("-q", "train", "retrofit", "--vectors", datapath("lee_fasttext.vec"),
                 "--relations", "synonym,hypernym", "--iterations", "2", "-o",
                 str(tmp_path / "retro.wr"))
    assert commas.exit_code == 0, commas.output
    assert wordrep.load(tmp_path / "retro.wr").metadata["parameters"]["relations"] == [
        "synonym", "hypernym"]
    from wordrep.cli.train_cmd import Declared
    from wordrep.params import Int
    assert Declared(Int(optional=True)).convert("None", None, None) is None
    assert Declared(Int()).convert("100", None, None) == 100


def _quiet_cases(tmp_path):
    """Commands that write to stderr on every run: the invalid byte is warned about each time
    the corpus is opened, the progress bar only on its first read."""
    corpus = tmp_path / "tiny.txt"
    corpus.write_bytes(b"the cat sat on the mat\xff\nthe dog ran\n" * 3)
    return {
        "train": ["train", "onehot", str(corpus), "-o", str(tmp_path / "{}.wr"), "--min-count",
                  "1"],
        "corpus info": ["corpus", "info", str(corpus), "--min-count", "1"],
    }


def _untimed(text):
    """``text`` without its timings ("0.02 s"), which differ from run to run."""
    return re.sub(r"\d+(\.\d+)? s\b", "_ s", text)


def test_quiet_is_taken_after_the_subcommand_too(tmp_path):
    for name, args in _quiet_cases(tmp_path).items():
        loud = run(*[a.format("loud") for a in args])
        assert loud.exit_code == 0 and "Warning: 3 invalid UTF-8" in loud.stderr, name
        for where, given in (("before", ["-q", *args]), ("after", [*args, "-q"]),
                             ("long-after", [*args, "--quiet"])):
            quiet = run(*[a.format(where) for a in given])
            assert quiet.exit_code == 0, (name, where, quiet.output)
            assert quiet.stderr == "", (name, where, quiet.stderr)
            assert _untimed(quiet.stdout.replace(f"{where}.wr", "loud.wr")) == \
                _untimed(loud.stdout), (name, where)


def test_quiet_between_a_group_and_its_subcommand(tmp_path):
    args = _quiet_cases(tmp_path)["corpus info"]
    result = run("corpus", "-q", *args[1:])
    assert result.exit_code == 0 and result.stderr == "" and "tokens" in result.stdout


def test_debug_is_taken_after_the_subcommand_too(monkeypatch):
    from wordrep.corpora import corpus as corpus_module

    def broken(self, min_count=5):
        raise RuntimeError("boom")
    monkeypatch.setattr(corpus_module.Corpus, "statistics", broken)
    assert run("corpus", "info", "lee").exit_code == 1
    assert isinstance(run("corpus", "info", "lee", "--debug").exception, RuntimeError)
    assert isinstance(run("corpus", "--debug", "info", "lee").exception, RuntimeError)


def test_a_flag_given_before_is_not_undone_by_the_subcommand():
    # `wordrep -q train ...`: the train command's own --quiet, left at False, changes nothing
    result = run("-q", "corpus", "info", "lee", "--min-count", "1")
    assert result.exit_code == 0 and result.stderr == ""


def _printed_config(*args):
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    result = run("run", "--print-config", *args)
    assert result.exit_code == 0, result.output
    return tomllib.loads(result.stdout)


def test_run_quick_means_fewer_dimensions_and_epochs_and_no_bootstrap():
    full, quick = _printed_config(), _printed_config("--quick")
    reps, small = full["representations"], quick["representations"]
    assert list(small) == list(reps)
    for name in ("svd", "word2vec", "fasttext", "wordnet-graph"):
        assert small[name]["dim"] < reps[name]["dim"], name
    for name in ("word2vec", "fasttext"):
        assert small[name]["epochs"] < reps[name]["epochs"], name
    assert quick["evaluation"]["bootstrap"] == 0 < full["evaluation"]["bootstrap"]
    for name in ("onehot", "wordnet-features", "wordnet-path", "svd+wordnet"):
        assert small[name] == reps[name], name  # nothing to make smaller
    assert {k: v for k, v in quick.items() if k not in ("representations", "evaluation")} == \
        {k: v for k, v in full.items() if k not in ("representations", "evaluation")}


def test_run_quick_shrinks_the_configs_own_representations(tmp_path):
    config = tmp_path / "run.toml"
    config.write_text('[representations.big]\nmethod = "svd"\ndim = 500\n\n'
                      '[representations.small]\nmethod = "cbow"\ndim = 20\nepochs = 3\n\n'
                      '[representations.default-dim]\nmethod = "word2vec"\n', encoding="utf-8")
    reps = _printed_config(str(config), "--quick")["representations"]
    assert reps["big"] == {"method": "svd", "dim": 50}
    assert reps["small"] == {"method": "cbow", "dim": 20, "epochs": 1}  # a smaller dim is kept
    assert reps["default-dim"]["dim"] == 50 and reps["default-dim"]["epochs"] == 1
