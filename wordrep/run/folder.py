"""The run folder: what makes a folder a run folder, and where a run may write.

A run writes only inside its folder: representation names are plain names (a folder right
under ``models/``, checked with the config), a run never replaces a ``models/NAME`` that is not
a wordrep model, and a non-empty folder that is not a run folder (marked by ``.wordrep-run``,
or, from older versions, holding ``config.toml`` and ``results.json``) is used only with
``force``. A run folder that holds a different config is replaced only with ``force``.
"""
import json
import logging
from pathlib import Path

from ..version import __version__
from ..atomic import LEFTOVER, atomic_path, make_folder
from ..errors import UserError
from .config import curve_label, to_toml, trains_on_text

log = logging.getLogger(__name__)


def make_run_folder(out):
    """Create the run folder ``out`` (and its parents), or say why it cannot be."""
    make_folder(out, "run folder", "Choose another --out.")


# Written into a run folder when a run starts in it: what makes a folder a run folder, even
# one whose first run was interrupted before it wrote its config and results.
RUN_MARKER = ".wordrep-run"
# What the run writes at the top of its folder (besides models/ and figures/).
RUN_FILES = ("config.toml", "results.json", "report.md", "report.html", "run.log")
# The lock runs in one folder take turns on: made before the marker, so a run starting there
# at the same moment may find the lock (and the marker's temporary file) and nothing else.
RUN_LOCK = ".run.lock"


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
    for name in model_names(config):
        check_replaceable(model_folder(out / "models", name))


def _check_foreign_folder(out, force):
    try:
        entries = sorted(p.name for p in out.iterdir())
    except OSError as exc:
        raise UserError(f"cannot read the run folder {out}: {exc.strerror}.",
                        "Choose another --out.") from None
    if all(n == RUN_LOCK or _marker_being_written(n) for n in entries):
        return  # empty but for a run that starts there now: it takes its turn at the lock
    if not force:
        shown = ", ".join(json.dumps(n) if not n.isprintable() else n for n in entries[:3])
        raise UserError(f"{out} is not a wordrep run folder and not empty (it holds {shown}"
                        f"{', ...' if len(entries) > 3 else ''}).",
                        "Choose a new or empty --out, or --force to run there (the run's own "
                        f"files {', '.join(RUN_FILES)} would be replaced).")
    replaced = [n for n in RUN_FILES if n in entries]
    log.warning("Warning: %s was not a run folder; --force: %s replaced there, nothing else.",
                out, ", ".join(replaced) or "no file")


def _marker_being_written(name):
    leftover = LEFTOVER.fullmatch(name)
    return bool(leftover) and leftover["name"] == RUN_MARKER


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


def model_names(config):
    """The folders under models/ that this run may write: its representations and their
    learning-curve points."""
    reps = config["representations"]
    yield from reps
    for name in config["learning_curve"]["methods"]:
        if name in reps and trains_on_text(reps[name]):
            yield from (curve_label(name, f) for f in config["learning_curve"]["fractions"])



def model_folder(models, name):
    """The folder of the model ``name``: right under ``models``, never anywhere else.

    Names are checked with the config (:func:`wordrep.run.config.check_name`); this is the
    second line of defence, and it also refuses a link that leads out of ``models``.
    """
    models = Path(models)
    folder = models / name
    resolved = folder.resolve()
    if folder.parent != models or resolved.parent != models.resolve():
        raise UserError(f"the model folder of {name!r} would be {resolved}, outside {models}.",
                        "Use a plain representation name, and no link under models/.")
    return folder


def check_replaceable(folder):
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
