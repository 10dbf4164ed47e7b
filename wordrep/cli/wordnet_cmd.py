"""``wordrep wordnet``: where WordNet data is found, and how to get it."""
import click

from .group import main
from .options import echo_err


@main.group("wordnet")
def wordnet_group():
    """Find and install the WordNet data the WordNet-derived representations read."""


@wordnet_group.command("status", epilog="""\b
Examples:
  wordrep wordnet status                   source, folder and version of WordNet
  wordrep wordnet status --count-synsets   also count the synsets (about 10 s)

The data are checked as the builders read them (every file whole, every lemma of every
synset found in its index). Exits with status 2 and the commands that install WordNet when
none is found, or with what is wrong when it is damaged.""")
@click.option("--count-synsets", is_flag=True,
              help="Also count every synset (reads all of WordNet: about 10 s).")
def status_cmd(count_synsets):
    """Show where WordNet was found: one `key<TAB>value` line each, on stdout."""
    from .. import wordnet

    info = wordnet.status(count_synsets=count_synsets)
    for key, value in info.items():
        click.echo(f"{key}\t{value}")


@wordnet_group.command("install", epilog="""\b
Examples:
  wordrep wordnet install                  NLTK's downloader, else apt-get (as root)
  wordrep wordnet install --no-apt         only NLTK's downloader
  wordrep wordnet install --index-url http://mirror.example/nltk_data/index.xml

NLTK's download goes to the nltk_data folder of wordrep's cache ($WORDREP_HOME).""")
@click.option("--index-url", metavar="URL", default=None,
              help="The NLTK data server's index.xml (default: NLTK's own server).")
@click.option("--no-apt", is_flag=True,
              help="Do not fall back on `apt-get install wordnet-base wordnet-sense-index`.")
@click.option("--force", is_flag=True, help="Download even if WordNet is already found.")
def install_cmd(index_url, no_apt, force):
    """Get WordNet: NLTK's downloader first, then Debian's packages when run as root."""
    from .. import wordnet

    location = wordnet.install(echo_err, server_index_url=index_url, use_apt=not no_apt,
                               force=force)
    click.echo(f"source\t{location.source}\npath\t{location.path}\n"
               f"version\t{location.version}")
