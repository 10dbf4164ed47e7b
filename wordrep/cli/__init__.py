"""The ``wordrep`` command line: thin commands over the library.

Data goes to stdout, progress and messages to stderr. A user's mistake (a
:class:`~wordrep.errors.UserError` or a click usage error) exits 2 with one line; anything
unexpected exits 1 with a short message, and the traceback only with ``--debug``.
"""
import click

from .group import main
from .options import shared_options


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
