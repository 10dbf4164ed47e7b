"""The ``wordrep`` command group: how a command's exceptions become messages and exit codes.

Every ``*_cmd`` module attaches its commands to :data:`main`; this module imports none of them
(the package's ``__init__`` does), so that they can import it without an import circle.
"""
import click

from ..version import __version__
from ..errors import UserError
from .options import Settings, configure_logging, shared_options


class WordrepGroup(click.Group):
    """A click group that turns exceptions into one-line messages and exit codes."""

    def invoke(self, ctx):
        try:
            result = super().invoke(ctx)
            from ..cache import finish_writes
            finish_writes()  # here a Ctrl-C while a cache entry is written is a clean stop
            return result
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except UserError as exc:
            click.echo(f"Error: {exc.format()}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except Exception as exc:  # a bug, not the user's fault
            if ctx.find_object(Settings) and ctx.find_object(Settings).debug:
                raise
            click.echo(f"Error: unexpected {type(exc).__name__}: {exc} "
                       "(run with --debug for the traceback, and please report it).", err=True)
            ctx.exit(1)


@click.group(cls=WordrepGroup, context_settings={"help_option_names": ["-h", "--help"]},
             epilog="""\b
Examples:
  wordrep corpus info enwiki-sample        tokens, types and fingerprint of a corpus
  wordrep corpus fetch text8               download a named corpus into the cache
  wordrep wordnet status                   where WordNet data was found
  wordrep train onehot lee -o onehot.wr    build and save the one-hot baseline
  wordrep run                              the main job on the default corpus""")
@click.version_option(__version__, "-V", "--version", prog_name="wordrep")
@shared_options
@click.pass_context
def main(ctx):
    """Train word representations and compare them on similarity and analogy benchmarks."""
    configure_logging(ctx.ensure_object(Settings).quiet)
