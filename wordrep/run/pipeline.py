"""The main job: corpus -> every representation -> evaluation -> report, in a run folder.

The run folder holds the resolved config, the models with their metadata, the results, the
report and a log::

    runs/NAME/config.toml  models/NAME/  results.json  report.md  report.html  run.log

Everything expensive is reused: a model whose saved metadata shows the same method,
parameters and corpus fingerprint, and whose files match their checksums, is loaded instead of
rebuilt, so an interrupted run resumes where it stopped and a re-run with the same config only
re-evaluates; a damaged model is built again. Each file is written atomically, and
``config.toml`` with the results at the end, so that a run that is killed or fails (a full
disk) leaves the previous config, results and report as they were. Two runs in one folder take
turns (a lock on ``.run.lock``); runs in different folders share the cache
(:mod:`wordrep.cache`). The config is :mod:`wordrep.run.config`'s; where a run may write is
:mod:`wordrep.run.folder`'s.
"""
import json
import logging
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import budget, cache, cluster
from ..version import __version__
from ..atomic import atomic_path
from ..errors import UserError
from .config import curve_label, to_toml, trains_on_text, what_it_computes
from .folder import (RUN_LOCK, check_replaceable, check_run_folder, make_run_folder,
                     model_folder, prepare_folder)

log = logging.getLogger(__name__)


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
    # Where the counts run and within what memory are not part of what the run is: they are
    # left out of the folder's config, so a run moved onto a cluster or a bigger budget reuses
    # its folder and its models.
    address = config.get("cluster", {}).get("address")
    size, source = budget.resolve(config.get("resources", {}).get("memory") or None)
    log.info("memory budget: %s (%s)", budget.format_size(size), source)
    config = what_it_computes(config)
    with cluster.maybe(address), budget.limit(size):
        return _run(config, out, force, progress)


def _run(config, out, force, progress):
    check_run_folder(out, config, force)  # before the folder, its lock or its log are made
    make_run_folder(out)
    with cache.EntryLock(out, f"the run in {out}", lock_file=out / RUN_LOCK):
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
    from ..corpora import Tokenizer, open_corpus
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
    from ..representations import build, representations
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
    from .. import storage
    from ..representations import build
    key = _provenance_key(method, params, corpus)
    reused = _reuse(folder, key)
    if reused is not None:
        reused.name = name
        log.info("%s: reused %s", name, folder)
        return Built(name, reused, reused=True, spec={"method": method, **params})
    check_replaceable(folder)
    log.info("%s: building (%s)", name, method)
    _reset_peak_memory()
    started = time.perf_counter()
    try:
        on = cluster.current() if method in cluster.METHODS else None
        rep = build(method, cluster.on_cluster(corpus) if on else corpus, **params)
        if on is not None:
            rep.metadata["cluster"] = on.describe()
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
    from .. import storage
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
    from ..benchmarks import BUNDLED, benchmarks, is_available
    if requested:
        return list(requested)
    return list(BUNDLED) + [e.name for e in benchmarks
                            if e.name not in BUNDLED and is_available(e)]


def evaluate_all(built, settings, progress=None):
    from ..evaluation import evaluate
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
    from ..evaluation import evaluate
    curve = config["learning_curve"]
    points = []
    for fraction in curve["fractions"]:
        part = corpus.prefix(float(fraction))
        tokens = int(part.token_ids().ids.size)
        for name in curve["methods"]:
            spec = config["representations"].get(name)
            if spec is None or not trains_on_text(spec):
                continue
            try:
                b = build_one(curve_label(name, fraction), spec, part,
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
    from ..representations.base import VectorRepresentation
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
    from ..compare import compare
    return compare(a, b).to_dict()


def describe(config, corpus, started):
    import gensim
    import numpy
    import scipy
    from .. import wordnet
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
    from ..report import render
    render(provenance, results, out, builds=builds, learning_curve=curve or None, **extras)


def _family(method):
    from ..representations import representations
    return representations.get(method).family if method in representations else ""

