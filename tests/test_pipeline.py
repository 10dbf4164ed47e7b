"""The main job: config, build or reuse, evaluate, report, resume."""
import json

import pytest
from click.testing import CliRunner

from wordrep.run import config as run_config, pipeline
from wordrep.cli import main
from wordrep.errors import UserError

SMALL = """
[corpus]
name = "lee"
min_count = 3

[representations.onehot]
method = "onehot"

[representations.svd]
method = "svd"
dim = 20

[representations.word2vec]
method = "word2vec"
dim = 20
epochs = 2
workers = 1

[representations.wordnet-path]
method = "wordnet:path"

[representations."svd+wordnet"]
method = "retrofit"
vectors = "svd"
relations = ["synonym", "hypernym"]

[evaluation]
bootstrap = 50

[report]
probe_words = ["man", "woman", "police", "fire", "government", "people"]
compare = [["svd", "word2vec"]]
"""


@pytest.fixture
def config_file(tmp_path, wordnet_dir, monkeypatch):
    monkeypatch.setenv("WORDREP_WORDNET", str(wordnet_dir))
    path = tmp_path / "run.toml"
    path.write_text(SMALL)
    return path


def invoke(*args):
    return CliRunner().invoke(main, ["-q", *args])


def test_print_config_round_trips(tmp_path):
    result = invoke("run", "--print-config")
    assert result.exit_code == 0
    path = tmp_path / "c.toml"
    path.write_text(result.stdout)
    assert run_config.load_config(path) == run_config.default_config()


def test_a_run_builds_evaluates_reports_and_then_reuses(tmp_path, config_file):
    out = tmp_path / "run"
    first = invoke("run", str(config_file), "--out", str(out))
    assert first.exit_code == 0, first.output
    for name in ("config.toml", "results.json", "report.md", "report.html", "run.log"):
        assert (out / name).is_file(), name
    results = json.loads((out / "results.json").read_text())
    names = {r["representation"] for r in results["records"]}
    assert names == {"onehot", "svd", "word2vec", "wordnet-path", "svd+wordnet"}
    path = [r for r in results["records"]
            if r["representation"] == "wordnet-path" and r["dataset"] == "simlex999"][0]
    assert path["score"] == pytest.approx(0.476, abs=0.002)      # the reference figure
    onehot = [r for r in results["records"]
              if r["representation"] == "onehot" and r["dataset"] == "wordsim353"][0]
    assert onehot["score"] is None and onehot["undefined"]
    assert "svd+wordnet" in (out / "report.md").read_text()

    mtime = (out / "models" / "svd" / "meta.json").stat().st_mtime_ns
    second = invoke("run", str(config_file), "--out", str(out))
    assert second.exit_code == 0, second.output
    assert (out / "models" / "svd" / "meta.json").stat().st_mtime_ns == mtime
    assert "svd: reused" in (out / "run.log").read_text()


def test_a_different_config_in_the_same_folder_is_refused_unless_forced(tmp_path, config_file):
    out = tmp_path / "run"
    (out).mkdir()
    (out / "config.toml").write_text("something else\n")
    (out / "results.json").write_text("{}")  # a run folder (of a wordrep without the marker)
    refused = invoke("run", str(config_file), "--out", str(out))
    assert refused.exit_code == 2 and "different config" in refused.output
    assert (out / "config.toml").read_text() == "something else\n"


@pytest.mark.parametrize("text,message", [
    ("[corpuss]\nname = 'lee'\n", "unknown config section 'corpuss'"),
    ("[representations.x]\nmethod = 'nope'\n", "unknown method 'nope'"),
    ("[representations.x]\nmethod = 'svd'\ndims = 3\n", "no parameter 'dims'"),
    ("[evaluation]\nrestrictt = 5\n", "unknown key in [evaluation] 'restrictt'"),
    ("[representations.r]\nmethod = 'retrofit'\nvectors = 'ghost'\n", "ghost"),
    ("[corpus\n", "not valid TOML"),
])
def test_bad_configs_are_named(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(UserError, match=message.replace("[", r"\[").replace("]", r"\]")):
        run_config.load_config(path)


def test_learning_curve_prefixes(tmp_path, config_file):
    config = run_config.load_config(config_file, {"learning_curve": {"fractions": [0.5, 1.0],
                                                                   "methods": ["svd"]}})
    corpus = pipeline.open_run_corpus(config["corpus"])
    points = pipeline.learning_curve(config, corpus, tmp_path / "models")
    tokens = sorted({p["tokens"] for p in points})
    assert tokens == [30266, 60533]
    assert {p["benchmark"] for p in points} == {"wordsim353", "simlex999", "google"}


def test_quiet_run_writes_its_log_but_nothing_on_stderr(tmp_path):
    import subprocess
    import sys
    config = tmp_path / "tiny.toml"
    config.write_text('[corpus]\nname = "lee"\n\n[representations.onehot]\nmethod = "onehot"\n\n'
                      '[evaluation]\nbenchmarks = ["wordsim353"]\nbootstrap = 10\n\n'
                      '[report]\ncompare = []\n')
    run = lambda *flags: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "wordrep.cli", *flags, "run", str(config), "--out",
         str(tmp_path / "out"), "--force"], capture_output=True, text=True, timeout=300)
    quiet = run("-q")
    assert quiet.returncode == 0, quiet.stderr
    chatter = [line for line in quiet.stderr.splitlines() if not line.startswith("Warning:")]
    assert chatter == [], "-q leaves only warnings on stderr"
    assert "onehot: building" in (tmp_path / "out" / "run.log").read_text()
    loud = run()
    assert loud.returncode == 0 and "onehot" in loud.stderr


def test_a_fraction_too_small_to_build_is_skipped_with_a_note(tmp_path):
    """Issue 12, item 11: 0.00001 of lee is one token, no word of min_count: the other
    points, the run and its report go on, and the report and the log say what was skipped."""
    config = tmp_path / "curve.toml"
    config.write_text('[corpus]\nname = "lee"\nmin_count = 3\n\n'
                      '[representations.svd]\nmethod = "svd"\ndim = 10\n\n'
                      '[evaluation]\nbenchmarks = ["wordsim353"]\nbootstrap = 0\n\n'
                      '[report]\ncompare = []\n\n[learning_curve]\nmethods = ["svd"]\n')
    out = tmp_path / "run"
    result = invoke("run", str(config), "--out", str(out), "--fractions", "0.00001,0.5")
    assert result.exit_code == 0, result.output
    for page in ("report.md", "report.html", "run.log"):
        text = (out / page).read_text()
        assert "skipped" in text and "svd" in text and "vocabulary is empty" in text, page
    assert "30,266" in (out / "report.md").read_text()  # the point that could be built
    assert not (out / "models" / "svd@1e-05").exists()
