"""The run config: its defaults, reading it from TOML, laying overrides over it, checking it
before any work, and writing it back as TOML.

A run is described by a config (TOML; ``wordrep run --print-config`` shows the defaults):
which corpus, which representations with which parameters, which benchmarks, what the report
shows. Every value is checked here, before a corpus is opened: unknown sections, keys and
methods, values of the wrong type, parameters that a method's declaration does not allow,
names that name nothing, and representation names that are not plain names (a name is a
folder under ``models/``, see :mod:`wordrep.run.folder`).
"""
import copy
import difflib
import json
import unicodedata
from pathlib import Path

from ..errors import UserError

PROBE_WORDS = ["king", "queen", "man", "woman", "paris", "france", "london", "england",
               "dog", "cat", "horse", "car", "train", "music", "art", "science", "war",
               "good", "bad", "happy", "run", "walk", "three", "seven"]

# What `wordrep run` builds by default, in order. A representation's `method` is a registered
# builder or a WordNet measure ("wordnet:path"...); the other keys are its parameters.
# Sizes suit the embedded default corpus (half a million tokens) and a 5-minute run.
DEFAULT_CONFIG = {
    "corpus": {"name": "enwiki-sample", "min_count": 5, "lowercase": True,
               "apostrophes": True, "hyphens": False, "pretokenized": False},
    "representations": {
        "onehot": {"method": "onehot"},
        "svd": {"method": "svd", "dim": 300},
        "glove": {"method": "glove", "dim": 100, "seed": 1},
        "word2vec": {"method": "word2vec", "dim": 100, "epochs": 5, "seed": 1},
        "fasttext": {"method": "fasttext", "dim": 100, "epochs": 5, "seed": 1,
                     "bucket": 200_000},
        "wordnet-features": {"method": "wordnet-features"},
        "wordnet-graph": {"method": "wordnet-graph", "dim": 300},
        "wordnet-path": {"method": "wordnet:path"},
        "wordnet-wup": {"method": "wordnet:wup"},
        # Relations, beta and the appended graph embedding chosen on the dev benchmarks.
        "svd+wordnet": {"method": "retrofit", "vectors": "svd",
                        "relations": ["synonym", "hypernym", "hyponym", "similar"], "beta": 2.0,
                        "wordnet_vectors": "wordnet-graph"},
    },
    "evaluation": {"benchmarks": [], "oov": "skip", "restrict": 30000, "analogy_method": "add",
                   "bootstrap": 1000, "seed": 0},
    "report": {"probe_words": PROBE_WORDS, "neighbours": 5,
               "compare": [["svd", "word2vec"], ["word2vec", "fasttext"]]},
    "learning_curve": {"fractions": [], "methods": ["svd", "word2vec"]},
    # Where the count methods (ppmi, svd) count: "" here, else a Dask cluster (local,
    # local:N, tcp://host:8786; wordrep.cluster). Where, not what: no result depends on it.
    "cluster": {"address": ""},
    # The memory budget of the run's builds ("8G"; "" for WORDREP_MEMORY, else half of the
    # available memory; wordrep.budget). Like the cluster, it changes no result.
    "resources": {"memory": ""},
}
# Sections that say where and with what a run computes, not what it computes: left out of a run
# folder's config, so that moving a run onto a cluster or a bigger budget reuses its folder.
WHERE_SECTIONS = ("cluster", "resources")


def what_it_computes(config):
    """``config`` without the sections that say where and with what it runs: what a run
    folder's config.toml holds."""
    return {key: value for key, value in config.items() if key not in WHERE_SECTIONS}
SECTIONS = tuple(DEFAULT_CONFIG)
# What each method needs and builds on (a corpus, other representations: only those that train
# on text are retrained on corpus prefixes) is its declaration's (wordrep.registry.Method).

MAX_CONFIG_BYTES = 1 << 20  # a run config is a page of text

def default_config():
    return copy.deepcopy(DEFAULT_CONFIG)


def load_config(path=None, overrides=None):
    """The default config, updated from a TOML file and then from ``overrides``; checked."""
    given = merge(read_toml(path), {}) if path is not None else {}
    if overrides:
        given = merge(given, overrides)
    config = _without_absent_defaults(merge(default_config(), given), given)
    try:
        check_config(config)
    except UserError as exc:
        if path is None:
            raise
        raise UserError(f"{path}: {exc.message}", exc.hint) from None  # which file to fix
    return config


def _without_absent_defaults(config, given):
    """The default comparisons and learning-curve methods that name representations the
    config does not list are dropped (a config that lists its own representations keeps only
    the defaults that apply); names the user gave are kept, and checked."""
    reps = config["representations"]
    if not isinstance(reps, dict):
        return config  # refused by the type check, with its own message
    for section, key in (("report", "compare"), ("learning_curve", "methods")):
        if isinstance(given.get(section, {}), dict) and key not in given.get(section, {}):
            defaults = DEFAULT_CONFIG[section][key]
            config[section][key] = [v for v in defaults
                                    if all(n in reps for n in (v if isinstance(v, list) else [v]))]
    return config


def read_toml(path):
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    path = Path(path)
    if path.exists() and not path.is_file():  # a folder, or a pipe that would block
        raise UserError(f"the config {path} is not a regular file.", "Give a TOML file.")
    if not path.is_file():
        raise UserError(f"config file not found: {path}.",
                        "Start from `wordrep run --print-config > run.toml`.")
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise UserError(f"{path} is {path.stat().st_size:,} bytes, too large for a run config "
                        f"(the limit is {MAX_CONFIG_BYTES:,}).",
                        "Check that it is the config file.")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path} is not valid TOML: {exc}.", "Fix the line it names.") from None
    except RecursionError:  # tomllib recurses into nested arrays and inline tables
        raise UserError(f"{path} nests arrays or tables too deeply to be a run config.",
                        "Start from `wordrep run --print-config > run.toml`.") from None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}.", "Check its permissions.") from None


def merge(base, update):
    """``base`` with ``update`` laid over it; the representations table is replaced whole,
    so that a config lists exactly the representations it wants."""
    out = copy.deepcopy(base)
    for key, value in update.items():
        if key == "representations" or not isinstance(value, dict) or \
                not isinstance(out.get(key), dict):
            out[key] = copy.deepcopy(value)
        else:
            out[key] = merge(out[key], value)
    return out


def check_config(config):
    """Refuse unknown sections, keys, methods and parameters, values their declarations do not
    allow, and names that name nothing, before any work."""
    from ..representations import check_params
    _known(config, SECTIONS, "config section")
    _check_types(config)
    for name in config["representations"]:
        check_name(name)
    for section in SECTIONS:
        if section != "representations":
            _known(config[section], DEFAULT_CONFIG[section], f"key in [{section}]")
    reps = config["representations"]
    if not reps:
        raise UserError("the config lists no representations.",
                        "Add at least one [representations.NAME] table with a method.")
    for position, (name, spec) in enumerate(reps.items()):
        entry = _method(name, spec)
        try:
            check_params(entry, {k: v for k, v in spec.items() if k != "method"})
        except UserError as exc:
            raise UserError(f"[representations.{_key(name)}] {exc.message}", exc.hint) from None
        for key in entry.parents:
            _check_parent(name, key, spec.get(key), entry.params[key].optional,
                          list(reps)[:position], reps)
    _check_names_used(config)
    _check_values(config)


def _method(name, spec):
    """The registered method of a [representations.NAME] table (a WordNet measure may be
    spelt with an alias: ``wordnet:wu-palmer``)."""
    from ..representations import representations
    from ..representations.wordnet_measures import PREFIX, is_measure_name, measure_name
    method = spec.get("method")
    if method is None or method not in representations and not is_measure_name(method):
        what = "has no method" if method is None else f"has an unknown method {method!r}"
        raise UserError(f"[representations.{_key(name)}] {what}.",
                        f"Valid methods: {', '.join(representations.names())}.")
    if method not in representations:
        try:
            spec["method"] = method = PREFIX + measure_name(method)
        except UserError as exc:
            raise UserError(f"[representations.{_key(name)}] {exc.message}", exc.hint) from None
    return representations.get(method)


def _check_parent(name, key, parent, optional, earlier, reps):
    """A representation builds on one listed before it that has vectors, or on a model file."""
    where = f"[representations.{_key(name)}] {key}"
    if parent is None:
        if optional:
            return
        raise UserError(f"{where} is missing: {reps[name]['method']} builds on another "
                        "representation.", f"Add {key} = the name of one listed before it, "
                        "or a model path.")
    if parent in reps:
        if parent not in earlier:
            raise UserError(f"{where} = {parent!r} names "
                            + ("itself" if parent == name else "a representation listed after it")
                            + ": a representation builds on one listed before it.",
                            f"Move [representations.{_key(parent)}] above "
                            f"[representations.{_key(name)}].")
        if _method(parent, reps[parent]).kind == "measure":
            raise UserError(f"{where} = {parent!r} is a WordNet measure: it scores pairs and "
                            "has no vectors to build on.",
                            "Name a representation with vectors (svd, word2vec...).")
    elif not Path(parent).exists():
        raise UserError(f"{where} = {parent!r} is neither a representation of this run nor a "
                        "model file.", f"Use one of {', '.join(map(_key, earlier)) or 'none'} "
                        "(listed before it) or a path.")


def _check_names_used(config):
    """[report] compare and [learning_curve] methods name representations of the run."""
    reps = config["representations"]
    for pair in config["report"]["compare"]:
        if len(pair) != 2:
            raise UserError(f"[report] compare: {pair!r} is not a pair of names.",
                            'For example compare = [["svd", "word2vec"]].')
    named = [("[report] compare", n) for pair in config["report"]["compare"] for n in pair]
    named += [("[learning_curve] methods", n) for n in config["learning_curve"]["methods"]]
    for where, n in named:
        if n not in reps:
            close = difflib.get_close_matches(n, list(reps), n=1)
            guess = f" Did you mean {close[0]!r}?" if close else ""
            raise UserError(f"{where} names {n!r}, which is not a representation of this "
                            f"run.{guess}", f"Representations: {', '.join(map(_key, reps))}.")


def _check_values(config):
    """The values of the other sections, where a type is not enough."""
    from ..evaluation import check_settings
    evaluation = {k: v for k, v in config["evaluation"].items() if k != "benchmarks"}
    if evaluation.get("restrict") == 0:
        evaluation["restrict"] = None  # 0 means no restriction in a config
    try:
        check_settings(**evaluation)
    except UserError as exc:
        raise UserError(f"[evaluation] {exc.message}", exc.hint) from None
    if config["corpus"]["min_count"] < 1:
        raise UserError(f"[corpus] min_count = {config['corpus']['min_count']}: expected a "
                        "whole number >= 1.", "For example min_count = 5.")
    if config["cluster"]["address"]:
        from ..cluster import check
        try:
            check(config["cluster"]["address"])
        except UserError as exc:
            raise UserError(f"[cluster] address: {exc.message}", exc.hint) from None
    if config["resources"]["memory"]:
        from ..budget import parse_size
        try:
            parse_size(config["resources"]["memory"])
        except UserError as exc:
            raise UserError(f"[resources] memory: {exc.message}", exc.hint) from None
    for fraction in config["learning_curve"]["fractions"]:
        if not 0 < fraction <= 1:
            raise UserError(f"[learning_curve] fractions: {fraction!r} is not in (0, 1].",
                            "For example fractions = [0.1, 0.25, 0.5, 1.0].")


MAX_NAME_BYTES = 150  # a file name is at most 255 bytes, and atomic writes add a prefix and suffix


def check_name(name):
    """Refuse a representation name that is not a plain name.

    A name is the model's folder under ``models/``: a separator, ``..``, an absolute path or
    an empty name would put it elsewhere (over another model, or outside the run folder), a
    hidden name collides with the temporary files of atomic writes, and a control character
    has no place in a file name or a one-line message.
    """
    why = _not_plain(name)
    if why:
        raise UserError(f"the representation name {_key(name)} is not a plain name: {why}.",
                        "A name is a folder under models/: use a plain name such as svd-300 (no / "
                        "or \\, no .., not starting with ., no control characters).")


def _not_plain(name):
    if not name:
        return "it is empty"
    if any(c in name for c in "/\\"):
        return "it contains a path separator (/ or \\)"
    if ".." in name:
        return "it contains .."
    if name.startswith("."):
        return "it starts with . (hidden or the folder itself)"
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in name):
        return "it contains a control character or a line break"
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return f"it is longer than {MAX_NAME_BYTES} bytes"
    return None


# Lists whose default is empty: the type of their items.
_LIST_ITEMS = {("evaluation", "benchmarks"): "", ("learning_curve", "fractions"): 0.5}


def _check_types(config):
    """Every section and representation is a table, and every known value has the type of its
    default (a float may be written as a whole number): a later stage then never meets a
    string where it counts."""
    for section in SECTIONS:
        if not isinstance(config[section], dict):
            raise UserError(f"[{section}] must be a table, not {_toml_type(config[section])}.",
                            "Start from `wordrep run --print-config`.")
    for name, spec in config["representations"].items():
        if not isinstance(spec, dict):
            raise UserError(f"[representations.{_key(name)}] must be a table with a method, not "
                            f"{_toml_type(spec)}.", f"Write [representations.{_key(name)}] and "
                            "method = \"...\" under it.")
        # the method is a name
        for key in ("method",):
            if not isinstance(spec.get(key, ""), str):
                raise UserError(f"[representations.{_key(name)}] {key} = {_shown(spec[key])}: "
                                "expected a string.", f"For example {key} = \"svd\".")
    for section in SECTIONS:
        if section == "representations":
            continue
        for key, value in config[section].items():
            default = DEFAULT_CONFIG[section].get(key)
            item = _LIST_ITEMS.get((section, key))
            if key in DEFAULT_CONFIG[section] and not _like(value, default, item):
                example = default or ([item] if item is not None else default)
                raise UserError(f"[{section}] {key} = {_shown(value)}: expected "
                                f"{_toml_type(example, items=True)}.",
                                f"For example {key} = {_value(example)}.")


def _like(value, default, item=None):
    """Whether ``value`` has the TOML type of ``default`` (lists: items like ``item``, or like
    the default's own first item)."""
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    if isinstance(default, list):
        item = default[0] if default else item
        return isinstance(value, list) and (item is None or all(_like(v, item) for v in value))
    return isinstance(value, type(default))


def _toml_type(value, items=False):
    """What a value is, in TOML's words; with ``items``, a list says what it holds."""
    names = {bool: ("true or false", "true/false values"),
             int: ("a whole number", "whole numbers"), float: ("a number", "numbers"),
             str: ("a string", "strings"), list: ("a list", "lists"), dict: ("a table", "tables")}
    if items and isinstance(value, list) and value:
        return "a list of " + next(plural for kind, (_, plural) in names.items()
                                   if isinstance(value[0], kind))
    return next((one for kind, (one, _) in names.items() if isinstance(value, kind)),
                type(value).__name__)


def _shown(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _known(table, valid, what):
    for key in table:
        if key not in valid:
            raise UserError(f"unknown {what} {key!r}.", f"Valid: {', '.join(valid)}.")


def to_toml(config):
    """The config as TOML text (the subset of TOML this config uses)."""
    lines = []
    for section in SECTIONS:
        if section not in config:  # a run folder's config leaves out where it ran (WHERE_SECTIONS)
            continue
        if section == "representations":
            for name, spec in config[section].items():
                lines += ["", f"[representations.{_key(name)}]"]
                lines += [f"{_key(k)} = {_value(v)}" for k, v in spec.items()]
        else:
            lines += ["", f"[{section}]"]
            lines += [f"{_key(k)} = {_value(v)}" for k, v in config[section].items()]
    return "\n".join(lines).lstrip() + "\n"


def _key(key):
    return key if key.replace("-", "").replace("_", "").isalnum() else json.dumps(key)


def _value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if value is None:
        raise ValueError("TOML has no null")
    return json.dumps(value) if isinstance(value, str) else repr(value)


def trains_on_text(spec):
    """Only what trains on text is retrained on corpus prefixes."""
    from ..representations import representations
    return representations.get(spec["method"]).needs_corpus


def curve_label(name, fraction):
    """The name of a learning-curve point: ``svd@0.5`` is svd trained on half the corpus."""
    return f"{name}@{fraction:g}"
