"""How the report prints numbers and plain values: scores, intervals, p-values, sizes."""
import numpy as np

LIST_SHOWN = 6        # long lists in compare.py output are shortened to this many values


def fmt(value, digits=3):
    """A score as the tables print it; ``None`` as a dash."""
    return "—" if value is None else f"{value:.{digits}f}"


def fmt_ci(ci):
    return "—" if not ci else f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def fmt_p(p):
    if p is None:
        return "—"
    return f"{p:.3f}" if p >= 0.001 else f"{p:.1e}"


def fmt_value(value):
    """Any value from plain data (compare.py output, provenance) as short text."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return str(value)
        if value and (abs(value) >= 1e4 or abs(value) < 1e-3):
            return f"{value:.3g}"
        return f"{value:.3f}"
    if isinstance(value, (list, tuple, np.ndarray)):
        shown = ", ".join(fmt_value(v) for v in list(value)[:LIST_SHOWN])
        more = f", … ({len(value)} values)" if len(value) > LIST_SHOWN else ""
        return f"[{shown}{more}]"
    if isinstance(value, dict):
        return ", ".join(f"{k}={fmt_value(v)}" for k, v in value.items())
    return str(value)


def coverage(record):
    return f"{record.covered:,}/{record.total:,} ({100 * record.coverage:.0f}%)"


def ci_label(confidence):
    return f"{100 * confidence:g}% CI"


def humanize(n):
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= size:
            return f"{n / size:.3g}{suffix}"
    return str(n)
