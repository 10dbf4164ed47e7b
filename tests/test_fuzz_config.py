"""Fuzzing the run-config reader (wordrep.run.config.load_config and read_toml).

Configs built from the real sections and keys with values of every TOML type, the default
config's text damaged byte by byte, and any bytes: each gives a checked config whose values
have the types the run expects, or a UserError naming the file.
"""
import math

from hypothesis import example, given, settings
from hypothesis import strategies as st

from fuzzing import (SAFE_CHARS, examples, mutated, one_in, read, scratch,
                     snapshot)
from wordrep.run import config as run_config, pipeline
from wordrep.representations import representations

SCALARS = st.one_of(st.booleans(), st.integers(-2**63, 2**63 - 1), st.floats(),
                    st.text(SAFE_CHARS, max_size=12))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(SAFE_CHARS, min_size=1, max_size=6), inner,
                                        max_size=3), max_leaves=6)
METHODS = sorted(representations.names()) + ["wordnet:path", "nope", ""]


def toml_string(text):
    escaped = "".join("\\" + c if c in '"\\' else f"\\u{ord(c):04x}" if ord(c) < 32 or ord(c) == 127
                      else c for c in text)
    return f'"{escaped}"'


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") \
            if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_text(config):
    """TOML for a two-level config (tables of tables for representations)."""
    lines = []
    for section, table in config.items():
        if section == "representations" and isinstance(table, dict) and \
                all(isinstance(spec, dict) for spec in table.values()):
            for name, spec in table.items():
                lines.append(f"[representations.{toml_string(name)}]")
                lines += [f"{toml_string(k)} = {toml_value(v)}" for k, v in spec.items()]
        elif isinstance(table, dict):
            lines.append(f"[{toml_string(section)}]")
            lines += [f"{toml_string(k)} = {toml_value(v)}" for k, v in table.items()]
        else:
            lines.insert(0, f"{toml_string(section)} = {toml_value(table)}")
    return "\n".join(lines) + "\n"


def like_default(section, key):
    """A value of the default's type for ``section.key`` (mostly), or anything."""
    default = run_config.DEFAULT_CONFIG[section][key]
    if isinstance(default, bool):
        right = st.booleans()
    elif isinstance(default, int):
        right = st.integers(0, 10**6)
    elif isinstance(default, float):
        right = st.floats(0, 1)
    elif isinstance(default, str):
        right = st.text(SAFE_CHARS, min_size=1, max_size=10)
    elif key == "fractions":
        right = st.lists(st.floats(0.01, 1), max_size=3)
    elif key == "compare":
        right = st.lists(st.lists(st.sampled_from(["svd", "onehot"]), min_size=2, max_size=2),
                         max_size=2)
    else:
        right = st.lists(st.text(SAFE_CHARS, min_size=1, max_size=8), max_size=3)
    return st.one_of(*[right] * 6, VALUES)


def rarely(draw):
    return one_in(draw, 10)


@st.composite
def configs(draw):
    """Mostly the real sections, keys and types (so that many configs load), now and then an
    unknown section or key, a value of another type, a bad method or parameter."""
    config = {}
    for section in draw(st.lists(st.sampled_from(run_config.SECTIONS), unique=True)):
        if rarely(draw):
            config[section] = draw(VALUES)
        elif section == "representations":
            config[section] = draw(st.dictionaries(
                st.text(SAFE_CHARS, min_size=1, max_size=8),
                st.fixed_dictionaries({"method": st.sampled_from(METHODS[:-2] * 5 + METHODS[-2:])},
                                      optional={"dim": st.one_of(st.integers(1, 50), VALUES),
                                                "seed": st.integers(0, 9)}),
                min_size=1, max_size=3))
            if rarely(draw):
                next(iter(config[section].values()))["dims"] = draw(VALUES)
        else:
            keys = draw(st.lists(st.sampled_from(sorted(run_config.DEFAULT_CONFIG[section])),
                                 unique=True, max_size=4))
            config[section] = {k: draw(like_default(section, k)) for k in keys}
            if rarely(draw):
                config[section]["unknown_key"] = draw(VALUES)
    if rarely(draw):
        config["extra"] = draw(VALUES)
    return config


def check_config(config):
    """What a run may rely on: every section a table, every known value of its default's type,
    every representation a table with a method."""
    assert set(config) == set(run_config.SECTIONS)
    for section in run_config.SECTIONS:
        assert isinstance(config[section], dict)
        if section == "representations":
            assert config[section] and all(isinstance(s, dict) and isinstance(s["method"], str)
                                           for s in config[section].values())
            continue
        for key, value in config[section].items():
            default = run_config.DEFAULT_CONFIG[section][key]
            if isinstance(default, bool):
                assert isinstance(value, bool)
            elif isinstance(default, (int, float)):
                assert isinstance(value, (int, float)) and not isinstance(value, bool)
                assert isinstance(value, int) or isinstance(default, float)
            else:
                assert isinstance(value, type(default))
    run_config.to_toml(config)  # what a run writes into its folder


@settings(max_examples=examples(120))
@given(config=configs())
@example(config={"corpus": 5})
@example(config={"representations": {"\n": {"method": "onehot", "dim": 1}}})  # name in messages
@example(config={"representations": {"r": {"method": "retrofit", "vectors": ["svd"]}}})
@example(config={"representations": {"r": {"method": ["svd"]}}})
@example(config={"representations": {"x": {"method": "svd"}}, "learning_curve":
                 {"fractions": ["a"]}})
def test_configs_of_every_shape(config):
    with scratch() as folder:
        path = folder / "run.toml"
        path.write_text(toml_text(config), encoding="utf-8")
        got = read("config: structured", path, lambda: run_config.load_config(path))
        if got is not None:
            check_config(got)


@settings(max_examples=examples(80))
@given(data=st.data())
def test_the_default_config_damaged(data):
    text = run_config.to_toml(run_config.default_config()).encode()
    damaged, how = data.draw(mutated(text))
    with scratch() as folder:
        path = folder / "run.toml"
        path.write_bytes(damaged)
        got = read("config: damaged default", path, lambda: run_config.load_config(path))
        if got is not None:
            check_config(got)
        if how == "intact":
            assert got == run_config.default_config()


@settings(max_examples=examples(50))
@given(raw=st.binary(max_size=1024))
@example(raw=b"a = " + b"[" * 5000 + b"]" * 5000)
@example(raw=b"x = 1\x00")
def test_any_bytes_as_a_config(raw):
    with scratch() as folder:
        path = folder / "run.toml"
        path.write_bytes(raw)
        got = read("config: any bytes", path, lambda: run_config.load_config(path))
        if got is not None:
            check_config(got)


# -- representation names: each is a folder under the run's models/ ----------------------------

# Names a user or an adversary may write: paths (absolute ones under {root}, the case's own
# scratch folder, so that a write there would be seen), hidden, dots, separators, the names of
# the run's own files, format suffixes, control characters, other scripts, a very long one.
HOSTILE_NAMES = ["", ".", "..", "...", "../x", "../../escaped", "x/..", "./x", "a/b", "a\\b",
                 "..\\x", "{root}/victim", "{root}/victim/deeper", "/", "\\", ".hidden", "..x",
                 "x..", "models", "figures", "report.md", "config.toml", "run.log", ".run.lock",
                 ".wordrep-run", "x.vec", "x.bin", "x.txt", "x.wr", "C:x", "CON", "nul", "~",
                 "$HOME", "*", "-", "--force", "svd@0.5", " ", "a b", "\t", "a\x00b", "a\nb",
                 "\x7f", "\u2028", "\u0085", "\ufeffbom", "naïve", "日本語", "😀", "e\u0301",
                 "q" * 149, "é" * 76, "x" * 300]
SEPARATORS = st.sampled_from(["/", "\\", "/../", "\\..\\", "/./"])


@st.composite
def representation_names(draw):
    """Mostly the hostile names above, else path-like joins of small parts or any text."""
    how = draw(st.sampled_from(["hostile"] * 3 + ["joined", "text"]))
    if how == "hostile":
        return draw(st.sampled_from(HOSTILE_NAMES))
    part = st.one_of(st.sampled_from(["", ".", "..", "x", "{root}", "victim"]),
                     st.text(SAFE_CHARS, max_size=6))
    if how == "joined":
        parts = draw(st.lists(part, min_size=2, max_size=4))
        return "".join(p + draw(SEPARATORS) for p in parts[:-1]) + parts[-1]
    return draw(st.text(st.one_of(SAFE_CHARS, st.sampled_from("/\\.\x00\n")), max_size=12))


@settings(max_examples=examples(40))
@given(name=representation_names())
@example(name="{root}/victim")
@example(name="..")
@example(name="x.vec")
def test_representation_names_stay_inside_models(name):
    """A representation's name is refused with a UserError before any work (nothing made), or
    its model is a folder right under models/ and nothing outside the run folder changes."""
    with scratch() as root:
        name = name.replace("{root}", str(root))
        (root / "victim").mkdir()
        (root / "victim" / "mine.txt").write_text("the user's own file")
        (root / "corpus.txt").write_text("the cat sat on the mat\nthe dog sat on the log\n")
        path = root / "run.toml"
        path.write_text(toml_text({
            "corpus": {"name": str(root / "corpus.txt"), "min_count": 1},
            "representations": {name: {"method": "onehot"}},
            "evaluation": {"benchmarks": ["wordsim353"], "bootstrap": 0},
            "report": {"compare": [], "probe_words": []}}), encoding="utf-8")
        before = snapshot(root)
        config = read("config: representation names", path, lambda: run_config.load_config(path))
        if config is None:
            assert snapshot(root) == before, "refused, but after some work"
            return
        out = root / "run"
        pipeline.run(config, out)
        [model] = (out / "models").iterdir()
        assert model.name == name and (model / "meta.json").is_file()
        outside = [entry for entry in snapshot(root)[1] if entry[0] != "run"]
        assert outside == before[1], "a run wrote outside its folder"
