"""The main job: corpus -> every representation -> evaluation -> report, in a run folder.

A run is described by a config (TOML; ``wordrep run --print-config`` shows the defaults):
which corpus, which representations with which parameters, which benchmarks, what the report
shows. The run folder holds the resolved config, the models with their metadata, the results,
the report and a log::

    runs/NAME/config.toml  models/NAME/  results.json  report.md  report.html  run.log

Everything expensive is reused: a model whose saved metadata shows the same method,
parameters and corpus fingerprint, and whose files match their checksums, is loaded instead of
rebuilt, so an interrupted run resumes where it stopped and a re-run with the same config only
re-evaluates; a damaged model is built again. Each file is written atomically, and
``config.toml`` with the results at the end, so that a run that is killed or fails (a full
disk) leaves the previous config, results and report as they were. Two runs in one folder take
turns (a lock on ``.run.lock``); runs in different folders share the cache
(:mod:`wordrep.cache`).

A run writes only inside its folder: representation names are plain names (a folder right
under ``models/``), a run never replaces a ``models/NAME`` that is not a wordrep model, and a
non-empty folder that is not a run folder (marked by ``.wordrep-run``, or, from older
versions, holding ``config.toml`` and ``results.json``) is used only with ``force``.
"""
import copy
import difflib
import json
import logging
import platform
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from . import cache
from .atomic import atomic_path, make_folder
from .errors import UserError

log = logging.getLogger(__name__)

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
}
SECTIONS = tuple(DEFAULT_CONFIG)
# What each method needs and builds on (a corpus, other representations: only those that train
# on text are retrained on corpus prefixes) is its declaration's (wordrep.registry.Method).


# -- configuration ------------------------------------------------------------------------------

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
    from .representations import check_params
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
    from .representations import representations
    from .representations.wordnet_measures import PREFIX, is_measure_name, measure_name
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
    from .evaluation import check_settings
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


# -- the run ------------------------------------------------------------------------------------

class NotBuilt(UserError):
    """A builder refused its input (e.g. a corpus prefix with no word of ``min_count``)."""


@dataclass
class Built:
    """One representation of the run and what it cost."""
    name: str
    rep: object
    seconds: float = 0.0
    peak_mb: float | None = None
    reused: bool = False
    spec: dict = field(default_factory=dict)


def run(config, out, force=False, progress=None):
    """Run the main job; returns the path of the run folder."""
    out = Path(out)
    check_run_folder(out, config, force)  # before the folder, its lock or its log are made
    _make_folder(out)
    with cache.EntryLock(out, f"the run in {out}", lock_file=out / ".run.lock"):
        prepare_folder(out, config, force)
        handler = _log_to(out / "run.log")
        try:
            started = time.perf_counter()
            corpus = open_run_corpus(config["corpus"], progress)
            built = build_all(config, corpus, out / "models", progress)
            results = evaluate_all(built, config["evaluation"], progress)
            curve = learning_curve(config, corpus, out / "models", progress)
            extras = report_inputs(built, config["report"])
            provenance = describe(config, corpus, started)
            with atomic_path(out / "config.toml") as tmp:
                tmp.write_text(to_toml(config), encoding="utf-8")
            with atomic_path(out / "results.json") as tmp:
                tmp.write_text(results.to_json())
            render_report(out, provenance, results, built, curve, extras)
            log.info("run finished in %.1f s: %s", time.perf_counter() - started, out)
        finally:
            logging.getLogger().removeHandler(handler)
            handler.close()
    return out


def _make_folder(out):
    make_folder(out, "run folder", "Choose another --out.")


# Written into a run folder when a run starts in it: what makes a folder a run folder, even
# one whose first run was interrupted before it wrote its config and results.
RUN_MARKER = ".wordrep-run"
# What the run writes at the top of its folder (besides models/ and figures/).
RUN_FILES = ("config.toml", "results.json", "report.md", "report.html", "run.log")


def is_run_folder(out):
    """Whether ``out`` is a run folder of wordrep's: it has the marker a run writes, or, from
    a wordrep that wrote none, both the config and the results of a finished run."""
    return (out / RUN_MARKER).is_file() or \
        ((out / "config.toml").is_file() and (out / "results.json").is_file())


def check_run_folder(out, config, force):
    """Refuse, unless ``force``, an ``--out`` that exists, is not empty and is not a run
    folder: a run there would replace the user's own report.md, results.json... And refuse,
    even with ``force``, to put a model where there is something of the user's."""
    if out.is_dir() and not is_run_folder(out):
        _check_foreign_folder(out, force)
    for name in _model_names(config):
        _check_replaceable(model_folder(out / "models", name))


def _check_foreign_folder(out, force):
    try:
        entries = sorted(p.name for p in out.iterdir())
    except OSError as exc:
        raise UserError(f"cannot read the run folder {out}: {exc.strerror}.",
                        "Choose another --out.") from None
    if not entries:
        return
    if not force:
        shown = ", ".join(json.dumps(n) if not n.isprintable() else n for n in entries[:3])
        raise UserError(f"{out} is not a wordrep run folder and not empty (it holds {shown}"
                        f"{', ...' if len(entries) > 3 else ''}).",
                        "Choose a new or empty --out, or --force to run there (the run's own "
                        f"files {', '.join(RUN_FILES)} would be replaced).")
    replaced = [n for n in RUN_FILES if n in entries]
    log.warning("Warning: %s was not a run folder; --force: %s replaced there, nothing else.",
                out, ", ".join(replaced) or "no file")


def prepare_folder(out, config, force):
    """Refuse a run folder that holds a different config unless ``force``; then mark the
    folder as a run folder.

    The config is written at the end, with the results it gave: until then the folder's
    ``config.toml`` keeps describing its ``results.json``.
    """
    saved = out / "config.toml"
    if saved.is_file() and saved.read_text(encoding="utf-8") != to_toml(config) and not force:
        raise UserError(f"the run folder {out} holds a different config.",
                        "Use another --out, or --force to replace its results (models built "
                        "with the same settings are still reused).")
    if not (out / RUN_MARKER).is_file():
        with atomic_path(out / RUN_MARKER) as tmp:
            tmp.write_text(json.dumps({"wordrep": __version__}) + "\n", encoding="utf-8")


def _model_names(config):
    """The folders under models/ that this run may write: its representations and their
    learning-curve points."""
    reps = config["representations"]
    yield from reps
    for name in config["learning_curve"]["methods"]:
        if name in reps and _trains_on_text(reps[name]):
            yield from (_curve_label(name, f) for f in config["learning_curve"]["fractions"])


def _trains_on_text(spec):
    """Only what trains on text is retrained on corpus prefixes."""
    from .representations import representations
    return representations.get(spec["method"]).needs_corpus


def _curve_label(name, fraction):
    return f"{name}@{fraction:g}"


def model_folder(models, name):
    """The folder of the model ``name``: right under ``models``, never anywhere else.

    Names are checked with the config (:func:`check_name`); this is the second line of
    defence, and it also refuses a link that leads out of ``models``.
    """
    models = Path(models)
    folder = models / name
    resolved = folder.resolve()
    if folder.parent != models or resolved.parent != models.resolve():
        raise UserError(f"the model folder of {name!r} would be {resolved}, outside {models}.",
                        "Use a plain representation name, and no link under models/.")
    return folder


def _check_replaceable(folder):
    """A run writes a model only where there is none or wordrep's own (whole or damaged):
    never over a folder or file of the user's."""
    if not (folder.exists() or folder.is_symlink()):
        return
    if folder.is_dir() and not folder.is_symlink() and \
            any((folder / f).is_file() for f in ("meta.json", "checksums.json")):
        return
    raise UserError(f"{folder.parent.name}/{folder.name} in {folder.parent.parent} is not a "
                    "wordrep model, so the run will not replace it.",
                    "Move it away, or use another --out.")


class _RunLog(logging.FileHandler):
    """run.log: a record of the run, not a result. A line that cannot be written (a full disk)
    is dropped rather than printed with a traceback; the error that matters comes from the
    result that could not be written."""

    def handleError(self, record):
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handleError(record)


def _log_to(path):
    handler = _RunLog(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    return handler


def open_run_corpus(spec, progress=None):
    from .corpora import Tokenizer, open_corpus
    tokenizer = Tokenizer(lowercase=spec["lowercase"], apostrophes=spec["apostrophes"],
                          hyphens=spec["hyphens"], pretokenized=spec["pretokenized"])
    corpus = open_corpus(spec["name"], tokenizer, progress=progress)
    corpus.token_ids(progress)
    return corpus


def build_all(config, corpus, models, progress=None):
    """Every representation of the config, built or reused, in config order."""
    built = {}
    for name, spec in config["representations"].items():
        built[name] = build_one(name, spec, corpus, config["corpus"]["min_count"], models,
                                built)
    return built


def build_one(name, spec, corpus, min_count, models, built):
    from .representations import build, representations
    method = spec["method"]
    entry = representations.get(method)
    params = {k: v for k, v in spec.items() if k != "method"}
    if entry.kind == "measure":  # scores without vectors: nothing to build or save
        rep = build(method, None, **params)
        rep.name = name
        return Built(name, rep, spec=spec)
    if "min_count" in entry.parameters and "min_count" not in params:
        params["min_count"] = min_count
    for key in entry.parents:
        if params.get(key) in built:
            params[key] = built[params[key]].rep
    return build_or_reuse(name, method, params, corpus if entry.needs_corpus else None,
                          model_folder(models, name))


def build_or_reuse(name, method, params, corpus, folder):
    """Load ``folder`` if it holds this very model, else build it and save it there."""
    from . import storage
    from .representations import build
    key = _provenance_key(method, params, corpus)
    reused = _reuse(folder, key)
    if reused is not None:
        reused.name = name
        log.info("%s: reused %s", name, folder)
        return Built(name, reused, reused=True, spec={"method": method, **params})
    _check_replaceable(folder)
    log.info("%s: building (%s)", name, method)
    _reset_peak_memory()
    started = time.perf_counter()
    try:
        rep = build(method, corpus, **params)
    except UserError as exc:
        raise NotBuilt(exc.message, exc.hint) from None
    seconds = time.perf_counter() - started
    peak = _peak_memory_mb()
    rep.name = name
    rep.metadata["run_key"] = key
    rep.metadata["build"] = {"seconds": round(seconds, 3), "peak_mb": peak}
    folder.parent.mkdir(parents=True, exist_ok=True)
    if folder.is_dir() and not (folder / "meta.json").is_file():
        log.warning("Warning: %s is not a whole model; replacing it.", folder)
        cache.discard(folder)
    storage.save(rep, folder, format="native")  # a name ending in .vec is still a folder
    log.info("%s: built in %.1f s (peak %s MB), %d words", name, seconds, peak,
             len(rep.vocabulary))
    return Built(name, rep, seconds, peak, spec={"method": method, **_plain(params)})


def _provenance_key(method, params, corpus):
    # A parent model counts by its own key too: rebuilding the parent rebuilds the child.
    parents = {k: v.metadata.get("run_key") for k, v in params.items()
               if isinstance(getattr(v, "metadata", None), dict)}
    return json.dumps({"method": method, "params": _plain(params), "parents": parents,
                       "corpus": getattr(corpus, "fingerprint", None)}, sort_keys=True)


def _plain(params):
    """Parameters as JSON can hold them (a parent model by its name)."""
    return {k: (getattr(v, "name", None) or type(v).__name__)
            if not isinstance(v, (str, int, float, bool, list, tuple, type(None))) else v
            for k, v in params.items()}


def _reuse(folder, key):
    from . import storage
    meta = folder / "meta.json"
    if not meta.is_file():
        return None
    try:
        if json.loads(meta.read_text())["metadata"].get("run_key") != key:
            return None
        cache.verify(folder)
        return storage.load(folder)
    except (cache.Damaged, OSError, ValueError, KeyError, UserError) as exc:
        # a damaged model is rebuilt, never trusted
        log.warning("Warning: the model in %s is damaged (%s); building it again.", folder, exc)
        return None


def _reset_peak_memory():
    """Reset the kernel's peak-RSS mark so the next reading is this build's own (Linux)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _peak_memory_mb():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    import resource
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def available_benchmarks(requested):
    from .benchmarks import BUNDLED, benchmarks, is_available
    if requested:
        return list(requested)
    return list(BUNDLED) + [e.name for e in benchmarks
                            if e.name not in BUNDLED and is_available(e)]


def evaluate_all(built, settings, progress=None):
    from .evaluation import evaluate
    names = available_benchmarks(settings["benchmarks"])
    options = {k: v for k, v in settings.items() if k != "benchmarks"}
    if options.get("restrict") == 0:
        options["restrict"] = None
    return evaluate([b.rep for b in built.values()], names, progress=progress, **options)


def learning_curve(config, corpus, models, progress=None):
    """Scores of the distributional methods trained on corpus prefixes.

    A prefix too small to build on (no word of ``min_count``, fewer words than dimensions)
    is skipped: its point says why (``"skipped"``, no benchmark), for the report and the log.
    """
    from .evaluation import evaluate
    curve = config["learning_curve"]
    points = []
    for fraction in curve["fractions"]:
        part = corpus.prefix(float(fraction))
        tokens = int(part.token_ids().ids.size)
        for name in curve["methods"]:
            spec = config["representations"].get(name)
            if spec is None or not _trains_on_text(spec):
                continue
            try:
                b = build_one(_curve_label(name, fraction), spec, part,
                              config["corpus"]["min_count"], models, {})
            except NotBuilt as exc:
                log.warning("Warning: learning curve: %s on %g of the corpus (%d tokens) "
                            "skipped: %s", name, fraction, tokens, exc.message)
                points.append({"representation": name, "fraction": fraction, "tokens": tokens,
                               "skipped": exc.message})
                continue
            results = evaluate([b.rep], available_benchmarks(config["evaluation"]["benchmarks"]),
                               bootstrap=0, restrict=config["evaluation"]["restrict"] or None)
            for record in results.records:
                points.append({"representation": name, "fraction": fraction, "tokens": tokens,
                               "benchmark": record.dataset, "score": record.score})
    return points


def report_inputs(built, spec):
    """Neighbours, probe vectors and comparisons for the report (computed here, not there)."""
    from .representations.base import VectorRepresentation
    vectors = {n: b.rep for n, b in built.items() if isinstance(b.rep, VectorRepresentation)}
    neighbours, probes = {}, {}
    for word in spec["probe_words"]:
        row = {}
        for name, rep in vectors.items():
            if word in rep:
                row[name] = [(w, round(float(s), 3))
                             for w, s in rep.most_similar(word, topn=spec["neighbours"])]
        if row:
            neighbours[word] = row
    for name, rep in vectors.items():
        words = [w for w in spec["probe_words"] if w in rep]
        if rep.kind == "dense" and len(words) >= 3:
            probes[name] = (words, rep.vectors(words))
    comparisons = []
    for a, b in spec["compare"]:
        if a in vectors and b in vectors:
            comparisons.append(_compare(vectors[a], vectors[b]))
    return {"neighbours": neighbours, "probe_vectors": probes, "comparisons": comparisons}


def _compare(a, b):
    try:
        from .compare import compare
    except ImportError:
        return {"a": a.name, "b": b.name, "note": "comparison not available in this version"}
    result = compare(a, b)
    return result.to_dict() if hasattr(result, "to_dict") else result


def describe(config, corpus, started):
    import gensim
    import numpy
    import scipy
    from . import wordnet
    stats = corpus.statistics(config["corpus"]["min_count"])
    try:
        location = wordnet.locate()
        wn = {"version": location.version, "source": location.source, "path": str(location.path)}
    except UserError as exc:
        wn = {"missing": exc.format()}
    return {"wordrep": __version__, "python": platform.python_version(),
            "numpy": numpy.__version__, "scipy": scipy.__version__, "gensim": gensim.__version__,
            "corpus": stats, "wordnet": wn, "config": config,
            "seconds": round(time.perf_counter() - started, 1), "argv": sys.argv}


def render_report(out, provenance, results, built, curve, extras):
    builds = {n: {"method": b.spec.get("method"), "seconds": round(b.seconds, 2),
                  "peak_mb": b.peak_mb, "reused": b.reused,
                  "words": len(b.rep.vocabulary) if b.rep.vocabulary is not None else None,
                  "family": _family(b.spec.get("method")), "parameters": _plain(b.spec)}
              for n, b in built.items()}
    try:
        from .report import render
    except ImportError:
        render = None
    if render is None:
        with atomic_path(out / "report.md") as tmp:
            tmp.write_text(results_markdown(results, builds, provenance), encoding="utf-8")
        return
    render(provenance, results, out, builds=builds, learning_curve=curve or None, **extras)


def _family(method):
    from .representations import representations
    return representations.get(method).family if method in representations else ""


def results_markdown(results, builds, provenance):
    from .evaluation import render as render_results
    lines = ["# wordrep run", "", f"Corpus: {provenance['corpus']['corpus']} "
             f"({provenance['corpus']['tokens']:,} tokens)", "",
             render_results(results, "markdown"), "", "| representation | seconds | peak MB |",
             "|---|---|---|"]
    lines += [f"| {n} | {b['seconds']} | {b['peak_mb']} |" for n, b in builds.items()]
    return "\n".join(lines) + "\n"
