"""What every command shares: global settings and progress reporting on stderr."""
import contextlib
from dataclasses import dataclass

import click


@dataclass
class Settings:
    quiet: bool = False
    debug: bool = False


def settings():
    ctx = click.get_current_context(silent=True)
    return (ctx.find_object(Settings) if ctx else None) or Settings()


def echo_err(message):
    """A message for the user on stderr, unless --quiet."""
    if not settings().quiet:
        click.echo(message, err=True)


@contextlib.contextmanager
def progress(total, label):
    """A progress callback ``update(n)`` drawing a bar on stderr (nothing when quiet)."""
    if settings().quiet:
        yield lambda n: None
        return
    with click.progressbar(length=total, label=label, file=click.get_text_stream("stderr"),
                           show_pos=False, show_percent=True, width=30) as bar:
        yield bar.update
