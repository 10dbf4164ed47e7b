"""``wordrep similar`` and ``wordrep analogy``: look words up in a saved model.

Results go to stdout as ``word<TAB>score`` lines, so they pipe into ``cut`` or ``sort``. An
unknown word is a one-line error (exit 2), except in a fastText model, whose subword model makes
a vector for any word: then the answer comes from that vector, with a note on stderr.
"""
import click

from .group import main
from .options import echo_err

PICKLE_OPTION = click.option(
    "--allow-pickle", is_flag=True,
    help="Allow gensim's pickled .kv/.model files (they can run code: trusted files only).")


def load_model(path, allow_pickle=False, label="MODEL"):
    """A vector model from ``path`` (any format wordrep reads), named after the path if unnamed."""
    from pathlib import Path

    from ..errors import UserError
    from ..storage import load
    rep = load(path, allow_pickle=allow_pickle)
    if getattr(rep, "kind", None) not in ("dense", "sparse"):
        raise UserError(f"{label} {path} has no vectors.", "Pass a saved vector model.")
    if not rep.name or rep.name in ("vectors", "sparse"):
        rep.name = Path(path).name
    return rep


def _print(rows):
    for word, score in rows:
        click.echo(f"{word}\t{score:.4f}")


def _check_answered(rows, rep, missing):
    """An empty answer is an error, not an empty output with status 0: every word of the model
    is one of the question's, which are never answers."""
    if not rows:
        from ..errors import UserError
        raise UserError(f"{missing} in {rep.name!r}: the model has {len(rep.vocabulary):,} "
                        "word(s), all of them in the question, and the question's words are "
                        "never answers.", "Use a model with a larger vocabulary.")
    return rows


def _subword_note(rep, words):
    unknown = ", ".join(repr(w) for w in words)
    echo_err(f"Note: {unknown} {'is' if len(words) == 1 else 'are'} not in the vocabulary of "
             f"{rep.name!r}; using the vector its subword (character n-gram) model makes.")


@main.command("similar", epilog="""\b
Examples:
  wordrep similar vectors.vec king
  wordrep similar vectors.vec king queen paris     (three words: word<TAB>neighbour<TAB>score)
  wordrep similar fasttext.wr kingly --topn 5     (an unknown word: its subword vector)
  wordrep similar model.wr paris | cut -f1""")
@click.argument("model")
@click.argument("words", nargs=-1, required=True)
@click.option("--topn", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many neighbours.")
@PICKLE_OPTION
def similar_cmd(model, words, topn, allow_pickle):
    """The words closest (cosine) to each of WORDS in MODEL.

    One word gives `neighbour<TAB>score` lines; several give `word<TAB>neighbour<TAB>score`
    lines, all answered together (one matrix product per block of the vocabulary: much faster
    than one call per word on a large model).
    """
    rep = load_model(model, allow_pickle)
    subword = [w for w in dict.fromkeys(words) if w not in rep] \
        if getattr(rep, "has_subwords", False) else []
    if subword:
        _subword_note(rep, subword)
    known = [w for w in dict.fromkeys(words) if w not in subword]
    batch = getattr(rep, "most_similar_batch", None)  # dense vectors; sparse: one at a time
    # UnknownWordError for the first unknown word: one line, exit 2
    rows = batch(known, topn=topn) if batch else [rep.most_similar(w, topn=topn) for w in known]
    answers = dict(zip(known, rows))
    for word in subword:
        answers[word] = rep.most_similar(rep.subword_vector(word), topn=topn)
    for word in answers:
        _check_answered(answers[word], rep, f"no neighbour of {word!r}")
    if len(words) == 1:
        _print(answers[words[0]])
        return
    for word in words:
        for neighbour, score in answers[word]:
            click.echo(f"{word}\t{neighbour}\t{score:.4f}")


@main.command("analogy", epilog="""\b
Examples:
  wordrep analogy vectors.vec man king woman       (man : king :: woman : ?)
  wordrep analogy model.wr paris france rome --topn 5""")
@click.argument("model")
@click.argument("a")
@click.argument("b")
@click.argument("c")
@click.option("--topn", type=click.IntRange(min=1), default=1, show_default=True,
              help="How many answers.")
@PICKLE_OPTION
def analogy_cmd(model, a, b, c, topn, allow_pickle):
    """Answer A : B :: C : ? in MODEL by 3CosAdd (the word closest to B - A + C).

    A, B and C are left out of the answers. Prints `word<TAB>score` lines, the score being the
    cosine with B - A + C (all three as unit vectors).
    """
    rep = load_model(model, allow_pickle)
    words = (a, b, c)
    unknown = [w for w in words if w not in rep]
    question = f"no answer to {a} : {b} :: {c} : ?"
    if not unknown or not getattr(rep, "has_subwords", False):
        _print(_check_answered(rep.analogy(a, b, c, topn=topn), rep, question))
        return
    _subword_note(rep, unknown)
    import numpy as np
    query = np.zeros(rep.dim)
    for word, weight in zip(words, (-1.0, 1.0, 1.0)):
        vector = np.asarray(rep.subword_vector(word), dtype=np.float64)
        norm = np.linalg.norm(vector)
        if norm > 0:
            query += weight * vector / norm
    # The three question words are no answers: ask for enough extra to drop them.
    rows = [row for row in rep.most_similar(query, topn=topn + 3) if row[0] not in words]
    _print(_check_answered(rows[:topn], rep, question))
