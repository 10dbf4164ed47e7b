"""Every example a user reads runs here, so that a broken one fails the suite.

- Docstrings: every ``>>>`` example of every module of the ``wordrep`` package, through
  :mod:`doctest` (the modules are found from the files on disk, so none is silently missed).
  The examples that need WordNet run in the modules listed in :data:`WORDNET_MODULES`, with the
  session's WordNet folder; an example left ``+SKIP`` must be listed, with its reason, in
  :data:`SKIPPED_EXAMPLES`.
- README: every command of its ```sh blocks runs through the real ``wordrep`` command (a
  subprocess, in one temporary folder, in order, so later commands read what earlier ones
  wrote), then its ```python block runs as a script in the same folder. A command runs as
  written unless :data:`README_COMMANDS` maps it to the commands run instead (a named download
  swapped for a local file, small settings where the README's would take minutes), or
  :data:`README_NOT_RUN` says why it is not run. A new README command needs no entry: it runs
  as written.

All of it shares one ``$WORDREP_HOME`` so that the WordNet index is built once.
"""
import doctest
import hashlib
import importlib
import io
import lzma
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import wordrep

PACKAGE_DIR = Path(wordrep.__file__).parent
README = Path(__file__).resolve().parent.parent / "README.md"


# -- the walk over the package ------------------------------------------------------------------

def package_modules():
    """Every module of the package, by dotted name, from its files on disk."""
    names = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


# ``python -m`` entry points run the command line when imported: not imported, and their
# source is checked to hold no example instead.
SCRIPTS = {"wordrep.cli.__main__"}

# Modules whose examples read WordNet: their test gets the session's WordNet folder.
WORDNET_MODULES = {
    "wordrep.wordnet",
    "wordrep.wordnet.loading",
    "wordrep.representations.retrofit",
    "wordrep.representations.wordnet_features",
    "wordrep.representations.wordnet_graph",
    "wordrep.representations.wordnet_index",
    "wordrep.representations.wordnet_measures",
}

# Examples allowed to stay ``# doctest: +SKIP`` (doctest name -> why it cannot run here).
SKIPPED_EXAMPLES = {
    "wordrep.download.fetch": "downloads text8 from the internet; the suite runs offline "
                              "(tests/test_download.py runs fetch against a local server)",
    "wordrep.report": "needs a results object from a whole evaluation (report.py is being "
                      "cut into a package; its example is to be rewritten then)",
}

DOCTEST_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def docstring_tests(name):
    """The doctests of module ``name`` (only its own objects, not what it imports)."""
    module = importlib.import_module(name)
    return [test for test in doctest.DocTestFinder(exclude_empty=True).find(module, name)
            if test.examples]


def _module_param(name):
    marks = [pytest.mark.wordnet] if name in WORDNET_MODULES else []
    return pytest.param(name, marks=marks, id=name)


def test_the_walk_covers_every_module_and_finds_examples(capsys):
    names = package_modules()
    walked = {"wordrep"} | {info.name for info in
                            pkgutil.walk_packages(wordrep.__path__, "wordrep.")}
    assert set(names) == walked, "modules on disk and modules Python finds differ"
    assert WORDNET_MODULES <= set(names) and SCRIPTS <= set(names)
    for script in SCRIPTS:
        path = PACKAGE_DIR.parent.joinpath(*script.split(".")).with_suffix(".py")
        assert ">>>" not in path.read_text(encoding="utf-8"), f"{script} is not walked"
    counts, skipped = {}, set()
    for name in sorted(set(names) - SCRIPTS):
        tests = docstring_tests(name)
        counts[name] = sum(len(test.examples) for test in tests)
        skipped |= {test.name for test in tests
                    if any(example.options.get(doctest.SKIP) for example in test.examples)}
    listing = ", ".join(f"{name.removeprefix('wordrep.')} {count}"
                        for name, count in counts.items())
    with capsys.disabled():
        print(f"\n{sum(counts.values())} docstring examples in the {len(counts)} modules "
              "walked:\n" + textwrap.fill(listing, 99, initial_indent="  ",
                                         subsequent_indent="  "))
    assert sum(counts.values()) > 0
    assert skipped == set(SKIPPED_EXAMPLES), (
        "examples marked +SKIP (make them run on small data, or list them with a reason): "
        f"{sorted(skipped)}")


@pytest.fixture(scope="module")
def shared_home(tmp_path_factory):
    """One ``$WORDREP_HOME`` for this file: the WordNet index is built once, not per test."""
    return tmp_path_factory.mktemp("examples_home")


@pytest.mark.parametrize("name", [_module_param(name) for name in package_modules()
                                  if name not in SCRIPTS])
def test_docstring_examples(name, shared_home, tmp_path, monkeypatch):
    monkeypatch.setenv("WORDREP_HOME", str(shared_home))
    if name in WORDNET_MODULES:
        assert Path(os.environ.get("WORDREP_WORDNET", "")).joinpath("lexnames").is_file()
    else:
        # An example that reads WordNet here fails at once instead of finding the system's.
        monkeypatch.setenv("WORDREP_WORDNET", str(tmp_path / "no-wordnet-for-this-module"))
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    runner = doctest.DocTestRunner(optionflags=DOCTEST_FLAGS)
    report = io.StringIO()
    for test in docstring_tests(name):
        runner.run(test, out=report.write)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, report.getvalue()


# -- the README ---------------------------------------------------------------------------------

# The README's commands that are not run, and why.
README_NOT_RUN = {
    "make run": "the main job with its set-up: `make run` is not part of the suite it runs",
    "make test": "runs this very suite",
}

# README command -> the commands run instead. Named downloads (text8, wiki17m) become my.txt.xz,
# a corpus the test makes (lee, gensim's test data, plus a few lines); a benchmark download is
# served from a local file; sizes the README gives for real corpora become small ones.
README_COMMANDS = {
    # The default job takes minutes: small.toml is its printed config with SMALL_CONFIG's values.
    "wordrep run": ["wordrep run small.toml"],
    "wordrep run --print-config > my.toml": [
        "wordrep run --print-config > my.toml",
        # The comment's "then: wordrep run my.toml" is the default job again; the config's
        # check is what can break, so that is what runs:
        "wordrep run my.toml --print-config"],
    "wordrep run --corpus text8 --fractions 0.1,0.25,0.5,1.0": [
        "wordrep run curve.toml --corpus my.txt.xz --fractions 0.5,1.0"],
    "wordrep corpus list | info NAME|PATH | fetch NAME": [
        "wordrep corpus list", "wordrep corpus info lee", "wordrep corpus info my.txt.xz",
        "wordrep corpus fetch lee"],
    "wordrep wordnet status | install": ["wordrep wordnet status", "wordrep wordnet install"],
    "wordrep train svd my.txt.xz -o svd.wr --dim 300 --window 5": [
        "wordrep train svd my.txt.xz -o svd.wr --dim 20 --window 5"],
    "wordrep train word2vec text8 -o w2v.vec": ["wordrep train word2vec my.txt.xz -o w2v.vec"],
    "wordrep benchmarks list | show NAME | fetch NAME": [
        "wordrep benchmarks list", "wordrep benchmarks show simlex999",
        "wordrep benchmarks fetch rg65", "wordrep benchmarks show rg65"],
    "wordrep tune svd text8 --grid 'dim=100,300;eig=0,0.5'": [
        "wordrep tune svd my.txt.xz --grid 'dim=10,20;eig=0,0.5'"],
    "wordrep similar w2v.vec king": [
        "wordrep similar w2v.vec king",
        "wordrep analogy w2v.vec man king woman"],  # the command in its comment
    "wordrep similar big.wr king queen paris": ["wordrep similar svd.wr king queen paris"],
    "wordrep train svd wiki17m.txt.xz -o svd.wr --eig 0": [
        "wordrep train svd my.txt.xz -o svd.wr --eig 0 --dim 20"],
    # The whole WordNet graph takes a minute even at --dim 20; its adverbs take seconds.
    "wordrep train wordnet-graph -o graph.wr": [
        "wordrep train wordnet-graph -o graph.wr --dim 20 --pos r"],
}

# The printed default config -> small.toml: (text, replacement, how many times it occurs).
SMALL_CONFIG = [
    ('name = "enwiki-sample"', 'name = "lee"', 1),
    ("dim = 300", "dim = 20", 2),
    ("dim = 100", "dim = 20", 3),  # word2vec, fasttext, glove
    ("epochs = 5", "epochs = 1", 2),
    ("bucket = 200000", "bucket = 1000", 1),
    ('method = "wordnet-graph"\n', 'method = "wordnet-graph"\npos = "r"\n', 1),
    ("bootstrap = 1000", "bootstrap = 0", 1),
]

# The learning curve retrains the distributional methods only: a config of those.
CURVE_CONFIG = """
[representations.svd]
method = "svd"
dim = 20

[representations.word2vec]
method = "word2vec"
dim = 20
epochs = 1

[evaluation]
bootstrap = 0
"""

# Downloads served from local files: benchmark name -> file name and contents.
LOCAL_BENCHMARKS = {
    "rg65": ("EN-RG-65.txt", b"gem\tjewel\t3.94\nnoon\tmidday\t3.94\ncar\tautomobile\t3.92\n"),
}

# Lines added to lee's text so that the words the README looks up pass the default min_count.
EXTRA_TEXT = "\n".join(["the queen of england met the king in paris"] * 3) + "\n"

MY_PAIRS = "police officers 8.5\nking queen 8.0\ncourt judge 7.0\nfire water 2.0\nman woman 7.5\n"


def readme_blocks(language):
    """The code blocks of the README in ``language``, as lists of lines."""
    text = README.read_text(encoding="utf-8")
    return [block.splitlines() for block in
            re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.M | re.S)]


def readme_sh_commands():
    """Each command of the ```sh blocks: continuations joined, comments dropped."""
    commands = []
    for block in readme_blocks("sh"):
        text = re.sub(r"\\\n\s*", "", "\n".join(block))
        for line in text.splitlines():
            command = re.sub(r"(^|\s+)#.*$", "", line).strip()
            if command:
                commands.append(" ".join(command.split()))
    return commands


def test_the_readme_tables_name_readme_commands():
    commands = readme_sh_commands()
    assert commands and readme_blocks("python"), "the README's code blocks were not found"
    stale = (set(README_COMMANDS) | set(README_NOT_RUN)) - set(commands)
    assert not stale, f"the README no longer has these commands; update the tables: {stale}"
    for command in commands:
        if command not in README_NOT_RUN:
            run = README_COMMANDS.get(command, [command])
            assert all(c.startswith("wordrep ") for c in run), f"not a wordrep command: {run}"


def _make_inputs(folder):
    from gensim.test.utils import datapath

    lee = Path(datapath("lee_background.cor")).read_bytes()
    (folder / "my.txt.xz").write_bytes(lzma.compress(lee + EXTRA_TEXT.encode()))
    (folder / "my_pairs.txt").write_text(MY_PAIRS, encoding="utf-8")
    config = _run(folder, "wordrep run --print-config").stdout
    for text, replacement, count in SMALL_CONFIG:
        assert config.count(text) == count, f"the default config changed: {text!r}"
        config = config.replace(text, replacement)
    (folder / "small.toml").write_text(config, encoding="utf-8")
    (folder / "curve.toml").write_text(CURVE_CONFIG, encoding="utf-8")


def _env():
    env = dict(os.environ)
    # The `wordrep` script installed beside the interpreter running the tests.
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def _run(folder, command):
    result = subprocess.run(command, shell=True, executable="/bin/bash", cwd=folder,
                            env=_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and "Traceback" not in result.stderr, (
        f"`{command}` exited {result.returncode}\nstdout:\n{result.stdout[-3000:]}\n"
        f"stderr:\n{result.stderr[-3000:]}")
    return result


def _fetch_benchmark_locally(folder, command, http_server, monkeypatch):
    """``wordrep benchmarks fetch NAME`` in-process, its download served from a local file."""
    from click.testing import CliRunner

    from wordrep.benchmarks import named
    from wordrep.cli import main

    name = command.split()[-1]
    filename, data = LOCAL_BENCHMARKS[name]
    served = folder / "served"
    served.mkdir(exist_ok=True)
    (served / filename).write_bytes(data)
    monkeypatch.setitem(named.DOWNLOADS, name, named.Download(
        f"{http_server(served)}/{filename}", sha256=hashlib.sha256(data).hexdigest()))
    result = CliRunner().invoke(main, command.split()[1:])
    assert result.exit_code == 0, f"`{command}`: {result.output}"


@pytest.mark.wordnet
def test_every_readme_command_runs(shared_home, tmp_path, monkeypatch, http_server):
    monkeypatch.setenv("WORDREP_HOME", str(shared_home))
    assert shutil.which("wordrep", path=_env()["PATH"]), "the wordrep command is not installed"
    _make_inputs(tmp_path)
    for readme_command in readme_sh_commands():
        if readme_command in README_NOT_RUN:
            continue
        for command in README_COMMANDS.get(readme_command, [readme_command]):
            if command.startswith("wordrep benchmarks fetch "):
                _fetch_benchmark_locally(tmp_path, command, http_server, monkeypatch)
            else:
                _run(tmp_path, command)
    assert (tmp_path / "runs" / "lee" / "report.html").is_file()
    assert (tmp_path / "hybrid.wr").is_dir()
    for number, block in enumerate(readme_blocks("python")):
        script = tmp_path / f"readme_example_{number}.py"
        script.write_text("\n".join(block) + "\n", encoding="utf-8")
        _run(tmp_path, f"{sys.executable} {script.name}")
