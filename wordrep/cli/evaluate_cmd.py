"""``wordrep evaluate``: score models on benchmarks, each alone and on their common coverage."""
from pathlib import Path

import click

from .group import main
from .options import echo_err, progress

FORMATS = click.Choice(["table", "markdown", "json", "csv"])


@main.command("evaluate")
@click.argument("models", nargs=-1, required=True)
@click.option("-b", "--benchmark", "benchmarks", multiple=True, metavar="NAME|FILE",
              help="A benchmark name (wordrep benchmarks list) or a file; repeat for more. "
                   "Default: wordsim353, simlex999, google (bundled).")
@click.option("--oov", type=click.Choice(["skip", "zero", "mean"]), default="skip",
              show_default=True, help="Pairs with an unknown word: leave out (as gensim), "
                                      "score 0 (as hyperwords), or use the mean vector.")
@click.option("--restrict", type=click.IntRange(min=0), default=30000, show_default=True,
              help="Analogy answers among the N most frequent words; 0 for no restriction.")
@click.option("--analogy-method", type=click.Choice(["add", "mul"]), default="add",
              show_default=True, help="3CosAdd or 3CosMul (Levy & Goldberg 2014).")
@click.option("--case-sensitive", is_flag=True, help="Do not fold case when matching words.")
@click.option("--bootstrap", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Resamples for confidence intervals and paired tests; 0 for none, "
                   "at most 100,000.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the bootstrap.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("-o", "--output", metavar="FILE|-",
              help="Also write the results as JSON to this file (atomically); '-' prints that "
                   "JSON on stdout, in place of the --format rendering.")
@click.option("--allow-pickle", is_flag=True,
              help="Allow gensim's pickled .kv/.model files (they can run code: trusted files only).")
def evaluate_cmd(models, benchmarks, oov, restrict, analogy_method, case_sensitive, bootstrap,
                 seed, fmt, output, allow_pickle):
    """Score MODELS on similarity and analogy benchmarks.

    A MODEL is a saved wordrep model, a word2vec/GloVe vector file, or the name of a
    representation that needs no corpus (a WordNet measure). With several models, each is
    also scored on the items that all of them cover, with paired significance tests.

    \b
    Examples:
      wordrep evaluate vectors.vec
      wordrep evaluate svd.wr w2v.vec -b simlex999 -b men --format markdown
      wordrep evaluate model.wr -b my_pairs.txt --oov zero --format json > results.json
    """
    from ..evaluation import check_settings, evaluate, render
    check_settings(bootstrap=bootstrap)  # refused before the models load, not after them
    target = _output_target(output, fmt)  # before any work: a bad -o must not cost the scoring
    if target == "-":
        fmt, target = "json", None
    reps = [_open_model(m, allow_pickle) for m in models]
    _unique_names(reps, models)
    results = evaluate(reps, list(benchmarks) or None, oov=oov, fold_case=not case_sensitive,
                       restrict=restrict or None, analogy_method=analogy_method,
                       bootstrap=bootstrap, seed=seed, progress=progress)
    for record in results.records:
        if record.undefined:
            echo_err(f"Note: {record.representation} on {record.dataset}: {record.undefined}.")
    if target:
        from ..atomic import atomic_path
        with atomic_path(target) as tmp:
            tmp.write_text(results.to_json() + "\n", encoding="utf-8")
    click.echo(render(results, fmt))


def _output_target(output, fmt):
    """Where ``-o`` writes: None, ``"-"`` (stdout) or the checked path (a link's target)."""
    from ..atomic import check_writable
    from ..errors import UserError
    if output is None:
        return None
    if output != "-":
        return check_writable(output, directory=False)
    source = click.get_current_context().get_parameter_source("fmt")
    if fmt != "json" and source is not click.core.ParameterSource.DEFAULT:
        # stdout carries one document: the JSON of -o - or the --format rendering, not both.
        raise UserError(f"-o - prints the results as JSON on stdout, where --format {fmt} "
                        "would print them too.",
                        f"Give one: -o - (the same as --format json), or --format {fmt} with "
                        "-o FILE.")
    return "-"


def _open_model(spec, allow_pickle):
    from ..errors import UserError
    from ..representations import build, representations
    from ..representations.wordnet_measures import PREFIX, is_measure_name, measure_name
    if not Path(spec).exists() and is_measure_name(spec):
        spec = PREFIX + measure_name(spec)  # an alias (wordnet:wu-palmer), or a clear error
    if not Path(spec).exists() and spec in representations:
        entry = representations.get(spec)
        if entry.needs_corpus:
            raise UserError(f"{spec} needs a corpus, so it cannot be evaluated by name.",
                            f"Train it first: wordrep train {spec} CORPUS -o {spec}.wr")
        return build(spec, None)
    from ..storage import load
    rep = load(spec, allow_pickle=allow_pickle)
    if not rep.name or rep.name in ("vectors", "sparse"):
        rep.name = Path(spec).name
    return rep


def _unique_names(reps, specs):
    seen = {}
    for rep, spec in zip(reps, specs):
        if rep.name in seen:
            rep.name = f"{rep.name} ({spec})"
        seen[rep.name] = spec
