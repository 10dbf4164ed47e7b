"""Render one run's results as ``report.md`` and a self-contained ``report.html``.

The report only *renders*: every score, interval, coverage and p-value comes from
:class:`~wordrep.evaluation.Results`, and everything else comes from the plain data the pipeline
passes in. The few transformations done here are presentational: choosing which of the
computed tests to show, a 2-D PCA of the probe words' vectors for the map, and differences to
human agreement for display.

Both files come from one list of blocks (headings, paragraphs, tables, figures), so the
Markdown and the HTML always say the same thing. The Markdown refers to PNG files in
``figures/`` beside it; the HTML inlines the same PNGs as base64, so it can be mailed or
opened anywhere without its folder. Every file is written atomically.

One module per job: :mod:`.document` (the blocks), :mod:`.view` (look-ups over the
results), :mod:`.formatting` (how numbers print), :mod:`.summary` (the written summary),
:mod:`.sections` (the tables), :mod:`.figures` (bars, PCA maps, learning curve),
:mod:`.markdown` and :mod:`.html` (the two renderings); this module assembles and writes.

Inputs
------
Only ``results`` is required; whatever else is missing is left out of the report, never
invented. All inputs are plain data (JSON-ready, apart from the arrays of ``probe_vectors``).

results : Results or dict
    What :func:`wordrep.evaluate` returned (or its ``to_dict()``/JSON form).
run : dict or None
    Provenance; every key optional::

        {"title": str,
         "corpus": {"name" (or "corpus"): str, "fingerprint": str, "tokens": int,
                    "types": int, ...},   # corpus.statistics() fits as is
         "versions": {"wordrep": str, "gensim": str, "numpy": str, ...},
         "seeds": {what: int} or int,
         "config": any JSON-ready value,   # shown as JSON
         "started": str, "finished": str, "seconds": float,
         ...}                              # other keys are shown as "key: value"

    Package versions may also be top-level keys (``"wordrep"``, ``"gensim"``, ``"numpy"``,
    ...); without ``"seeds"``, every ``seed`` found in ``config`` is listed.

builds : dict
    ``{representation: {"method": str, "family": str, "seconds": float, "peak_mb": float,
    "words": int, "dim": int, "reused": bool, "parameters": dict, ...}}``, every key
    optional (``peak_memory_mb``, ``vocabulary`` and ``cached`` are accepted for ``peak_mb``,
    ``words`` and ``reused``); other keys are shown in a last column.
neighbours : dict
    ``{probe word: {representation: [(word, score), ...] or None}}``; ``None`` means the probe
    word is not in that representation's vocabulary.
probe_vectors : dict
    ``{representation: (words, vectors)}``: the probe words a vector representation knows and
    their vectors (2-D array, one row per word; dense or scipy.sparse).
probe_groups : dict
    ``{word: group}``, e.g. ``{"cat": "animals"}``: colours the PCA maps.
learning_curve : list of dict
    ``{"representation": str, "tokens": int, "benchmark": str, "score": float or None,
    "ci": [lo, hi] (optional)}`` per (representation, corpus prefix, benchmark); a prefix
    that could not be built is ``{"representation": str, "tokens": int, "skipped": reason}``
    and is listed under the curve.
comparisons : list of dict
    What :mod:`wordrep.compare` returns for each compared pair. Rendered generically: ``"a"``
    and ``"b"`` (the two representations) name the pair, scalar values become rows of a
    table, nested dicts are flattened one level (``by_band.rare``), and long lists are
    shortened.

Examples
--------
>>> from wordrep.report import render
>>> paths = render({"corpus": {"name": "lee"}}, results, "runs/lee")  # doctest: +SKIP
>>> paths["html"]                                                         # doctest: +SKIP
PosixPath('runs/lee/report.html')
"""
from pathlib import Path

from ..atomic import atomic_path
from ..errors import UserError
from ..evaluation import Results
from .document import Figure, heading
from .figures import bar_section, learning_curve_section, pca_coordinates, pca_section
from .html import to_html
from .markdown import to_markdown
from .sections import (analogy_section, builds_section, comparison_section, neighbours_section,
                       provenance_section, similarity_of_representations_section)
from .summary import summary_section
from .view import ResultsView

__all__ = ["render", "build_document", "Figure", "ResultsView", "pca_coordinates",
           "to_markdown", "to_html"]

FIGURE_PATTERNS = ("bars-*.png", "pca-maps.png", "learning-curve.png")


def render(run, results, out_dir, *, builds=None, neighbours=None, probe_vectors=None,
           probe_groups=None, learning_curve=None, comparisons=None):
    """Write ``report.md``, ``report.html`` and ``figures/*.png`` into ``out_dir``.

    Parameters
    ----------
    run : dict or None
        Provenance (see the module docstring).
    results : Results or dict
    out_dir : str or Path
        Created if missing.
    builds, neighbours, probe_vectors, probe_groups, learning_curve, comparisons
        Optional parts, shaped as the module docstring describes; a missing part is left out.

    Returns
    -------
    dict
        ``{"markdown": Path, "html": Path, "figures": [Path, ...]}``.
    """
    blocks, figures = build_document(
        results, run=run, builds=builds, neighbours=neighbours, probe_vectors=probe_vectors,
        probe_groups=probe_groups, learning_curve=learning_curve, comparisons=comparisons)
    out = Path(out_dir)
    try:
        (out / "figures").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create the report folder {out}: {exc.strerror}.",
                        "Choose an output folder you can write to.") from None
    written = [_write(out / "figures" / f"{f.name}.png", f.png) for f in figures]
    markdown = _write(out / "report.md", to_markdown(blocks).encode())
    page = _write(out / "report.html", to_html(blocks, _title(run)).encode())
    # Only now: until the new pages are in place, the old ones may still show these figures.
    _remove_stale_figures(out / "figures", set(written))
    return {"markdown": markdown, "html": page, "figures": written}


def build_document(results, *, run=None, builds=None, neighbours=None, probe_vectors=None,
                   probe_groups=None, learning_curve=None, comparisons=None):
    """The report as a list of blocks and the figures they refer to (nothing written).

    Returns
    -------
    blocks : list of tuple
    figures : list of Figure
    """
    if isinstance(results, dict):
        results = Results.from_dict(results)
    view = ResultsView(results, builds or {})
    blocks = [heading(1, _title(run)), *summary_section(view, run, learning_curve)]
    blocks += comparison_section(view)
    blocks += analogy_section(view)
    figures = []
    for part in (bar_section(view), pca_section(view, probe_vectors, probe_groups),
                 learning_curve_section(view, learning_curve)):
        part_blocks, part_figures = part
        blocks += part_blocks
        figures += part_figures
    blocks += neighbours_section(neighbours)
    blocks += similarity_of_representations_section(comparisons)
    blocks += builds_section(view, builds)
    blocks += provenance_section(view, run)
    return blocks, figures


def _title(run):
    return (run or {}).get("title") or "wordrep report"


def _write(path, data):
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


def _remove_stale_figures(folder, keep):
    """Figures of an earlier render that this one no longer refers to (only ours, by name)."""
    for pattern in FIGURE_PATTERNS:
        for path in folder.glob(pattern):
            if path not in keep:
                path.unlink(missing_ok=True)
