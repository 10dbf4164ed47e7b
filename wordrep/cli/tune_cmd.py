"""``wordrep tune``: choose hyperparameters by cross-validation, and show what tuning on test costs."""
import click

from .group import main
from .options import make_tokenizer, open_corpus_cli, progress, tokenizer_options


@main.command("tune")
@click.argument("method")
@click.argument("corpus")
@click.option("--grid", required=True, metavar="'NAME=V1,V2;NAME=V1,V2'",
              help="The values to try, e.g. 'dim=100,300;eig=0,0.5'.")
@click.option("-b", "--benchmark", "benchmarks", multiple=True, metavar="NAME|FILE",
              help="Benchmarks to tune and report on; default: the bundled ones.")
@click.option("--dev", multiple=True, metavar="NAME|FILE",
              help="Select on these benchmarks instead of cross-validating (repeatable).")
@click.option("--folds", type=click.IntRange(min=2), default=2, show_default=True,
              help="Parts of the cross-validation over benchmark items (Levy et al. 2015: 2); "
                   "at most the questions, or a third of the pairs, of each benchmark.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the split.")
@click.option("--oov", type=click.Choice(["skip", "zero", "mean"]), default="skip",
              show_default=True)
@click.option("--restrict", type=click.IntRange(min=0), default=30000, show_default=True,
              help="Analogy answers among the N most frequent words; 0 for no restriction.")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json"]),
              default="table", show_default=True)
@tokenizer_options
def tune_cmd(method, corpus, grid, benchmarks, dev, folds, seed, oov, restrict, fmt,
             **tokenizer):
    """Build METHOD on CORPUS for every point of --grid and pick the best honestly.

    Reports, per benchmark, the held-out score of the setting chosen without seeing the
    held-out items, next to the score of the best setting chosen and scored on all items:
    their difference is the optimism of tuning on test data.

    \b
    Examples:
      wordrep tune svd lee --grid 'dim=50,100;eig=0,0.5' -b simlex999
      wordrep tune svd text8 --grid 'window=2,5' --dev simverb3500 -b simlex999 -b men
    """
    from ..tune import grid_points, load_datasets, parse_grid, render, tune
    parsed = parse_grid(grid)
    grid_points(method, parsed)  # an unknown method, a typo or a bad value: before the corpus
    # and so do a missing benchmark and --folds beyond what a benchmark can fill
    tested, dev = load_datasets(list(benchmarks) or None, list(dev), folds)
    opened = open_corpus_cli(corpus, make_tokenizer(**tokenizer))
    results = tune(method, opened, parsed, tested, folds=folds, dev=dev or None, seed=seed,
                   oov=oov, restrict=restrict or None, progress=progress)
    click.echo(render(results, fmt))
