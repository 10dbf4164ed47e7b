"""A run config is checked against the methods' declarations before any work: each case below
passed the old check and failed later (a TypeError reported as a bug, a crash in the report, or
a typo silently ignored), as issue 13 found."""
import subprocess
import sys

import numpy as np
import pytest

from wordrep.errors import UserError
from wordrep.run.config import load_config


def _load(tmp_path, text):
    path = tmp_path / "run.toml"
    path.write_text(text)
    return load_config(path)


BAD = {
    'dim = "300"': ('[representations.svd]\nmethod = "svd"\ndim = "300"\n',
                    r"\[representations.svd\] svd: dim = '300': expected a whole number >= 1"),
    "window = true": ('[representations.svd]\nmethod = "svd"\nwindow = true\n',
                      r"svd: window = True: expected a whole number"),
    'negative = "5"': ('[representations.w]\nmethod = "word2vec"\nnegative = "5"\n',
                       r"word2vec: negative = '5': expected a whole number >= 0"),
    "a measure's misspelt option": (
        '[representations.p]\nmethod = "wordnet:path"\nagregate = "max"\n',
        r"wordnet:path has no parameter 'agregate'. Did you mean 'aggregate'"),
    "a measure's option value": (
        '[representations.p]\nmethod = "wordnet:wup"\naggregate = "best"\n',
        r"wordnet:wup: aggregate = 'best': expected one of 'max', 'mean', 'first'"),
    "negative seed": ('[representations.w]\nmethod = "word2vec"\nseed = -1\n',
                      r"word2vec: seed = -1: expected a whole number >= 0"),
    "fasttext bucket -1": ('[representations.f]\nmethod = "fasttext"\nbucket = -1\n',
                           r"fasttext: bucket = -1: expected a whole number >= 1"),
    "evaluation seed -1": ('[representations.o]\nmethod = "onehot"\n[evaluation]\nseed = -1\n',
                           r"\[evaluation\] seed"),
    "compare typo": ('[representations.svd]\nmethod = "svd"\n[representations.w]\n'
                     'method = "word2vec"\n[report]\ncompare = [["svd", "word2vc"]]\n',
                     r"\[report\] compare names 'word2vc'.*Did you mean 'w'|"
                     r"\[report\] compare names 'word2vc'"),
    "learning-curve typo": ('[representations.svd]\nmethod = "svd"\n[learning_curve]\n'
                            'methods = ["svdd"]\n',
                            r"\[learning_curve\] methods names 'svdd'.*Did you mean 'svd'"),
    "retrofit on a later one": (
        '[representations.r]\nmethod = "retrofit"\nvectors = "svd"\n'
        '[representations.svd]\nmethod = "svd"\n',
        r"vectors = 'svd' names a representation listed after it"),
    "retrofit on itself": ('[representations.r]\nmethod = "retrofit"\nvectors = "r"\n',
                           r"vectors = 'r' names itself"),
    "retrofit on a measure": (
        '[representations.p]\nmethod = "wordnet:path"\n'
        '[representations.r]\nmethod = "retrofit"\nvectors = "p"\n',
        r"vectors = 'p' is a WordNet measure"),
    "retrofit without vectors": ('[representations.r]\nmethod = "retrofit"\n',
                                 r"\[representations.r\] vectors is missing"),
    "fraction out of range": ('[representations.o]\nmethod = "onehot"\n[learning_curve]\n'
                              'fractions = [1.5]\nmethods = ["o"]\n', r"fractions: 1.5"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_config_is_one_error_naming_the_parameter(tmp_path, case):
    text, message = BAD[case]
    with pytest.raises(UserError, match=message):
        _load(tmp_path, text)


def test_defaults_that_name_absent_representations_are_dropped_not_refused(tmp_path):
    config = _load(tmp_path, '[representations.svd]\nmethod = "svd"\n')
    assert config["report"]["compare"] == []  # the default pairs name word2vec, fasttext
    assert config["learning_curve"]["methods"] == ["svd"]


def test_measure_aliases_resolve_to_the_registered_method(tmp_path):
    config = _load(tmp_path, '[representations.w]\nmethod = "wordnet:wu-palmer"\n')
    assert config["representations"]["w"]["method"] == "wordnet:wup"


def test_every_bad_config_exits_2_before_any_corpus_is_read(tmp_path):
    """Through the real command: the corpus named does not exist, so a run that got as far as
    reading it would say so instead."""
    for case, (text, _) in BAD.items():
        path = tmp_path / "run.toml"
        path.write_text('[corpus]\nname = "/nonexistent/corpus.txt"\n' + text)
        done = subprocess.run([sys.executable, "-m", "wordrep.cli", "run", str(path), "--out",
                               str(tmp_path / "out")], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 2, (case, done.stderr)
        assert done.stderr.startswith("Error:") and "/nonexistent" not in done.stderr, case
        assert len(done.stderr.strip().splitlines()) <= 2, done.stderr
        assert not (tmp_path / "out").exists()


def test_a_one_dimensional_model_gets_no_pca_map_instead_of_a_crash():
    from wordrep.report import pca_coordinates
    words = ["a", "b", "c", "d"]
    maps, skipped = pca_coordinates({"one": (words, np.arange(4.0).reshape(4, 1)),
                                     "two": (words, np.random.default_rng(0).normal(size=(4, 2)))})
    assert "two" in maps and "one" not in maps
    assert "needs at least 2" in skipped["one"]


def test_the_memory_budget_is_a_run_setting_that_changes_no_result(tmp_path):
    from wordrep.run.config import to_toml
    config = _load(tmp_path, '[representations.o]\nmethod = "onehot"\n[resources]\nmemory = "2G"\n')
    assert config["resources"]["memory"] == "2G"
    with pytest.raises(UserError, match=r"\[resources\] memory: memory budget '2X' is not a size"):
        _load(tmp_path, '[representations.o]\nmethod = "onehot"\n[resources]\nmemory = "2X"\n')
    with pytest.raises(UserError, match=r"\[resources\] memory = 8: expected a string"):
        _load(tmp_path, '[representations.o]\nmethod = "onehot"\n[resources]\nmemory = 8\n')
    # where and with what a run computes is left out of its folder's config
    from wordrep.run.config import what_it_computes
    folder_config = what_it_computes(config)
    assert "[resources]" not in to_toml(folder_config) and "[cluster]" not in to_toml(folder_config)
