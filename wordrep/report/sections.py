"""The report's sections made of tables and lists: scores, analogies by section, nearest
neighbours, how alike the representations are, builds, provenance.
"""
import json

from .document import bullets, code, heading, para, table
from .formatting import ci_label, coverage, fmt, fmt_ci, fmt_p, fmt_value
from .view import ALPHA, family_bests, items_of, metric_name


def comparison_section(view):
    """The overview matrix, then one detailed table per benchmark."""
    if not view.datasets:
        return [heading(2, "Scores"), para("No results to show.")]
    label = ci_label(view.confidence)
    blocks = [heading(2, "Scores"),
              para(f"Score with its {label} (bootstrap, {view.results.settings.get('bootstrap')}"
                   " resamples), each representation on the items it covers."),
              table(["representation", "family"] + view.datasets,
                    [[n, view.family(n)] + [_overview_cell(view, n, d) for d in view.datasets]
                     for n in view.names])]
    for d in view.datasets:
        blocks += benchmark_table(view, d)
    return blocks


def _overview_cell(view, name, dataset):
    try:
        r = view.results.get(name, dataset)
    except KeyError:
        return "—"
    if r.score is None:
        return "undefined"
    return f"{fmt(r.score)} {fmt_ci(r.ci)}" if r.ci else fmt(r.score)


def benchmark_table(view, dataset):
    desc = view.describe(dataset)
    comp = view.comparison(dataset)
    agreement = view.agreement(dataset)
    label = ci_label(view.confidence)
    header = ["representation", "family", metric_name(view.records(dataset)[0].metric), label,
              "coverage"]
    if comp:
        header += [f"on common items (n={comp.common:,})", f"{label} (common)"]
    header += [f"human {a['value']:.2f} − score" for a in agreement] + ["note"]
    rows = [_benchmark_row(view, r, comp, agreement) for r in view.records(dataset)]
    return [heading(3, dataset), para(_dataset_line(desc, agreement)), table(header, rows),
            *_tests_block(view, dataset)]


def _benchmark_row(view, r, comp, agreement):
    row = [r.representation, view.family(r.representation),
           "undefined" if r.score is None else fmt(r.score), fmt_ci(r.ci), coverage(r)]
    if comp:
        s = comp.scores.get(r.representation, {})
        row += ["undefined" if s.get("score") is None else fmt(s["score"]), fmt_ci(s.get("ci"))]
    row += [fmt(None if r.score is None else a["value"] - r.score) for a in agreement]
    return row + [r.undefined or ""]


def _dataset_line(desc, agreement):
    size = f"{desc.get('size', '?'):,} {items_of(desc)}" if desc.get("size") else ""
    bits = [b for b in (size, desc.get("citation")) if b]
    if agreement:
        bits.append("Human agreement: " + "; ".join(
            f"{a['value']:.2f} ({a['kind']}; {a['source']})" for a in agreement))
    elif desc.get("kind") != "analogy":
        bits.append("Human agreement: " + (desc.get("agreement_note") or "none recorded"))
    return ". ".join(bits) + "." if bits else ""


def _tests_block(view, dataset):
    """The differences that matter: best vs second, and each family's best vs the others'."""
    ranked, _, _ = view.ranking(dataset)
    pairs = []
    if len(ranked) > 1:
        pairs.append(("best vs second", ranked[0][0], ranked[1][0]))
    bests = [n for n, _ in family_bests(view, ranked).values()]
    seen = {frozenset(p[1:]) for p in pairs}
    for i, a in enumerate(bests):
        for b in bests[i + 1:]:
            if frozenset((a, b)) not in seen:  # best vs second may already be a family pair
                pairs.append(("best of family vs best of family", a, b))
    rows = []
    for what, a, b in pairs:
        test = view.test(dataset, a, b)
        if test:
            rows.append([what, f"{a} − {b}", f"{test[0]:+.3f}", fmt_p(test[1]),
                         "yes" if test[1] is not None and test[1] < ALPHA else "no"])
    if not rows:
        return []
    return [table(["comparison", "difference", "value", "p", f"p < {ALPHA}"], rows)]


def analogy_section(view):
    blocks = []
    for d in view.datasets:
        recs = [r for r in view.records(d) if r.task == "analogy"]
        shown = [r for r in recs if r.sections]
        if not recs:
            continue
        blocks.append(heading(3, f"{d}: accuracy per section"))
        if shown:
            blocks.append(para("Accuracy over covered questions (correct/covered); "
                               "“—” where a representation covers none of a section."))
            blocks.append(_section_table(shown))
        missing = [r for r in recs if not r.sections]
        if missing:
            blocks.append(bullets(f"{r.representation}: {r.undefined or 'no section detail'}"
                                  for r in missing))
    return [heading(2, "Analogies by section")] + blocks if blocks else []


def _section_table(records):
    names = [s["name"] for s in records[0].sections + records[0].groups]
    totals = {s["name"]: s["total"] for s in records[0].sections + records[0].groups}
    rows = []
    for name in names:
        row = [name, f"{totals[name]:,}"]
        for r in records:
            s = next((x for x in r.sections + r.groups if x["name"] == name), None)
            row.append("—" if s is None or s["accuracy"] is None else
                       f"{fmt(s['accuracy'])} ({s['correct']}/{s['covered']})")
        rows.append(row)
    rows.append(["all covered", f"{records[0].total:,}"] +
                [f"{fmt(r.score)} ({r.covered:,} covered)" for r in records])
    return table(["section", "questions"] + [r.representation for r in records], rows)


def neighbours_section(neighbours):
    """One table per probe word: rank down, representations across."""
    if not neighbours:
        return []
    blocks = [heading(2, "Nearest neighbours of the probe words"),
              para("Cosine similarity in brackets; “not in vocabulary” where a representation "
                   "does not know the probe word.")]
    for word, by_rep in neighbours.items():
        reps = list(by_rep)
        depth = max((len(v) for v in by_rep.values() if v), default=0)
        rows = [[str(k + 1)] + [_neighbour_cell(by_rep[r], k) for r in reps]
                for k in range(max(depth, 1))]
        blocks += [heading(3, word), table(["rank"] + reps, rows)]
    return blocks


def _neighbour_cell(found, k):
    if found is None:
        return "not in vocabulary" if k == 0 else ""
    if k >= len(found):
        return ""
    if all(score == 0 for _, score in found):
        # One-hot: every other word is orthogonal, so the "neighbours" are an arbitrary pick.
        return "no similar word (every cosine is 0)" if k == 0 else ""
    word, score = found[k]
    return f"{word} ({score:.2f})"


def similarity_of_representations_section(comparisons):
    """compare.py's output, generically: one key/value table per compared pair."""
    if not comparisons:
        return []
    blocks = [heading(2, "How alike are the representations?")]
    for i, comp in enumerate(comparisons, 1):
        title, named = _pair_title(comp, i)
        rows = [[k, fmt_value(v)] for k, v in _flatten(comp).items() if k not in named]
        blocks += [heading(3, title), table(["measure", "value"], rows)]
    return blocks


def _pair_title(comp, i):
    """"A vs B" from the keys that name the pair, and those keys (not repeated as rows)."""
    if "a" in comp and "b" in comp:
        return f"{comp['a']} vs {comp['b']}", ("a", "b")
    for key in ("pair", "representations"):
        if isinstance(comp.get(key), (list, tuple)) and len(comp[key]) == 2:
            return f"{comp[key][0]} vs {comp[key][1]}", (key,)
    return f"comparison {i}", ()


def _flatten(d, prefix=""):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict) and not prefix:
            out.update(_flatten(v, f"{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


# (keys, with the accepted aliases; column label)
BUILD_COLUMNS = ((("method",), "method"), (("family",), "family"),
                 (("seconds",), "build time (s)"),
                 (("peak_mb", "peak_memory_mb"), "peak memory (MB)"),
                 (("words", "vocabulary"), "vocabulary"), (("dim",), "dimensions"),
                 (("reused", "cached"), "reused"))


BUILD_FORMATS = {"seconds": "{:,.2f}", "peak_mb": "{:,.0f}", "peak_memory_mb": "{:,.0f}",
                 "reused": None, "cached": None}  # None: yes/no


def builds_section(view, builds):
    if not builds:
        return []
    known = {k for keys, _ in BUILD_COLUMNS for k in keys} | {"parameters"}
    extra = any(set(b) - known for b in builds.values())
    header = ["representation"] + [label for _, label in BUILD_COLUMNS] + (["other"] if extra
                                                                             else [])
    rows = []
    for name, b in builds.items():
        row = [name] + [_build_cell(view, name, b, keys) for keys, _ in BUILD_COLUMNS]
        if extra:
            row.append(", ".join(f"{k}={fmt_value(v)}" for k, v in b.items() if k not in known))
        rows.append(row)
    params = [f"{n}: {fmt_value(b['parameters'])}" for n, b in builds.items()
              if b.get("parameters")]
    blocks = [heading(2, "Builds: time and peak memory"), table(header, rows)]
    if params:
        blocks += [heading(3, "Parameters"), bullets(params)]
    return blocks


def _build_cell(view, name, build, keys):
    if keys == ("family",):
        return view.family(name)
    key = next((k for k in keys if build.get(k) is not None), None)
    if key is None:
        return "—"
    value = build[key]
    if key in BUILD_FORMATS:
        form = BUILD_FORMATS[key]
        return ("yes" if value else "no") if form is None else form.format(value)
    return fmt_value(value)


def provenance_section(view, run):
    run = dict(run or {})
    blocks = [heading(2, "Provenance")]
    items = []
    corpus = run.pop("corpus", None)
    if corpus:
        items.append("Corpus: " + _corpus_line(corpus))
    versions = run.pop("versions", None) or {k: run.pop(k) for k in PACKAGES if k in run}
    if versions:
        items.append(f"Versions: {fmt_value(versions)}")
    config = run.pop("config", None)
    seeds = run.pop("seeds", None) or _seeds(config)
    if seeds:
        items.append(f"Seeds: {fmt_value(seeds)}")
    run.pop("title", None)
    items += [f"{k}: {fmt_value(v)}" for k, v in run.items()]
    settings = fmt_value(view.results.settings) if view.results.settings else "not recorded"
    items.append(f"Evaluation settings: {settings}; wordrep {view.results.wordrep_version}; "
                 f"evaluated {view.results.created or '—'}.")
    blocks.append(bullets(items))
    blocks += _datasets_table(view)
    if config is not None:
        blocks += [heading(3, "Configuration"), code(json.dumps(config, indent=2, default=str))]
    return blocks


PACKAGES = ("wordrep", "python", "numpy", "scipy", "gensim", "nltk", "click", "matplotlib")


def _seeds(config, prefix=""):
    """Every ``seed`` in a nested config, by where it is (``representations.word2vec.seed``)."""
    if not isinstance(config, dict):
        return {}
    found = {}
    for key, value in config.items():
        if key == "seed" and not isinstance(value, dict):
            found[f"{prefix}seed"] = value
        elif isinstance(value, dict):
            found.update(_seeds(value, f"{prefix}{key}."))
    return found


def _corpus_line(corpus):
    corpus = dict(corpus)
    name = corpus.pop("name", None) or corpus.pop("corpus", None) or "unnamed"
    bits = [name]
    for key in ("fingerprint", "tokens", "types"):
        if key in corpus:
            bits.append(f"{key} {fmt_value(corpus.pop(key))}")
    bits += [f"{k} {fmt_value(v)}" for k, v in corpus.items()]
    return ", ".join(bits)


def _datasets_table(view):
    rows = [[name, d.get("kind", ""), fmt_value(d.get("size")), d.get("source") or "—",
             (d.get("sha256") or "—")[:16], d.get("citation") or "—"]
            for name, d in view.results.datasets.items()]
    if not rows:
        return []
    return [heading(3, "Benchmarks"),
            table(["benchmark", "kind", "size", "source", "sha256 (first 16)", "citation"], rows)]
