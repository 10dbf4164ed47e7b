"""Files wordrep did not make, and commands it runs: no pickle unless asked, no shell ever.

- Every command that loads a model refuses gensim's pickled format unless ``--allow-pickle``
  is given, and its help says why.
- A ``.npy`` file holding pickled objects is refused, never unpickled.
- The package runs no shell: no ``shell=True``, no ``os.system``; ``subprocess`` is used only
  by ``wordrep wordnet install``, and only for fixed ``apt-get`` argument lists.
"""
import ast
import subprocess
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
from click.testing import CliRunner

import wordrep
from wordrep.wordnet import installing
from wordrep.cli import main
from wordrep.errors import UserError
from wordrep.storage import load, save

PACKAGE = Path(wordrep.__file__).parent
WORDS = ["king", "queen", "man", "woman", "paris", "france"]

MODEL_COMMANDS = {
    "similar": lambda m: ["similar", m, "king"],
    "analogy": lambda m: ["analogy", m, "man", "king", "woman"],
    "compare": lambda m: ["compare", m, m],
    "evaluate": lambda m: ["evaluate", m, "-b", "wordsim353", "--bootstrap", "0"],
    "train retrofit": lambda m: ["train", "retrofit", "--vectors", m,
                                 "-o", str(Path(m).parent / "out.wr")],
}


class WritesAMarker:
    """Unpickling this creates a file: the proof that code from a file ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


@pytest.fixture
def gensim_pickle(tmp_path):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=4)
    kv.add_vectors(WORDS, np.random.default_rng(0).normal(size=(len(WORDS), 4)))
    path = tmp_path / "vectors.kv"
    kv.save(str(path))
    return path


@pytest.mark.parametrize("command", sorted(MODEL_COMMANDS))
def test_every_model_loading_command_refuses_pickles_unless_allowed(command, gensim_pickle):
    help_text = CliRunner().invoke(main, command.split() + ["--help"]).stdout
    assert "--allow-pickle" in help_text and "run code" in " ".join(help_text.split())
    result = CliRunner().invoke(main, MODEL_COMMANDS[command](str(gensim_pickle)))
    assert result.exit_code == 2, result.output
    assert "is a gensim pickle: loading it runs code stored in the file" in result.stderr
    assert "--allow-pickle" in result.stderr and "Traceback" not in result.output


def test_an_allowed_pickle_loads(gensim_pickle):
    result = CliRunner().invoke(main, ["similar", str(gensim_pickle), "king", "--allow-pickle"])
    assert result.exit_code == 0, result.output
    assert {line.split("\t")[0] for line in result.stdout.splitlines()} == set(WORDS) - {"king"}


@pytest.mark.parametrize("kind, array", [("dense", "vectors.npy"), ("sparse", "data.npy")])
def test_a_native_model_with_a_pickled_array_is_refused_unrun(kind, array, tmp_path):
    from wordrep.representations.dense import DenseVectors
    from wordrep.representations.sparse import SparseVectors

    matrix = np.eye(len(WORDS), dtype=np.float32)
    rep = DenseVectors.from_arrays(WORDS, matrix) if kind == "dense" \
        else SparseVectors(WORDS, scipy.sparse.csr_matrix(matrix))
    folder = tmp_path / "model.wr"
    save(rep, folder)
    assert load(folder).vocabulary == WORDS  # the untouched folder loads
    marker = tmp_path / "code-ran"
    evil = np.empty(1, dtype=object)
    evil[0] = WritesAMarker(marker)
    np.save(folder / array, evil, allow_pickle=True)
    with pytest.raises(UserError, match="damaged wordrep model"):
        load(folder)
    assert not marker.exists()


# ---- source audit ------------------------------------------------------------------------------

def package_calls():
    """(module path, ast.Call) for every call in the package's source."""
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                yield path.relative_to(PACKAGE).as_posix(), node


def dotted(node):
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else "?"


def test_every_numpy_load_refuses_pickles():
    loads = [(module, call) for module, call in package_calls()
             if dotted(call.func) in ("np.load", "numpy.load")]
    assert loads  # the audit sees them
    for module, call in loads:
        options = {k.arg: k.value for k in call.keywords}
        assert isinstance(options.get("allow_pickle"), ast.Constant) \
            and options["allow_pickle"].value is False, f"{module}:{call.lineno}"


def test_no_shell_and_subprocess_only_in_wordnet_install():
    shells = {"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput"}
    for module, call in package_calls():
        name = dotted(call.func)
        assert name not in shells and not name.startswith("os.exec"), f"{module}:{call.lineno}"
        for keyword in call.keywords:
            assert not (keyword.arg == "shell" and not (isinstance(keyword.value, ast.Constant)
                                                        and keyword.value.value is False)), \
                f"{module}:{call.lineno} passes shell="
        if name.startswith("subprocess."):
            assert module == "wordnet/installing.py", f"{module}:{call.lineno} runs a process"
    importers = sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
                       if "import subprocess" in p.read_text(encoding="utf-8"))
    assert importers == ["wordnet/installing.py"]


def test_apt_get_runs_with_fixed_arguments_whatever_the_user_gives(closed_port_url,
                                                                   monkeypatch):
    runs = []

    def fake_run(args, **options):
        runs.append((args, options))
        return subprocess.CompletedProcess(args, 100, stdout="E: Unable to locate package")

    monkeypatch.setattr(installing.subprocess, "run", fake_run)
    monkeypatch.setattr(installing, "_apt_unavailable", lambda: None)
    hostile = closed_port_url + "/index.xml;rm -rf ~;`touch pwned`$(id)"
    result = CliRunner().invoke(main, ["wordnet", "install", "--force", "--index-url", hostile])
    assert result.exit_code == 2 and "could not install WordNet" in result.stderr
    install = ["apt-get", "install", "-y", "wordnet-base", "wordnet-sense-index"]
    assert [args for args, _ in runs] == [install, ["apt-get", "update"], install]
    for args, options in runs:
        assert type(args) is list and not options.get("shell", False)
        assert options["stdin"] is subprocess.DEVNULL
        assert options["env"]["DEBIAN_FRONTEND"] == "noninteractive"


def test_no_apt_runs_nothing(closed_port_url, monkeypatch):
    monkeypatch.setattr(installing.subprocess, "run",
                        lambda *a, **k: pytest.fail("a process was started"))
    monkeypatch.setattr(installing, "_apt_unavailable", lambda: None)
    result = CliRunner().invoke(main, ["wordnet", "install", "--force", "--no-apt",
                                       "--index-url", closed_port_url + "/index.xml"])
    assert result.exit_code == 2
