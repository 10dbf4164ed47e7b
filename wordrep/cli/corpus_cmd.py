"""``wordrep corpus``: list, inspect and fetch corpora."""
import json
import time

import click

from . import main
from .options import (make_tokenizer, min_count_option, open_corpus_cli, progress,
                      tokenizer_options)


@main.group("corpus")
def corpus_group():
    """Corpora: named ones and your own files.

    \b
    Examples:
      wordrep corpus list
      wordrep corpus info enwiki-sample
      wordrep corpus info my_text.txt.xz --min-count 10 --json
      wordrep corpus fetch text8
    """


@corpus_group.command("list")
def list_cmd():
    """The named corpora, and whether each is here already."""
    from ..corpora import corpora
    from ..corpora.named import is_available
    rows = [(e.name, e.info.get("tokens", "?"), "yes" if is_available(e) else "download",
             e.summary) for e in corpora]
    click.echo(f"{'name':15} {'tokens':>11}  {'here':8}  description")
    for name, tokens, here, summary in rows:
        click.echo(f"{name:15} {tokens:>11}  {here:8}  {summary}")


@corpus_group.command("info")
@click.argument("corpus")
@min_count_option
@tokenizer_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def info_cmd(corpus, min_count, as_json, **tokenizer):
    """Tokens, types and fingerprint of CORPUS (a name from `corpus list`, or a path).

    The first read of a corpus builds its token-id cache; later commands start from it.
    """
    started = time.perf_counter()
    c = open_corpus_cli(corpus, make_tokenizer(**tokenizer))
    stats = c.statistics(min_count)
    stats["seconds"] = round(time.perf_counter() - started, 3)
    if as_json:
        click.echo(json.dumps(stats))
        return
    click.echo(f"corpus       {stats['corpus']}")
    click.echo(f"source       {stats['source']} ({stats['kind']})")
    click.echo(f"tokens       {stats['tokens']:,}")
    click.echo(f"types        {stats['types']:,}")
    click.echo(f"types >= {min_count:<3} {stats[f'types_min_count_{min_count}']:,}")
    click.echo(f"sentences    {stats['sentences']:,}")
    click.echo(f"fingerprint  {stats['fingerprint']}")
    click.echo(f"time         {stats['seconds']:.2f} s")


@corpus_group.command("fetch")
@click.argument("name")
def fetch_cmd(name):
    """Download the named corpus NAME into the cache ($WORDREP_HOME, ~/.cache/wordrep)."""
    from ..corpora import corpora
    path = corpora.get(name).func(fetch_missing=True, progress=progress)
    click.echo(str(path))
