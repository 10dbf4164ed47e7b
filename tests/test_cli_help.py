"""Every --help is plain text: the Sphinx markup of the docstrings it is made from stays out."""
import re

import click
import pytest
from click.testing import CliRunner

from wordrep.cli import main
from wordrep.cli.options import plain_text

# ``literal`` or :role:`target` (:func:, :mod:, :class:, :data:, :py:meth: ...)
MARKUP = re.compile(r"``|:[\w-]+:`")


def command_paths(command=main, path=()):
    """The argument path of every command and subcommand, the train methods included."""
    yield path
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            yield from command_paths(command.get_command(ctx, name), path + (name,))


PATHS = list(command_paths())


def test_the_walk_reaches_every_train_method():
    from wordrep.representations import representations
    trained = {path[1] for path in PATHS if len(path) == 2 and path[0] == "train"}
    assert trained == {e.name for e in representations if e.kind == "vectors"}
    assert ("corpus", "info") in PATHS and ("wordnet", "status") in PATHS


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "wordrep")
def test_help_has_no_sphinx_markup(path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    leaks = [line for line in result.output.splitlines() if MARKUP.search(line)]
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("doc, plain", [
    ('Only these parts of speech (``"n"``, ``"nv"``...).',
     'Only these parts of speech ("n", "nv"...).'),
    ("Read with :func:`wordrep.storage.load`.", "Read with wordrep.storage.load."),
    ("A :class:`~wordrep.errors.UserError` or :mod:`wordrep.params`.",
     "A UserError or wordrep.params."),
    ("See :py:data:`the relations <wordrep.x.RELATIONS>`.", "See the relations."),
    ("Relations: see :data:`wordrep.representations.\n    wordnet_index.RELATIONS`.",
     "Relations: see wordrep.representations.\n    wordnet_index.RELATIONS."),
    ("Run `wordrep run --print-config`: 3 * 4.", "Run `wordrep run --print-config`: 3 * 4."),
])
def test_plain_text(doc, plain):
    assert plain_text(doc) == plain
