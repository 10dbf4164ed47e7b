"""``wordrep corpus``: list, inspect and fetch corpora."""
import json
import time

import click

from .group import main
from .options import (make_tokenizer, min_count_option, open_corpus_cli, progress,
                      tokenizer_options)


@main.group("corpus")
def corpus_group():
    """Corpora: named ones and your own files.

    A named corpus is a small TOML file of the catalogue (name, description, URL, size,
    SHA-256, licence, format). Add your own by putting such a file in
    $WORDREP_HOME/corpora.d/ (or in a folder of $WORDREP_CORPORA); corpora/README.md in the
    source, installed as wordrep/corpora/catalogue/README.md, describes the fields.

    \b
    Examples:
      wordrep corpus list
      wordrep corpus info enwiki-sample
      wordrep corpus info my_text.txt.xz --min-count 10 --json
      wordrep corpus fetch text8
    """


@corpus_group.command("list")
def list_cmd():
    """The named corpora of the catalogue, and whether each is here already."""
    from ..corpora import corpora
    rows = [(c.name, f"{c.tokens / 1e6:.2f}M" if c.tokens is not None else "?",
             f"{c.size / 1e6:.1f} MB", "yes" if c.is_available() else "download", c.description)
            for c in corpora]
    click.echo(f"{'name':15} {'tokens':>8} {'size':>9}  {'here':8}  description")
    for name, tokens, size, here, description in rows:
        click.echo(f"{name:15} {tokens:>8} {size:>9}  {here:8}  {description}")


@corpus_group.command("info")
@click.argument("corpus")
@min_count_option
@tokenizer_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def info_cmd(corpus, min_count, as_json, **tokenizer):
    """Tokens, types and fingerprint of CORPUS (a name from `corpus list`, or a path).

    For a named corpus, its catalogue entry too (description, licence, URL, size, SHA-256).
    The first read of a corpus builds its token-id cache; later commands start from it.
    """
    from ..corpora import corpora
    entry = corpora.get(corpus) if corpus in corpora else None
    started = time.perf_counter()
    c = open_corpus_cli(corpus, make_tokenizer(**tokenizer))
    stats = c.statistics(min_count)
    stats["seconds"] = round(time.perf_counter() - started, 3)
    if as_json:
        if entry is not None:
            stats["catalogue"] = {k: str(v) if k == "source" else v
                                  for k, v in vars(entry).items() if v is not None}
        click.echo(json.dumps(stats))
        return
    click.echo(f"corpus       {stats['corpus']}")
    if entry is not None:
        _echo_catalogue(entry)
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
    path = corpora.get(name).fetch(progress=progress)
    click.echo(str(path))


def _echo_catalogue(entry):
    read = entry.file or entry.member
    click.echo(f"description  {entry.description}")
    click.echo(f"licence      {entry.licence}")
    click.echo(f"url          {entry.url}")
    click.echo(f"checksum     {entry.size:,} bytes, SHA-256 {entry.sha256}")
    click.echo(f"format       {entry.format}" + (f" ({read})" if read else ""))
    click.echo(f"catalogue    {entry.source}")
