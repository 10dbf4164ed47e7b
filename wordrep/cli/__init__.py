"""The ``wordrep`` command line: thin commands over the library.

Data goes to stdout, progress and messages to stderr. A user's mistake (a
:class:`~wordrep.errors.UserError` or a click usage error) exits 2 with one line; anything
unexpected exits 1 with a short message, and the traceback only with ``--debug``.
"""
import click

from .. import __version__
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


def _share_options(command):
    """-q and --debug on ``command`` and on every command under it, also on those a group
    makes on demand (``wordrep train METHOD``), so that they are taken after any subcommand."""
    if command is None or getattr(command, "shares_options", False):
        return command
    shared_options(command)
    command.shares_options = True  # a group's get_command is wrapped once, not per call
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _share_options(sub)
        make = command.get_command
        command.get_command = lambda ctx, name: _share_options(make(ctx, name))
    return command


def _register_commands():
    """Import every ``*_cmd`` module of this package: each attaches its commands to ``main``."""
    import importlib
    import pkgutil
    for module in pkgutil.iter_modules(__path__):
        if module.name.endswith("_cmd"):
            importlib.import_module(f"{__name__}.{module.name}")


_register_commands()
_share_options(main)
