"""``wordrep train METHOD``: one subcommand per registered builder, options from its declaration.

The registry is the single list: a method registered with ``@representations.register`` gets
``wordrep train NAME`` with an option per declared parameter (``min_count`` -> ``--min-count``),
read as its declaration says and checked by it before the corpus is opened, and appears in
``wordrep methods``. WordNet measures score pairs and have nothing to train or save: they are
listed by ``wordrep methods`` and used by name in ``wordrep evaluate``.
"""
import inspect
import re
import time

import click

from .group import main
from .options import echo_err, make_tokenizer, open_corpus_cli, plain_text, tokenizer_options
from .. import cluster as dask_cluster
from ..params import Bool, Names, Object


class TrainGroup(click.Group):
    """Subcommands made on demand from the representation registry."""

    def list_commands(self, ctx):
        return sorted(e.name for e in _registry() if e.kind == "vectors")

    def get_command(self, ctx, name):
        registry = _registry()
        if name not in registry:
            return None
        entry = registry.get(name)
        if entry.kind == "measure":
            raise click.UsageError(f"{name} is a WordNet measure: it scores word pairs and has "
                                   f"no vectors to train or save. Use it by name: wordrep "
                                   f"evaluate {name} -b simlex999.", ctx)
        return make_train_command(entry)


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
    needs_corpus = entry.needs_corpus

    def callback(corpus, output, output_format, tokenizer_settings, memory=None, dry_run=False,
                 cluster=None, **values):
        from .. import budget, storage
        from ..representations import build, check_params
        if output is None and not dry_run:
            raise click.UsageError("Missing option '-o' / '--output'.")
        # Before any work: a bad -o, a bad value or a short disk must not cost a training run.
        target, output_format = _output_target(output, output_format) if output else (None, None)
        values = check_params(entry, values)
        size, source = budget.resolve(memory)
        if cluster:
            dask_cluster.check(cluster)
        if corpus:
            tokenizer = make_tokenizer(**tokenizer_settings)
            if _announce(entry.name, corpus, tokenizer, values, size, dry_run):
                return
            if cluster:  # read by the cluster's workers, not here
                from ..corpora import open_corpus
                opened = open_corpus(corpus, tokenizer)
            else:
                opened = open_corpus_cli(corpus, tokenizer)
        else:
            opened = None
        started = time.perf_counter()
        # The cluster, like the budget, is a context: where a model is built, never a parameter
        with budget.limit(size), dask_cluster.maybe(cluster) as on:
            rep = build(entry.name, dask_cluster.on_cluster(opened), **values)
            if on is not None:
                rep.metadata["cluster"] = on.describe()
        seconds = time.perf_counter() - started
        storage.save(rep, target, format=output_format)
        echo_err(f"{entry.name}: {len(rep.vocabulary):,} words, built in {seconds:.1f} s, "
                 f"saved to {target}")
        click.echo(str(output))

    options = [click.Option(["-o", "--output"], type=click.Path(dir_okay=True),
                            help="Where to save: .vec/.txt word2vec text, .bin word2vec binary, "
                                 "anything else wordrep's own format (a folder)."),
               click.Option(["--format", "output_format"], type=FORMAT_CHOICES, default=None,
                            help="Override the format chosen from the suffix.")]
    helps = _parameter_help(entry.func)
    defaults = entry.parameters
    options += [_option(name, declared, defaults[name], helps.get(name))
                for name, declared in entry.params.items()
                if not isinstance(declared, Object)]
    if needs_corpus:
        options += [
            click.Option(["--memory"], metavar="SIZE",
                         help="Memory budget, e.g. 8G (default: $WORDREP_MEMORY, else half of "
                              "the memory available); counting spills to disk beyond it. "
                              "Results do not depend on it."),
            click.Option(["--dry-run"], is_flag=True,
                         help="Print the estimated time, memory and disk of each stage, and "
                              "exit without building.")]
    if entry.name in dask_cluster.METHODS:   # the count methods (README: on a cluster)
        options.append(click.Option(
            ["--cluster"], metavar="ADDRESS",
            help="Count on a Dask cluster: local (one worker a core), local:N, or a "
                 "scheduler's address tcp://host:8786 (needs pip install 'wordrep[cluster]'). "
                 "Results do not depend on it."))
    arguments = [click.Argument(["corpus"], required=needs_corpus)]
    command = click.Command(entry.name, params=arguments + options,
                            callback=_with_tokenizer(callback),
                            help=_help(entry, needs_corpus), short_help=entry.summary)
    return tokenizer_options(command) if needs_corpus else command


def _announce(method, corpus, tokenizer, values, size, dry_run):
    """Say what the build will need before it starts (all of it with --dry-run, which then
    ends the command), and refuse to start when the disk is short. True when done."""
    from .. import budget, estimate
    from ..corpora import open_corpus
    from ..home import home
    opened = open_corpus(corpus, tokenizer)
    tokens, words, exact = estimate.corpus_size(opened, values.get("min_count", 5))
    plan = estimate.plan(method, tokens, words, exact, values, size)
    if dry_run:
        click.echo(plan.render(size))
        return True
    estimate.check_disk(plan, home())
    echo_err(f"{method}: {plan.summary()}; memory budget {budget.format_size(size)}")
    return False


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
    head = plain_text(doc.split("\n\n")[0])
    where = "CORPUS is a named corpus (wordrep corpus list) or a path." if needs_corpus else ""
    return f"{head}\n\n{where}"


def _option(name, declared, default, text):
    """A click option for a declared parameter: the text on the command line is read as the
    declaration says, and the value checked by it with the others before any work."""
    flag = "--" + name.replace("_", "-")
    help_text = " ".join(filter(None, [plain_text(text or ""), f"Allowed: {declared.describe()}."]))
    if isinstance(declared, Bool):
        return click.Option([f"{flag}/--no-{name.replace('_', '-')}", name], default=default,
                            show_default=True, help=help_text)
    if isinstance(declared, Names):  # relations: repeat the option, or separate by commas
        return click.Option([flag, name], multiple=True, default=tuple(default),
                            show_default=True, help=help_text,
                            callback=lambda ctx, p, v: tuple(x for t in v for x in declared.parse(t)))
    return click.Option([flag, name], type=Declared(declared), default=default,
                        show_default=default is not None, help=help_text)


class Declared(click.ParamType):
    """Command-line text read as a declaration reads it (``none`` for an optional value,
    ``name=weight,...`` for weights); what it allows is checked with the other values."""

    def __init__(self, declared):
        self.declared = declared
        self.name = type(declared).__name__.lower()

    def convert(self, value, param, ctx):
        return self.declared.parse(value) if isinstance(value, str) else value


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
    """Every registered method: its family, what it needs, its parameters and defaults."""
    for entry in _registry():
        needs = "a corpus" if entry.needs_corpus else "no corpus"
        if entry.parents:
            needs += ", builds on " + " and ".join(entry.parents)
        kind = "measure (scores pairs, no vectors)" if entry.kind == "measure" else "vectors"
        click.echo(f"{entry.name:18} {plain_text(entry.summary)}")
        click.echo(f"{'':18} {entry.family}; {kind}; needs {needs}")
        params = ", ".join(f"{k}={v!r}" for k, v in entry.parameters.items()
                           if not isinstance(entry.params[k], Object))
        click.echo(f"{'':18} {params}")
