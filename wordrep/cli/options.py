"""What every command shares: global settings and progress reporting on stderr."""
import contextlib
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
