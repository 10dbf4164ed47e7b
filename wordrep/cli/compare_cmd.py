"""``wordrep compare A B``: how alike two saved representations are."""
import click

from .group import main
from .lookup_cmd import PICKLE_OPTION, load_model
from .options import echo_err


@main.command("compare", epilog="""\b
Examples:
  wordrep compare svd.wr word2vec.wr
  wordrep compare w2v_seed1.vec w2v_seed2.vec --k 20 --format json > alike.json""")
@click.argument("a")
@click.argument("b")
@click.option("--k", type=click.IntRange(min=1), default=10, show_default=True,
              help="Neighbours per word for the k-NN overlap.")
@click.option("--sample", type=click.IntRange(min=2), default=10_000, show_default=True,
              help="At most this many shared words (drawn at random) for the k-NN overlap "
                   "and the Lasso; CKA, Procrustes and the correlations use all of them.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of that sample.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@PICKLE_OPTION
def compare_cmd(a, b, k, sample, seed, fmt, allow_pickle):
    """How alike models A and B are, on the words both know.

    A and B are saved models in any format wordrep reads; their vocabularies and dimensions
    may differ. Reported: the overlap of each word's k nearest neighbours (Jaccard), overall
    and by frequency band of A's vocabulary; linear CKA; the residual of an orthogonal
    Procrustes alignment; the one-to-one matching of dimensions by correlation (Hungarian
    algorithm) and how many dimensions of B a Lasso needs to predict each dimension of A
    (Li et al. 2015). The last four need dense vectors: for one-hot and other sparse models
    they are reported as not applicable.
    """
    from ..compare import compare
    rep_a = load_model(a, allow_pickle, label="A")
    rep_b = load_model(b, allow_pickle, label="B")
    if rep_a.name == rep_b.name:
        rep_a.name, rep_b.name = f"{rep_a.name} (A)", f"{rep_b.name} (B)"
    echo_err(f"Comparing {rep_a.name} ({len(rep_a):,} words) with {rep_b.name} "
             f"({len(rep_b):,} words)...")
    result = compare(rep_a, rep_b, k=k, sample=sample, seed=seed)
    click.echo(result.to_json(indent=1) if fmt == "json" else result.table())
