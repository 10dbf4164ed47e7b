"""``wordrep train METHOD``: one subcommand per registered builder, options from its signature.

The registry is the single list: a builder registered with ``@representations.register`` gets
``wordrep train NAME`` with an option per keyword parameter (``min_count`` -> ``--min-count``),
typed from its default, and appears in ``wordrep methods``.
"""
import inspect
import re
import time
import typing

import click

from . import main
from .options import echo_err, make_tokenizer, open_corpus_cli, tokenizer_options


class TrainGroup(click.Group):
    """Subcommands made on demand from the representation registry."""

    def list_commands(self, ctx):
        return sorted(_registry().names())

    def get_command(self, ctx, name):
        registry = _registry()
        return make_train_command(registry.get(name)) if name in registry else None


def _registry():
    from ..representations import representations
    return representations


@main.group("train", cls=TrainGroup)
def train_group():
    """Build a representation and save it.

    \b
    Examples:
      wordrep train onehot lee -o onehot.wr
      wordrep train onehot my_corpus.txt.xz -o onehot.wr --min-count 10
      wordrep methods                     every method with its parameters
    """


FORMAT_CHOICES = click.Choice(["native", "word2vec", "word2vec-binary", "glove"])


def make_train_command(entry):
    params = inspect.signature(entry.func).parameters
    first = next(iter(params.values()))
    needs_corpus = first.default is inspect.Parameter.empty

    def callback(corpus, output, output_format, tokenizer_settings, **values):
        from .. import storage
        from ..representations import build
        # Before any work: a bad -o must not cost a training run.
        target, output_format = _output_target(output, output_format)
        opened = open_corpus_cli(corpus, make_tokenizer(**tokenizer_settings)) if corpus else None
        started = time.perf_counter()
        rep = build(entry.name, opened, **values)
        seconds = time.perf_counter() - started
        storage.save(rep, target, format=output_format)
        echo_err(f"{entry.name}: {len(rep.vocabulary):,} words, built in {seconds:.1f} s, "
                 f"saved to {target}")
        click.echo(str(output))

    options = [click.Option(["-o", "--output"], required=True, type=click.Path(dir_okay=True),
                            help="Where to save: .vec/.txt word2vec text, .bin word2vec binary, "
                                 "anything else wordrep's own format (a folder)."),
               click.Option(["--format", "output_format"], type=FORMAT_CHOICES, default=None,
                            help="Override the format chosen from the suffix.")]
    helps = _parameter_help(entry.func)
    options += [_option(name, p, helps) for name, p in list(params.items())[1:]
                if name not in HIDDEN]
    arguments = [click.Argument(["corpus"], required=needs_corpus)]
    command = click.Command(entry.name, params=arguments + options,
                            callback=_with_tokenizer(callback),
                            help=_help(entry, needs_corpus), short_help=entry.summary)
    return tokenizer_options(command) if needs_corpus else command


def _output_target(output, output_format):
    """The checked path to save to (a symbolic link's target) and the format to write.

    The format comes from the suffix of the name given (README: "-o PATH picks the format
    from the suffix"), also when it is a link. A native model is a folder, so an existing
    file there is refused now, not after training.
    """
    from pathlib import Path

    from ..atomic import check_writable
    from ..errors import UserError
    from ..storage import _write_format
    if output == "-":
        raise UserError("cannot write a model to standard output (-o -): a model is a folder "
                        "or a vector file.",
                        "Give a path: -o model.wr (wordrep's format), -o model.vec (word2vec "
                        "text) or -o model.bin (word2vec binary).")
    fmt = _write_format(Path(output), output_format)
    return check_writable(output, directory=fmt == "native"), fmt


def _with_tokenizer(callback):
    keys = ("pretokenized", "hyphens", "apostrophes", "lowercase")

    def run(corpus=None, **values):
        settings = {k: values.pop(k) for k in keys if k in values}
        settings = {"pretokenized": False, "hyphens": False, "apostrophes": True,
                    "lowercase": None, **settings}
        return callback(corpus, values.pop("output"), values.pop("output_format"), settings,
                        **values)
    return run


def _help(entry, needs_corpus):
    doc = inspect.getdoc(entry.func) or entry.name
    head = doc.split("\n\n")[0]
    where = "CORPUS is a named corpus (wordrep corpus list) or a path." if needs_corpus else ""
    return f"{head}\n\n{where}"


def _option(name, param, helps):
    """A click option for a builder parameter, typed from its annotation or default."""
    default = param.default
    flag = "--" + name.replace("_", "-")
    if isinstance(default, bool):
        return click.Option([f"{flag}/--no-{name.replace('_', '-')}", name], default=default,
                            show_default=True, help=helps.get(name))
    if isinstance(default, (tuple, list)):  # e.g. relations: repeat the option
        return click.Option([flag, name], multiple=True, default=tuple(default),
                            show_default=True, help=helps.get(name))
    return click.Option([flag, name], type=_param_type(param), default=default,
                        show_default=default is not None, help=helps.get(name))


class _Number(click.ParamType):
    """A parameter whose default is None and whose type is not declared: a number if it reads
    as one (``--dim 100``), else the text."""
    name = "value"

    def convert(self, value, param, ctx):
        for kind in (int, float):
            try:
                return kind(value)
            except (TypeError, ValueError):
                continue
        return value


def _param_type(param):
    """int, float or str from the annotation (``int | None`` counts as int), else the default."""
    annotation = param.annotation
    candidates = typing.get_args(annotation) or (annotation,)
    for kind in candidates:
        if kind in (int, float, str):
            return kind
    return type(param.default) if param.default is not None else _Number()


# Library-only parameters: objects a command line cannot spell.
HIDDEN = {"wordnet"}


def _parameter_help(func):
    """Parameter descriptions from a numpydoc ``Parameters`` section: name -> first sentence."""
    doc = inspect.getdoc(func) or ""
    section = re.search(r"Parameters\n-+\n(.*?)(?:\n\n[A-Z][a-z]+\n-+|\Z)", doc, re.S)
    helps = {}
    if section:
        for name, text in re.findall(r"^(\w+) :[^\n]*\n((?:    .*\n?)+)", section.group(1), re.M):
            helps[name] = " ".join(text.split())
    return helps


@main.command("methods")
def methods_cmd():
    """Every registered method with its parameters and defaults."""
    for entry in _registry():
        params = ", ".join(f"{k}={v!r}" for k, v in entry.parameters.items())
        click.echo(f"{entry.name:18} {entry.summary}")
        click.echo(f"{'':18} {params}")
