"""What every command shares: global settings and progress reporting on stderr."""
import contextlib
import logging
import re
import sys
from dataclasses import dataclass

import click


@dataclass
class Settings:
    quiet: bool = False
    debug: bool = False


# ``literal`` and :role:`target` (a Sphinx role, :py:func: too, ~ keeps the last dotted name,
# "title <target>" keeps the title): docstrings are written for Sphinx, --help is plain text.
_LITERAL = re.compile(r"``(.+?)``", re.S)
_ROLE = re.compile(r":(?:[\w-]+:)+`(~?)([^`]+?)(?:\s*<[^`>]*>)?`")


def plain_text(doc):
    """``doc`` with its Sphinx markup taken out, for a ``--help`` text.

    Parameters
    ----------
    doc : str
        Text written in reStructuredText for Sphinx (a docstring).

    Returns
    -------
    str
        The same text, each literal and each role replaced by its text (by the last dotted
        name after a ``~``).

    Examples
    --------
    >>> plain_text('Only nouns (``"n"``); see :func:`~wordrep.storage.load`.')
    'Only nouns ("n"); see load.'
    """
    doc = _ROLE.sub(lambda m: m.group(2).rsplit(".", 1)[-1] if m.group(1) else m.group(2), doc)
    return _LITERAL.sub(r"\1", doc)


def settings():
    ctx = click.get_current_context(silent=True)
    return (ctx.find_object(Settings) if ctx else None) or Settings()


def configure_logging(quiet):
    """Messages on stderr at INFO, or only warnings when ``quiet``."""
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO,
                        format="%(message)s", stream=sys.stderr)
    # The handler keeps its own level: `wordrep run` lowers the root's to fill run.log, and
    # -q must still keep stderr quiet.
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.WARNING if quiet else logging.NOTSET)
    # gensim and smart_open are chatty at INFO; their progress lines are ours to decide.
    for noisy in ("gensim", "smart_open"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _turn_on(ctx, param, value):
    # A flag only turns its setting on: `wordrep -q train ...` is not undone by the train
    # command's own --quiet left at its default.
    if value:
        found = ctx.ensure_object(Settings)
        setattr(found, param.name, True)
        configure_logging(found.quiet)


SHARED_OPTIONS = (
    (("-q", "--quiet"), "No progress bars or messages on stderr."),
    (("--debug",), "Show the traceback of unexpected errors."),
)


def shared_options(command):
    """-q/--quiet and --debug on ``command`` (a function or a click command), so that they
    are taken before or after any subcommand; a command that has them already is left as is."""
    present = {p.name for p in getattr(command, "params", getattr(command, "__click_params__", []))}
    # click lists a function's decorated options in reverse, a command's params in order
    order = SHARED_OPTIONS if isinstance(command, click.Command) else reversed(SHARED_OPTIONS)
    for flags, help_text in order:
        name = flags[-1].lstrip("-")
        if name not in present:
            command = click.option(*flags, is_flag=True, expose_value=False, is_eager=True,
                                   callback=_turn_on, help=help_text)(command)
    return command


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
    with click.progressbar(length=total, label=label, file=sys.stderr,
                           show_pos=False, show_percent=True, width=30) as bar:
        yield bar.update


def tokenizer_options(func):
    """--pretokenized, --hyphens, --no-apostrophes, --no-lowercase: how text becomes tokens."""
    decorators = [
        click.option("--pretokenized", is_flag=True,
                     help="Input is already tokenized: split on whitespace, change nothing."),
        click.option("--hyphens/--no-hyphens", default=False, show_default=True,
                     help="Keep inner hyphens in words (well-known)."),
        click.option("--apostrophes/--no-apostrophes", default=True, show_default=True,
                     help="Keep inner apostrophes in words (don't)."),
        click.option("--lowercase/--no-lowercase", default=None,
                     help="Fold case (default: yes, except with --pretokenized)."),
    ]
    for decorate in reversed(decorators):
        func = decorate(func)
    return func


def make_tokenizer(pretokenized, hyphens, apostrophes, lowercase):
    from ..corpora import Tokenizer
    if lowercase is None:
        lowercase = not pretokenized
    return Tokenizer(lowercase=lowercase, apostrophes=apostrophes, hyphens=hyphens,
                     pretokenized=pretokenized)


def min_count_option(func):
    return click.option("--min-count", type=click.IntRange(min=1), default=5, show_default=True,
                        help="Keep words seen at least this often.")(func)


def open_corpus_cli(corpus, tokenizer):
    """Open a corpus by name or path, with a progress bar for its first read."""
    from ..corpora import open_corpus
    c = open_corpus(corpus, tokenizer, progress=progress)
    replaced = c.token_ids(progress=progress).info.get("replaced_bytes", 0)
    if replaced:
        echo_err(f"Warning: {replaced:,} invalid UTF-8 byte(s) in {c.name} were replaced "
                 "by U+FFFD.")
    return c
