"""``wordrep benchmarks``: list, describe and fetch the named benchmarks."""
import json

import click

from .group import main
from .options import progress


@main.group("benchmarks")
def benchmarks_group():
    """Benchmark datasets: bundled ones, named downloads, and your own files.

    \b
    Examples:
      wordrep benchmarks list
      wordrep benchmarks show simlex999
      wordrep benchmarks fetch men
    """


@benchmarks_group.command("list")
def list_cmd():
    """The named benchmarks, their kind and size, and whether each is here already."""
    from ..benchmarks import benchmarks, is_available
    click.echo(f"{'name':12} {'kind':10} {'size':>6}  {'here':8}  description")
    for e in benchmarks:
        here = "bundled" if e.info.get("bundled") else ("yes" if is_available(e) else "download")
        click.echo(f"{e.name:12} {e.info['kind']:10} {e.info['size']:>6}  {here:8}  {e.summary}")


@benchmarks_group.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def show_cmd(name, as_json):
    """Where NAME comes from, its checksum, licence, scale and human agreement."""
    from ..benchmarks import benchmarks, is_available
    from ..benchmarks.named import DOWNLOADS, NO_AGREEMENT, SIMLEX_AGREEMENT, downloaded_sha256
    entry = benchmarks.get(name)
    info = {"name": name, "summary": entry.summary, **entry.info}
    if name in DOWNLOADS:
        spec = DOWNLOADS[name]
        info.update(url=spec.url, sha256=spec.sha256, sha1=spec.sha1,
                    checksum_note=None if spec.verified else
                    "no published checksum known: fetch needs --unverified",
                    downloaded=is_available(entry), downloaded_sha256=downloaded_sha256(name))
    info["human_agreement"] = ([a.to_dict() for a in SIMLEX_AGREEMENT] if name == "simlex999"
                               else None)
    if info["human_agreement"] is None:
        info["human_agreement_note"] = NO_AGREEMENT
    if as_json:
        click.echo(json.dumps(info, default=str))
        return
    for key, value in info.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                click.echo(f"{key:22} {item['value']} ({item['kind']}; {item['source']})")
        else:
            click.echo(f"{key:22} {'—' if value is None else value}")


@benchmarks_group.command("fetch")
@click.argument("name")
@click.option("--unverified", is_flag=True,
              help="Accept a download that has no published checksum (its SHA-256 is printed).")
def fetch_cmd(name, unverified):
    """Download the named benchmark NAME into the cache ($WORDREP_HOME, ~/.cache/wordrep)."""
    from ..benchmarks import benchmarks, load_benchmark
    from ..benchmarks.named import DOWNLOADS, downloaded_sha256
    from ..errors import UserError
    from .options import echo_err
    entry = benchmarks.get(name)
    if entry.info.get("bundled"):
        raise UserError(f"{name} is bundled (gensim's test data): there is nothing to fetch.",
                        f"Use it directly: wordrep evaluate MODEL -b {name}")
    data = load_benchmark(name, progress=progress, allow_unverified=unverified)
    sha256 = downloaded_sha256(name)
    if not DOWNLOADS[name].verified:
        echo_err(f"Warning: {name} was not verified (no published checksum); "
                 f"its SHA-256 is {sha256}.")
    click.echo(f"{name}: {len(data)} {'pairs' if data.kind == 'similarity' else 'questions'}, "
               f"sha256 {sha256}")
