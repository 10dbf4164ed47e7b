"""`wordrep run` writes only inside the run folder it was given, and only into a run folder.

Issue 12, items 1 and 2: a representation's name is a folder under ``models/``, so a name
that is a path must be refused before any work; and ``--out`` naming a folder of the user's
own must not overwrite or delete what is in it.
"""
import json

import pytest
from click.testing import CliRunner

from fuzzing import snapshot
from wordrep.atomic import temporary_name
from wordrep.run import config as run_config, folder as run_folder
from wordrep.cli import main
from wordrep.errors import UserError

TINY = """
[corpus]
name = "lee"
min_count = 3

[representations.{name}]
method = "onehot"

[evaluation]
benchmarks = ["wordsim353"]
bootstrap = 0

[report]
compare = []
"""


def toml_key(name):
    return json.dumps(name)  # a TOML basic string is a JSON string for these names


def write_config(folder, name="onehot"):
    path = folder / "run.toml"
    path.write_text(TINY.format(name=toml_key(name)), encoding="utf-8")
    return path


def invoke(*args):
    return CliRunner().invoke(main, ["-q", *args])


def error_lines(result):
    return [line for line in result.output.splitlines() if line.startswith("Error:")]


# -- 1. representation names are plain names ----------------------------------------------------

@pytest.mark.parametrize("name", ["{victim}", "../x", "..", ".", "", ".hidden", "a/b", "a\\b",
                                  "a\x00b", "a\nb", "a\x1bb", "models/../../x"])
def test_a_representation_name_that_is_not_a_plain_name_is_refused_before_any_work(
        tmp_path, name):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("mine")
    name = name.format(victim=victim)
    config = write_config(tmp_path, name)
    before = snapshot(tmp_path)
    result = invoke("run", str(config), "--out", str(tmp_path / "runs" / "v"))
    assert result.exit_code == 2, result.output
    [line] = error_lines(result)
    assert "representation" in line and "plain name" in line, line
    assert snapshot(tmp_path) == before  # not even the run folder was made


@pytest.mark.parametrize("name", ["svd-2", "wordnet:path", "naïve", "日本語", "a b", "v1.2"])
def test_plain_names_are_accepted(tmp_path, name):
    config = run_config.load_config(write_config(tmp_path, name))
    assert list(config["representations"]) == [name]


def test_a_model_folder_outside_models_is_refused(tmp_path):
    """Defence in depth: a name that reached the build unchecked cannot leave models/."""
    models = tmp_path / "run" / "models"
    with pytest.raises(UserError, match="outside"):
        run_folder.model_folder(models, "../escaped")
    (tmp_path / "elsewhere").mkdir()
    models.mkdir(parents=True)
    (models / "linked").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UserError, match="outside"):
        run_folder.model_folder(models, "linked")
    assert run_folder.model_folder(models, "svd") == models / "svd"


def test_a_model_linked_out_of_models_is_not_replaced(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.txt").write_text("mine")
    out = tmp_path / "run"
    (out / "models").mkdir(parents=True)
    (out / "models" / "onehot").symlink_to(elsewhere)
    before = snapshot(elsewhere)
    result = invoke("run", str(write_config(tmp_path)), "--out", str(out), "--force")
    assert result.exit_code == 2, result.output
    assert "outside" in error_lines(result)[0]
    assert snapshot(elsewhere) == before


def test_a_name_with_a_format_suffix_is_saved_and_reused_as_a_wordrep_model(tmp_path):
    config, out = write_config(tmp_path, "onehot.vec"), tmp_path / "run"
    assert invoke("run", str(config), "--out", str(out)).exit_code == 0
    assert (out / "models" / "onehot.vec" / "meta.json").is_file()
    again = invoke("run", str(config), "--out", str(out))
    assert again.exit_code == 0 and "onehot.vec: reused" in (out / "run.log").read_text()


# -- 2. --out is a run folder -------------------------------------------------------------------

@pytest.fixture
def users_folder(tmp_path):
    folder = tmp_path / "mine"
    (folder / "models" / "onehot").mkdir(parents=True)
    (folder / "models" / "onehot" / "notes.txt").write_text("my notes")
    (folder / "report.md").write_text("# my own report\n")
    (folder / "results.json").write_text("{}")
    (folder / "thesis.tex").write_text("\\section{}")
    return folder


def test_a_folder_that_is_not_a_run_folder_is_refused(tmp_path, users_folder):
    before = snapshot(users_folder)
    result = invoke("run", str(write_config(tmp_path)), "--out", str(users_folder))
    assert result.exit_code == 2, result.output
    [line] = error_lines(result)
    assert "not a wordrep run folder" in line and "--force" in line, line
    assert snapshot(users_folder) == before  # not even a lock or a log


def test_a_folder_a_run_has_just_made_is_not_taken_for_a_users(tmp_path, users_folder):
    """Runs started together in one folder: the second may find the first's lock, and its
    marker being written, before the marker is there. It takes its turn; a user's file
    beside them is still refused."""
    config = write_config(tmp_path)
    starting = tmp_path / "starting"
    starting.mkdir()
    (starting / ".run.lock").write_text("")
    (starting / temporary_name(".wordrep-run")).write_text("")
    result = invoke("run", str(config), "--out", str(starting))
    assert result.exit_code == 0, result.output
    (users_folder / ".run.lock").write_text("")
    result = invoke("run", str(config), "--out", str(users_folder))
    assert result.exit_code == 2 and "not a wordrep run folder" in error_lines(result)[0]


def test_force_never_deletes_a_folder_it_did_not_make(tmp_path, users_folder):
    result = invoke("run", str(write_config(tmp_path)), "--out", str(users_folder), "--force")
    assert result.exit_code == 2, result.output
    assert "models/onehot" in error_lines(result)[0]
    assert (users_folder / "models" / "onehot" / "notes.txt").read_text() == "my notes"
    assert (users_folder / "report.md").read_text() == "# my own report\n"
    assert not (users_folder / ".run.lock").exists()  # refused before anything was made


def test_force_runs_in_a_users_folder_and_leaves_the_other_files(tmp_path, users_folder):
    (users_folder / "models" / "onehot" / "notes.txt").rename(users_folder / "notes.txt")
    (users_folder / "models" / "onehot").rmdir()
    result = invoke("run", str(write_config(tmp_path)), "--out", str(users_folder), "--force")
    assert result.exit_code == 0, result.output
    assert (users_folder / "thesis.tex").read_text() == "\\section{}"
    assert (users_folder / "notes.txt").read_text() == "my notes"
    # from now on it is a run folder: a re-run needs no --force
    assert invoke("run", str(write_config(tmp_path)), "--out", str(users_folder)).exit_code == 0


def test_a_run_folder_is_reused_new_empty_or_older(tmp_path):
    config = write_config(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert invoke("run", str(config), "--out", str(empty)).exit_code == 0
    assert invoke("run", str(config), "--out", str(empty)).exit_code == 0
    # a run folder of an older wordrep: no marker, but its config and results
    (empty / run_folder.RUN_MARKER).unlink()
    again = invoke("run", str(config), "--out", str(empty))
    assert again.exit_code == 0, again.output
    assert "onehot: reused" in (empty / "run.log").read_text()


def test_an_interrupted_run_folder_resumes(tmp_path):
    """A run killed before its results were written left only its marker, log and models."""
    config, out = write_config(tmp_path), tmp_path / "run"
    assert invoke("run", str(config), "--out", str(out)).exit_code == 0
    for name in ("config.toml", "results.json", "report.md", "report.html"):
        (out / name).unlink()
    again = invoke("run", str(config), "--out", str(out))
    assert again.exit_code == 0, again.output
    assert "onehot: reused" in (out / "run.log").read_text()
