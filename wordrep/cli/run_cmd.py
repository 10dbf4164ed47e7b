"""``wordrep run``: the main job, from a corpus to every representation and a report.

For now (until the pipeline lands) it reads the corpus, reports its statistics and where
WordNet was found, builds the representations that exist, saves them in the run folder and
says what it built. It prints no scores it did not compute.
"""
import json
import time
from pathlib import Path

import click

from . import main
from .options import echo_err, open_corpus_cli

# What the main job builds, in order (grows with the pipeline).
RUN_METHODS = ("onehot",)


@main.command("run")
@click.option("--corpus", "corpus_name", default="enwiki-sample", show_default=True,
              help="A named corpus (wordrep corpus list) or a path.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="The run folder [default: runs/CORPUS-NAME].")
@click.option("--min-count", type=click.IntRange(min=1), default=5, show_default=True)
def run_cmd(corpus_name, out, min_count):
    """The main job on CORPUS: build every available representation into a run folder.

    \b
    Examples:
      wordrep run
      wordrep run --corpus lee --out runs/lee
    """
    from .. import storage, wordnet
    from ..atomic import atomic_path
    from ..corpora import Tokenizer
    from ..representations import build

    out = Path(out or Path("runs") / Path(corpus_name).name.split(".")[0])
    out.mkdir(parents=True, exist_ok=True)
    corpus = open_corpus_cli(corpus_name, Tokenizer())
    stats = corpus.statistics(min_count)
    location = wordnet.locate()
    built = {}
    for name in RUN_METHODS:
        started = time.perf_counter()
        rep = build(name, corpus, min_count=min_count)
        storage.save(rep, out / name)
        built[name] = {"words": len(rep.vocabulary),
                       "seconds": round(time.perf_counter() - started, 3)}
    summary = {"corpus": stats, "wordnet": {"source": location.source,
                                            "path": str(location.path),
                                            "version": location.version},
               "representations": built}
    with atomic_path(out / "run.json") as tmp:
        tmp.write_text(json.dumps(summary, indent=1))
    click.echo(f"corpus        {stats['corpus']}: {stats['tokens']:,} tokens, {stats['types']:,} "
               f"types, {stats[f'types_min_count_{min_count}']:,} with count >= {min_count}")
    click.echo(f"fingerprint   {stats['fingerprint']}")
    click.echo(f"wordnet       WordNet {location.version} ({location.source}: {location.path})")
    for name, info in built.items():
        click.echo(f"built         {name}: {info['words']:,} words in {info['seconds']:.2f} s "
                   f"-> {out / name}")
    echo_err(f"Run folder: {out} (run.json). Evaluation and the report come with the "
             "pipeline; no scores are printed until they are computed.")
