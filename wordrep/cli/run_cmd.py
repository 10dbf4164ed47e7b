"""``wordrep run``: the main job, from a corpus to every representation and a report."""
from pathlib import Path

import click

from .group import main
from .options import echo_err, progress

# --quick: enough to see every stage run (a value below these is kept).
QUICK_LIMITS = {"dim": 50, "epochs": 1}


def _fractions(ctx, param, value):
    if value is None:
        return None
    try:
        fractions = [float(x) for x in value.split(",") if x.strip()]
    except ValueError:
        raise click.BadParameter("give fractions such as 0.1,0.25,0.5,1.0") from None
    if not fractions or not all(0 < f <= 1 for f in fractions):
        raise click.BadParameter("each fraction must be in (0, 1], e.g. 0.1,0.25,0.5,1.0")
    return fractions


@main.command("run")
@click.argument("config", required=False, type=click.Path(dir_okay=False))
@click.option("--corpus", "corpus_name", default=None,
              help="A named corpus (wordrep corpus list) or a path [default: enwiki-sample].")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="The run folder [default: runs/CORPUS].")
@click.option("--fractions", callback=_fractions, default=None,
              help="Learning curve: also train the distributional methods on these prefixes "
                   "of the corpus, e.g. 0.1,0.25,0.5,1.0.")
@click.option("--quick", is_flag=True,
              help=f"Small settings: at most {QUICK_LIMITS['dim']} dimensions and "
                   f"{QUICK_LIMITS['epochs']} epoch for every representation that has them, no "
                   "bootstrap (--print-config shows them): a check that everything runs, not "
                   "results to report.")
@click.option("--force", is_flag=True,
              help="Run in a folder that holds a different config, or in a non-empty folder "
                   "that is not a run folder (the run's own files there are replaced; a "
                   "models/NAME that is not a wordrep model never is).")
@click.option("--memory", metavar="SIZE", default=None,
              help="Memory budget of the builds, e.g. 8G ([resources] memory; default: "
                   "$WORDREP_MEMORY, else half of the available memory). No result depends "
                   "on it.")
@click.option("--cluster", metavar="ADDRESS", default=None,
              help="Count for ppmi and svd on a Dask cluster: local, local:N or "
                   "tcp://host:8786 ([cluster] address; needs pip install 'wordrep[cluster]'). "
                   "Results do not depend on it.")
@click.option("--print-config", is_flag=True, help="Print the resolved config as TOML and exit.")
def run_cmd(config, corpus_name, out, fractions, quick, force, cluster, memory, print_config):
    """Build every representation, evaluate them all, write a report.

    CONFIG is a TOML file (start from `wordrep run --print-config`); options override it.
    A re-run with the same config reuses every model already built. --out must be a new or
    empty folder or a run folder (a non-empty folder of your own needs --force).

    \b
    Examples:
      wordrep run                                  the default corpus, about 5 minutes
      wordrep run --corpus text8 --out runs/text8
      wordrep run --print-config > my.toml && wordrep run my.toml
      wordrep run --fractions 0.1,0.25,0.5,1.0     with a learning curve
    """
    from ..run import config as run_config, pipeline
    overrides = {}
    if corpus_name:
        overrides["corpus"] = {"name": corpus_name}
    if fractions:
        overrides["learning_curve"] = {"fractions": fractions}
    if cluster is not None:
        overrides["cluster"] = {"address": cluster}
    if memory is not None:
        overrides["resources"] = {"memory": memory}
    resolved = run_config.load_config(config, overrides)
    if quick:  # over the representations the config lists, whichever they are
        overrides = run_config.merge(overrides, quick_overrides(resolved))
        resolved = run_config.load_config(config, overrides)
    if print_config:
        click.echo(run_config.to_toml(resolved), nl=False)
        return
    name = Path(str(resolved["corpus"]["name"])).name.split(".")[0]
    folder = pipeline.run(resolved, Path(out or Path("runs") / name), force, progress)
    click.echo(str(folder / "report.html") if (folder / "report.html").exists()
               else str(folder / "report.md"))
    echo_err(f"Run folder: {folder}")


def quick_overrides(config):
    """The overrides of ``--quick`` for a resolved run config: each representation whose method
    takes ``dim`` or ``epochs`` gets at most :data:`QUICK_LIMITS`, and the bootstrap is off.

    Parameters
    ----------
    config : dict
        A checked run config (:func:`wordrep.run.config.load_config`).

    Returns
    -------
    dict
        Overrides for ``load_config``: the whole representations table (a config's table is
        replaced, not merged) and ``[evaluation] bootstrap = 0``.
    """
    from ..representations import representations
    table = {}
    for name, spec in config["representations"].items():
        method = spec["method"]
        defaults = representations.get(method).parameters if method in representations else {}
        values = {key: spec.get(key, defaults.get(key)) for key in QUICK_LIMITS}
        table[name] = {**spec, **{key: limit for key, limit in QUICK_LIMITS.items()
                                  if key in defaults and isinstance(values[key], int)
                                  and values[key] > limit}}
    return {"representations": table, "evaluation": {"bootstrap": 0}}
