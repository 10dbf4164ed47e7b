"""The common test of every registered method (as scikit-learn's check_estimator walks every
estimator): its declaration matches its builder, each kind of bad parameter is refused before
any work, its defaults build on a small corpus, and what it builds round-trips through save and
load.

The bad values come from each parameter's declaration, so a method registered tomorrow is
covered without a line here.
"""
import math

import numpy as np
import pytest

from wordrep import params as P
from wordrep.errors import UserError
from wordrep.representations import build, representations

METHODS = representations.names()


def bad_values(param):
    """Values ``param`` must refuse: the wrong type, out of range, a misspelt name."""
    wrong_type = {P.Int: ["3", 2.5, True, [1]], P.Float: ["0.5", True, math.nan, [1.0]],
                  P.Choice: [1, ["x"], "no-such-choice"], P.Bool: [1, 0, "yes"],
                  P.Names: ["one-string", [1]], P.Weights: ["hypernym=1", {"hypernym": -1.0}],
                  P.Letters: ["xyz", 5, ""], P.Representation: [5, ""], P.Source: [5, ""],
                  P.Text: ["", 5], P.Object: []}[type(param)]
    yield from wrong_type
    if isinstance(param, P._Range):
        step = 1 if isinstance(param, P.Int) else 0.5
        if param.low is not None:
            yield param.low if param.open_low else param.low - step
        if param.high is not None:
            yield param.high if param.open_high else param.high + step
    if isinstance(param, (P.Names, P.Weights)) and param.choices:
        yield ["no-such-name"] if isinstance(param, P.Names) else {"no-such-name": 1.0}
    if not param.optional and not isinstance(param, P.Object):
        yield None


CASES = [(m, name, value) for m in METHODS for name, param in representations.get(m).params.items()
         for value in bad_values(param)]


class Untouchable:
    """A corpus that fails the test if a builder reads it: parameters are checked first."""
    fingerprint = "untouchable"

    def __getattr__(self, name):
        raise AssertionError(f"the corpus was read ({name}) before the parameters were checked")


def test_every_method_declares_what_it_is():
    for entry in representations:
        assert entry.family in ("one-hot", "WordNet-derived", "distributional", "hybrid")
        assert entry.kind in ("vectors", "measure")
        assert set(entry.params) == set(entry.parameters), entry.name
    measures = [e.name for e in representations if e.kind == "measure"]
    assert measures == [f"wordnet:{m}" for m in ("path", "wup", "lch", "res", "lin", "jcn")]
    assert representations.get("retrofit").parents == ("vectors", "wordnet_vectors")
    assert [e.name for e in representations if e.needs_corpus] == [
        "onehot", "ppmi", "svd", "glove", "word2vec", "cbow", "fasttext"]


@pytest.mark.parametrize("method,name,value", CASES,
                         ids=[f"{m}-{n}-{v!r}"[:60] for m, n, v in CASES])
def test_bad_parameter_is_refused_before_any_work(method, name, value):
    with pytest.raises(UserError) as caught:
        build(method, Untouchable(), **{name: value})
    message = caught.value.message
    assert message.startswith(f"{method}: {name} = "), message
    assert "expected" in message


@pytest.mark.parametrize("method", METHODS)
def test_misspelt_parameter_is_refused_with_the_closest_name(method):
    entry = representations.get(method)
    name = next(iter(entry.params))
    with pytest.raises(UserError, match=f"{method} has no parameter '{name}x'. "
                                        f"Did you mean '{name}'"):
        build(method, Untouchable(), **{name + "x": 1})


def test_a_method_that_trains_on_text_needs_a_corpus():
    with pytest.raises(UserError, match="svd trains on a corpus, and none was given"):
        build("svd", None)


def test_values_are_given_to_the_builder_as_declared():
    assert P.Float(low=0).check("m", "p", 2) == 2.0 and isinstance(
        P.Float(low=0).check("m", "p", 2), float)
    assert P.Names("a", "b").check("m", "p", ["a"]) == ("a",)
    assert P.Weights("a").parse("a=1.5") == {"a": 1.5}
    assert P.Int(low=0, optional=True).parse("None") is None
    assert P.Bool().parse("false") is False
    assert P.Int(low=1).check("m", "p", np.int64(3)) == 3


# -- the defaults build, and round-trip ----------------------------------------------------------

@pytest.fixture(scope="module")
def lee():
    from wordrep.corpora import open_corpus
    return open_corpus("lee")


def _defaults_build(method, lee, tmp_path):
    entry = representations.get(method)
    extra = {}
    if "vectors" in entry.params:  # a hybrid needs its parent: a small text model
        extra["vectors"] = build("svd", lee, dim=20)
    return build(method, lee if entry.needs_corpus else None, **extra)


@pytest.mark.wordnet
@pytest.mark.parametrize("method", METHODS)
def test_defaults_build_and_round_trip(method, lee, tmp_path):
    from wordrep import storage
    rep = _defaults_build(method, lee, tmp_path)
    pairs = [("government", "minister"), ("police", "officers"), ("car", "zzzunknown")]
    scores = rep.similarity(pairs)
    assert np.isnan(scores[-1])
    assert rep.metadata["method"] == method
    if representations.get(method).kind == "measure":
        assert not hasattr(rep, "save")  # scores without vectors: nothing to save
        return
    storage.save(rep, tmp_path / "model")
    loaded = storage.load(tmp_path / "model")
    assert list(loaded.vocabulary) == list(rep.vocabulary)
    np.testing.assert_allclose(loaded.similarity(pairs), scores, rtol=1e-5, equal_nan=True)
    assert loaded.metadata["method"] == method


# -- the same declarations through `wordrep train` ------------------------------------------------

def bad_texts(param):
    """Command-line text each declaration must refuse."""
    if isinstance(param, (P.Int, P.Float)):
        texts = ["x", "nan"] + (["2.5"] if isinstance(param, P.Int) else [])
        if param.low is not None:
            texts.append(str(param.low if param.open_low else param.low - 1))
        return texts
    return {P.Choice: ["no-such-choice"], P.Letters: ["xyz"],
            P.Weights: ["hypernym=x", "no-such-relation=1"]}.get(type(param), [])


TEXT_CASES = [(m, name, text) for m in METHODS if representations.get(m).kind == "vectors"
              for name, param in representations.get(m).params.items()
              for text in bad_texts(param)]


@pytest.mark.parametrize("method,name,text", TEXT_CASES,
                         ids=[f"{m}-{n}-{t}" for m, n, t in TEXT_CASES])
def test_train_refuses_a_bad_option_before_reading_the_corpus(method, name, text, tmp_path):
    from click.testing import CliRunner
    from wordrep.cli import main
    corpus = [str(tmp_path / "no-such-corpus.txt")] if representations.get(method).needs_corpus \
        else []
    flag = "--" + name.replace("_", "-")
    result = CliRunner().invoke(main, ["train", method, *corpus, flag, text,
                                       "-o", str(tmp_path / "model.wr")])
    assert result.exit_code == 2, result.output
    assert f"{method}: {name} = " in result.output and "no-such-corpus" not in result.output
    assert not (tmp_path / "model.wr").exists()


def test_measures_are_methods_but_not_trained():
    from click.testing import CliRunner
    from wordrep.cli import main
    listed = CliRunner().invoke(main, ["train", "--help"]).output
    assert "wordnet:path" not in listed and "svd" in listed
    refused = CliRunner().invoke(main, ["train", "wordnet:path", "-o", "x"])
    assert refused.exit_code == 2 and "wordrep evaluate wordnet:path" in refused.output
    methods = CliRunner().invoke(main, ["methods"]).output
    assert "wordnet:jcn" in methods and "measure (scores pairs, no vectors)" in methods
    assert "builds on vectors and wordnet_vectors" in methods


@pytest.mark.wordnet
def test_a_measure_is_evaluated_by_name(tmp_path):
    """The README's own example, which failed before the measures were registered."""
    from click.testing import CliRunner
    from wordrep.cli import main
    result = CliRunner().invoke(main, ["-q", "evaluate", "wordnet:path", "-b", "simlex999",
                                       "--bootstrap", "0", "--format", "json"])
    assert result.exit_code == 0, result.output
    import json
    record = json.loads(result.stdout)["records"][0]
    assert record["representation"] == "wordnet:path" and record["dataset"] == "simlex999"
    assert 0.4 < record["score"] < 0.55  # path similarity on SimLex-999: 0.475 here


def test_a_default_is_as_its_declaration_gives_values():
    """A default of 1 where 1.0 is given from the command line would make two cache keys for
    one model (as svd's neg once did)."""
    from wordrep.registry import MethodRegistry
    registry = MethodRegistry("test")
    with pytest.raises(ValueError, match="the default a=1 is not as its declaration"):
        registry.register("x", family="hybrid", corpus=False,
                          params={"a": P.Float()})(lambda corpus=None, a=1: None)
    for entry in representations:
        for name, default in entry.parameters.items():
            if default is not None and entry.params[name].accepts(default):
                assert type(entry.params[name].convert(default)) is type(default), (entry, name)
