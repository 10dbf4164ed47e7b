"""The ``wordrep`` command line: thin commands over the library.

Data goes to stdout, progress and messages to stderr. A user's mistake (a
:class:`~wordrep.errors.UserError` or a click usage error) exits 2 with one line; anything
unexpected exits 1 with a short message, and the traceback only with ``--debug``.
"""
import logging
import sys

import click

from .. import __version__
from ..errors import UserError
from .options import Settings


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
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or messages on stderr.")
@click.option("--debug", is_flag=True, help="Show the traceback of unexpected errors.")
@click.pass_context
def main(ctx, quiet, debug):
    """Train word representations and compare them on similarity and analogy benchmarks."""
    ctx.obj = Settings(quiet=quiet, debug=debug)
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO,
                        format="%(message)s", stream=sys.stderr)
    # The handler keeps its own level: `wordrep run` lowers the root's to fill run.log, and
    # -q must still keep stderr quiet.
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.WARNING if quiet else logging.NOTSET)
    # gensim and smart_open are chatty at INFO; their progress lines are ours to decide.
    for noisy in ("gensim", "smart_open"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _register_commands():
    """Import every ``*_cmd`` module of this package: each attaches its commands to ``main``."""
    import importlib
    import pkgutil
    for module in pkgutil.iter_modules(__path__):
        if module.name.endswith("_cmd"):
            importlib.import_module(f"{__name__}.{module.name}")


_register_commands()
