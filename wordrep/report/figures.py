"""The report's figures and the sections that show them: bars with intervals per benchmark,
2-D PCA maps of the probe words (labels moved apart so none overlap), the learning curve.
Rendered with matplotlib's Agg backend to PNG bytes, the same bytes for the same figure.
"""
import io
import re

import numpy as np

from .document import Figure, bullets, figure_block, heading, para, table
from .formatting import ci_label, fmt, fmt_ci, humanize
from .view import items_of, metric_name

FAMILY_COLOURS = {"one-hot": "#8c8c8c", "WordNet-derived": "#2ca02c",
                  "distributional": "#1f77b4", "hybrid": "#9467bd"}
OTHER_COLOUR = "#ff7f0e"


def bar_section(view):
    blocks, figures = [], []
    for d in view.datasets:
        fig = bar_figure(view, d)
        figures.append(fig)
        blocks.append(figure_block(fig))
    if not figures:
        return [], []
    return [heading(2, "Figures"), heading(3, "Scores per benchmark")] + blocks, figures


def pca_section(view, probe_vectors, probe_groups):
    if not probe_vectors:
        return [], []
    maps, skipped = pca_coordinates(probe_vectors)
    blocks = [heading(3, "Probe words, 2-D PCA of each representation")]
    figures = []
    if maps:
        fig = pca_figure(maps, probe_groups or {})
        figures.append(fig)
        blocks.append(figure_block(fig))
    if skipped:
        blocks.append(bullets(f"{n}: {why}" for n, why in skipped.items()))
    return blocks, figures


def learning_curve_section(view, learning_curve):
    if not learning_curve:
        return [], []
    skipped = [p for p in learning_curve if "skipped" in p]
    points = [p for p in learning_curve if "skipped" not in p]
    blocks, figures = [heading(3, "Learning curve")], []
    if points:
        fig = learning_curve_figure(view, points)
        benchmarks = list(dict.fromkeys(p["benchmark"] for p in points))
        keys = list(dict.fromkeys((p["representation"], p["tokens"]) for p in points))
        cells = {(p["representation"], p["tokens"], p["benchmark"]): p for p in points}
        rows = [[rep, f"{tokens:,}"] + [_curve_cell(cells.get((rep, tokens, b)))
                                        for b in benchmarks] for rep, tokens in keys]
        blocks += [figure_block(fig), table(["representation", "tokens"] + benchmarks, rows)]
        figures.append(fig)
    if skipped:
        blocks += [para("Points skipped (the corpus prefix was too small to build on):"),
                   bullets(f"{p['representation']} on {p['tokens']:,} tokens: {p['skipped']}"
                           for p in skipped)]
    return blocks, figures


def _curve_cell(point):
    if point is None:
        return "—"
    if point.get("score") is None:
        return "undefined"
    if point.get("ci"):
        return f"{fmt(point['score'])} {fmt_ci(point['ci'])}"
    return fmt(point["score"])


def _pyplot():
    # Agg: no display on servers, and the same pixels everywhere.
    import matplotlib
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    return plt


def _png(fig):
    buf = io.BytesIO()
    # No "Software" stamp: the same figure gives the same bytes whatever matplotlib did it.
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    _pyplot().close(fig)
    return buf.getvalue()


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "x"


def family_colour(family):
    return FAMILY_COLOURS.get(family, OTHER_COLOUR)


def bar_figure(view, dataset):
    """Bars with CI whiskers: each representation on its own coverage (solid) and on the common
    items (hatched); dashed lines at human agreement."""
    plt = _pyplot()
    from matplotlib.patches import Patch
    recs = view.records(dataset)
    comp = view.comparison(dataset)
    fig, ax = plt.subplots(figsize=(max(6.5, 1.1 * len(recs) + 2.5), 4.4))
    x = np.arange(len(recs))
    width = 0.38 if comp else 0.6
    own = [(r.score, r.ci) for r in recs]
    _bars(ax, x - (width / 2 if comp else 0), width, own, recs, view, hatch=None)
    if comp:
        common = [(comp.scores.get(r.representation, {}).get("score"),
                   comp.scores.get(r.representation, {}).get("ci")) for r in recs]
        _bars(ax, x + width / 2, width, common, recs, view, hatch="//")
    ax.axhline(0, color="0.3", lw=0.8)
    handles = [Patch(color=family_colour(f), label=f)
               for f in dict.fromkeys(view.family(r.representation) for r in recs)]
    if comp:
        handles.append(Patch(facecolor="white", edgecolor="0.3", hatch="//",
                             label=f"on the {comp.common:,} common items"))
    for a, style in zip(view.agreement(dataset), ("--", ":", "-.")):
        handles.append(ax.axhline(a["value"], color="black", ls=style, lw=1.2,
                                  label=f"human agreement {a['value']:.2f}"))
    ax.set_xticks(x, [f"{r.representation}\n{100 * r.coverage:.0f}% covered" for r in recs],
                  rotation=30 if len(recs) > 6 else 0, ha="right" if len(recs) > 6 else "center",
                  fontsize=9)
    metric = metric_name(recs[0].metric)
    ax.set_ylabel(metric)
    ax.set_title(f"{dataset}: {metric}, {ci_label(view.confidence)} whiskers")
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.grid(axis="y", alpha=0.3)
    caption = (f"{dataset}: each representation on the {items_of(view.describe(dataset))} it "
               "covers" + (" (solid) and on the items all of them cover (hatched)" if comp
                           else "") + "; whiskers are the bootstrap intervals; "
               "“undefined” marks a score that does not exist.")
    return Figure(f"bars-{_slug(dataset)}", _png(fig), caption, f"bar chart of {dataset}")


def _bars(ax, xs, width, values, recs, view, hatch):
    for xi, (score, ci), r in zip(xs, values, recs):
        colour = family_colour(view.family(r.representation))
        if score is None:
            ax.text(xi, 0, "undefined", rotation=90, ha="center", va="bottom", fontsize=8,
                    color="0.35")
            continue
        err = None
        if ci:
            err = [[max(0.0, score - ci[0])], [max(0.0, ci[1] - score)]]
        ax.bar(xi, score, width, color="white" if hatch else colour, edgecolor=colour,
               hatch=hatch, yerr=err, capsize=3, error_kw={"lw": 1, "ecolor": "0.2"})


def pca_coordinates(probe_vectors):
    """2-D PCA (SVD of the centred vectors) of each representation's probe words.

    Returns
    -------
    maps : dict
        representation -> (words, (n, 2) coordinates, explained variance ratio of the 2 axes)
    skipped : dict
        representation -> why it has no map
    """
    maps, skipped = {}, {}
    for name, (words, vectors) in probe_vectors.items():
        matrix = vectors.toarray() if hasattr(vectors, "toarray") else np.asarray(vectors)
        matrix = np.asarray(matrix, dtype=np.float64)
        if matrix.ndim != 2 or len(words) != matrix.shape[0]:
            raise ValueError(f"probe_vectors[{name!r}]: {len(words)} words but an array of "
                             f"shape {matrix.shape}")
        if len(words) < 3:
            skipped[name] = f"only {len(words)} probe word(s) known: too few for a map"
            continue
        if matrix.shape[1] < 2:
            skipped[name] = f"{matrix.shape[1]} dimension: a 2-D map needs at least 2"
            continue
        centred = matrix - matrix.mean(axis=0)
        u, s, _ = np.linalg.svd(centred, full_matrices=False)
        variance = s ** 2
        if variance.sum() == 0:
            skipped[name] = "every probe word has the same vector"
            continue
        coords = u[:, :2] * s[:2]
        if coords.shape[1] < 2:
            coords = np.column_stack([coords, np.zeros(len(coords))])
        maps[name] = (list(words), coords, variance[:2] / variance.sum())
    return maps, skipped


def pca_figure(maps, groups):
    fig = pca_plot(maps, groups)
    caption = ("The probe words in each vector representation, projected on the first two "
               "principal components of those words' vectors (each map has its own axes).")
    return Figure("pca-maps", _png(fig), caption, "PCA maps of the probe words")


def pca_plot(maps, groups):
    """The matplotlib figure of the PCA maps, its labels moved apart so that none overlap."""
    plt = _pyplot()
    n = len(maps)
    cols = min(3, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 4.3 * rows), squeeze=False)
    palette = plt.get_cmap("tab10")
    group_names = list(dict.fromkeys(groups.values()))
    labels = []
    for ax, (name, (words, coords, ratio)) in zip(axes.flat, maps.items()):
        colours = [palette(group_names.index(groups[w]) % 10) if w in groups else "0.3"
                   for w in words]
        ax.scatter(coords[:, 0], coords[:, 1], c=colours, s=18)
        labels.append([ax.annotate(w, (px, py), xytext=(3, 2), textcoords="offset points",
                                   fontsize=8, color=c)
                       for w, (px, py), c in zip(words, coords, colours)])
        ax.set_title(name, fontsize=10)
        ax.set_xlabel(f"PC1 ({100 * ratio[0]:.0f}% of variance)", fontsize=8)
        ax.set_ylabel(f"PC2 ({100 * ratio[1]:.0f}%)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.margins(0.15)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    if group_names:
        from matplotlib.lines import Line2D
        fig.legend(handles=[Line2D([], [], marker="o", ls="", color=palette(i % 10), label=g)
                            for i, g in enumerate(group_names)],
                   loc="lower center", ncol=min(6, len(group_names)), fontsize=8,
                   bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout()
    # After the layout (it moves the axes, and with them the points on the page) and with the
    # limits fixed (the leader lines must not rescale the axes).
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax, texts in zip(axes.flat, labels):
        ax.set_autoscale_on(False)
        repel_labels(texts, renderer, ax.get_window_extent(renderer).extents)
        _leader_lines(ax, texts, renderer)
    return fig


def repel_labels(texts, renderer, bounds=None, steps=300, pad=1.5):
    """Move overlapping annotations apart until no two overlap (or ``steps`` passes ran).

    Deterministic: each pass finds every overlapping pair of label boxes (in display pixels,
    ``pad`` apart) and pushes both labels half the overlap apart along the axis that needs
    the smaller move, the upper (or right) one up (or right); a label past ``bounds``
    (x0, y0, x1, y1 in pixels, e.g. its axes) is pushed back inside. Labels keep their anchor
    point; only their text offset changes.
    """
    if not texts:
        return
    to_points = 72 / texts[0].figure.dpi
    for _ in range(steps):
        box = np.array([t.get_window_extent(renderer).extents for t in texts])
        x0, y0, x1, y1 = (box[:, i] for i in range(4))
        over_x = np.minimum(x1[:, None], x1) - np.maximum(x0[:, None], x0) + pad
        over_y = np.minimum(y1[:, None], y1) - np.maximum(y0[:, None], y0) + pad
        clash = np.triu((over_x > 0) & (over_y > 0), k=1)
        move = np.zeros((len(texts), 2))
        if bounds is not None:
            move[:, 0] = np.maximum(bounds[0] - x0, 0) - np.maximum(x1 - bounds[2], 0)
            move[:, 1] = np.maximum(bounds[1] - y0, 0) - np.maximum(y1 - bounds[3], 0)
        if not clash.any() and not move.any():
            return
        centre = (box[:, :2] + box[:, 2:]) / 2
        for i, j in zip(*np.nonzero(clash)):
            axis = 0 if over_x[i, j] < over_y[i, j] else 1
            gap = min(over_x[i, j], over_y[i, j])
            # The one further along the axis moves further along it; ties go by order.
            sign = 1.0 if (centre[j, axis], j) > (centre[i, axis], i) else -1.0
            move[j, axis] += sign * gap / 2
            move[i, axis] -= sign * gap / 2
        for t, (dx, dy) in zip(texts, move * to_points):
            x, y = t.xyann
            t.xyann = (x + dx, y + dy)


def _leader_lines(ax, texts, renderer, far=6.0):
    """A thin line from each point to its label when the label moved away from it."""
    to_data = ax.transData.inverted()
    for t in texts:
        point = ax.transData.transform(t.xy)
        x0, y0, x1, y1 = t.get_window_extent(renderer).extents
        nearest = np.clip(point, (x0, y0), (x1, y1))
        if np.hypot(*(nearest - point)) > far:
            (px, py), (nx, ny) = to_data.transform([point, nearest])
            ax.plot([px, nx], [py, ny], color=t.get_color(), lw=0.5, alpha=0.6, zorder=1)


def learning_curve_figure(view, points):
    plt = _pyplot()
    benchmarks = list(dict.fromkeys(p["benchmark"] for p in points))
    reps = list(dict.fromkeys(p["representation"] for p in points))
    fig, axes = plt.subplots(1, len(benchmarks), figsize=(4.8 * len(benchmarks), 3.9),
                             squeeze=False)
    palette = plt.get_cmap("tab10")
    for ax, bench in zip(axes.flat, benchmarks):
        for i, rep in enumerate(reps):
            _curve(ax, [p for p in points if p["benchmark"] == bench
                        and p["representation"] == rep], rep, palette(i % 10))
        for a, style in zip(view.agreement(bench), ("--", ":")):
            ax.axhline(a["value"], color="black", ls=style, lw=1,
                       label=f"human {a['value']:.2f}")
        _token_axis(ax, sorted({p["tokens"] for p in points if p["benchmark"] == bench}))
        ax.set_title(bench)
        ax.set_ylabel(metric_name(view.records(bench)[0].metric) if view.records(bench)
                      else "score")
        ax.grid(alpha=0.3)
    axes.flat[-1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    caption = ("Score against training tokens. A curve still rising at the right says more "
               "data would help (variance); a flat one says the method is the limit (bias).")
    return Figure("learning-curve", _png(fig), caption, "learning curve")


def _token_axis(ax, tokens):
    """Log x axis ticked at the corpus sizes trained on, labelled 15k, 1.2M, ..."""
    from matplotlib.ticker import NullLocator
    ax.set_xscale("log")
    ax.set_xticks(tokens, [humanize(t) for t in tokens])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("training tokens (log scale)")


def _curve(ax, points, label, colour):
    points = sorted((p for p in points if p.get("score") is not None), key=lambda p: p["tokens"])
    if not points:
        return
    xs = [p["tokens"] for p in points]
    ys = [p["score"] for p in points]
    ax.plot(xs, ys, marker="o", color=colour, label=label)
    cis = [(p["tokens"], p["ci"]) for p in points if p.get("ci")]
    if len(cis) == len(points):
        ax.fill_between(xs, [c[0] for _, c in cis], [c[1] for _, c in cis], color=colour,
                        alpha=0.15, lw=0)
