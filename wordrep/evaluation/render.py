"""Results as text for the command line: an aligned table, Markdown, CSV or JSON."""
import json

from ..errors import UserError

COLUMNS = ("representation", "dataset", "metric", "score", "ci", "coverage", "common", "note")


def rows(results):
    """Flat rows for tables: one per record, with its score on the common coverage beside it."""
    common = {(c.dataset, name): (c, s) for c in results.comparisons for name, s in c.scores.items()}
    out = []
    for r in results.records:
        c, s = common.get((r.dataset, r.representation), (None, None))
        out.append({
            "representation": r.representation, "dataset": r.dataset, "metric": r.metric,
            "score": r.score, "ci": r.ci, "pearson": r.pearson, "covered": r.covered,
            "total": r.total, "coverage": r.coverage,
            "common_score": s["score"] if s else None,
            "common_items": c.common if c else None,
            "note": r.undefined or "",
        })
    return out


def _fmt(value, digits=3):
    return "—" if value is None else f"{value:.{digits}f}"


def render(results, fmt="table"):
    """``results`` as text: ``table`` (aligned), ``markdown``, ``csv`` or ``json``."""
    if fmt == "json":
        return results.to_json()
    flat = rows(results)
    if fmt == "csv":
        import csv
        import io
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(flat[0]) if flat else ["representation"],
                                lineterminator="\n")
        writer.writeheader()
        for row in flat:
            writer.writerow({k: (json.dumps(v) if isinstance(v, list) else v)
                             for k, v in row.items()})
        return buf.getvalue().rstrip("\n")
    header = ["representation", "dataset", "metric", "score", "95% CI" if
              results.settings.get("confidence") == 0.95 else "CI", "coverage", "common", "note"]
    body = []
    for r in flat:
        ci = f"[{r['ci'][0]:.3f}, {r['ci'][1]:.3f}]" if r["ci"] else "—"
        common = "—" if r["common_items"] is None else \
            f"{_fmt(r['common_score'])} (n={r['common_items']})"
        body.append([r["representation"], r["dataset"], r["metric"],
                     "undefined" if r["score"] is None else f"{r['score']:.3f}", ci,
                     f"{r['covered']}/{r['total']} ({100 * r['coverage']:.0f}%)", common,
                     r["note"]])
    sig = [f"{c.dataset}: {t['a']} vs {t['b']}: difference {t['difference']:+.3f}, "
           f"p = {t['p_value']:.3g} ({t['test']})"
           for c in results.comparisons for t in c.tests if t["p_value"] is not None]
    if fmt == "markdown":
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(str(x).replace("|", "\\|") for x in row) + " |" for row in body]
        if sig:
            lines += [""] + [f"- {s}" for s in sig]
        return "\n".join(lines)
    if fmt != "table":
        raise UserError(f"unknown format {fmt!r}.", "Use table, markdown, csv or json.")
    widths = [max(len(str(x)) for x in col) for col in zip(header, *body)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip()
             for row in [header] + body]
    analogy = [r for r in results.records if r.task == "analogy" and r.sections]
    for r in analogy:
        lines.append("")
        lines.append(f"{r.representation} on {r.dataset} ({r.metric} per section):")
        for s in r.sections + r.groups:
            lines.append(f"  {s['name']:32} {_fmt(s['accuracy'])}  "
                         f"({s['correct']}/{s['covered']} of {s['total']})")
    if sig:
        lines += [""] + sig
    return "\n".join(lines)
