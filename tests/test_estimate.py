"""The memory budget and the estimates said before a build (issue 14, "know before you start")."""
import pytest
from click.testing import CliRunner

from wordrep import budget, estimate
from wordrep.cli import main
from wordrep.errors import UserError


def test_sizes_and_where_the_budget_comes_from(monkeypatch):
    assert budget.parse_size("8G") == 8 << 30 and budget.parse_size("1.5gb") == 3 << 29
    for bad in ("1x", "-1G", "", "G"):
        with pytest.raises(UserError, match="is not a size"):
            budget.parse_size(bad)
    with pytest.raises(UserError, match="below the 64 MB"):
        budget.parse_size("1M")
    monkeypatch.setenv("WORDREP_MEMORY", "2G")
    assert budget.resolve("3G") == (3 << 30, "--memory")
    assert budget.resolve() == (2 << 30, "WORDREP_MEMORY")
    monkeypatch.delenv("WORDREP_MEMORY")
    size, source = budget.resolve()
    assert size == max(budget.MIN_BUDGET, budget.available_memory() // 2) and "available" in source
    with budget.limit("1G"):
        assert budget.current() == 1 << 30


def test_dry_run_prints_the_plan_and_reads_nothing(tmp_path, wordrep_home):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat on the mat and the dog ran off\n" * 2000)
    result = CliRunner().invoke(main, ["train", "svd", str(corpus), "--dry-run", "--memory", "1G"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("corpus: ") and "estimated from the file size" in lines[0]
    assert [l.split()[0] for l in lines[2:7]] == ["read", "counts", "ppmi", "svd", "total"]
    assert lines[-1] == "memory budget 1 GB"
    assert not any((wordrep_home / "corpora").glob("*/ids.npy"))  # no token ids were built


def test_estimates_grow_with_the_corpus_and_use_exact_counts_when_cached(lee_corpus):
    small = estimate.plan("svd", 10**6, 20_000, False, {}, 8 << 30)
    big = estimate.plan("svd", 10**9, 1_000_000, False, {}, 8 << 30)
    assert big.seconds > 100 * small.seconds and big.disk > 100 * small.disk
    spilled = estimate.plan("svd", 10**9, 1_000_000, False, {}, 1 << 30)
    assert next(s for s in spilled.stages if s.name == "counts").memory <= \
        estimate.BASE_MEMORY + (1 << 30)
    lee_corpus.token_ids()
    tokens, words, exact = estimate.corpus_size(lee_corpus)
    assert (tokens, words, exact) == (60533, len(lee_corpus.vocabulary(5)), True)


def test_a_disk_too_small_for_the_build_is_refused_before_work(tmp_path):
    plan = estimate.plan("svd", 10**13, 10**8, False, {}, 8 << 30)  # petabytes of spills
    with pytest.raises(UserError, match="needs about .* of disk in .* is free"):
        estimate.check_disk(plan, tmp_path)



WIKI17M = dict(tokens=16_943_231, words=67_873)  # its token ids and words with count >= 5


def test_glove_is_planned_as_counts_then_training():
    """GloVe has no PPMI stage; its training holds the shuffled pairs beside the mapped counts,
    and the four float32 tables (W, C and their AdaGrad squares), and takes time per epoch."""
    settings = {"window": 10, "dim": 100, "epochs": 50, "workers": 2}
    plan = estimate.plan("glove", WIKI17M["tokens"], WIKI17M["words"], True, settings, 8 << 30)
    assert [s.name for s in plan.stages] == ["read", "counts", "train"]
    nnz = estimate.pairs(WIKI17M["tokens"], 10)
    assert abs(nnz / 45_944_331 - 1) < 0.02  # wiki17m's GloVe counts (window 10)
    train = plan.stages[-1]
    tables = 4 * WIKI17M["words"] * 101 * 4
    assert train.memory == (estimate.BASE_MEMORY + estimate.NUMBA_MEMORY + tables
                            + nnz * (estimate.GLOVE_PAIR_BYTES + estimate.CSR_BYTES))
    # measured on wiki17m (issue 16): the whole default run peaked at 1.39 GB, training 1.06
    # GB from cached counts (1.35 GB while the pairs are shuffled)
    assert 1.0e9 < train.memory < 1.6e9 and 1.2e9 < plan.memory < 1.8e9

    def train_of(**changed):
        return estimate.plan("glove", WIKI17M["tokens"], WIKI17M["words"], True,
                             dict(settings, **changed), 8 << 30).stages[-1]
    shuffle = nnz / estimate.SHUFFLE_PAIRS_PER_S
    assert train_of(epochs=1).seconds - shuffle == pytest.approx((train.seconds - shuffle) / 50)
    assert train_of(workers=1).seconds - shuffle == pytest.approx(2 * (train.seconds - shuffle))
    assert train_of(dim=200).memory - train.memory == 4 * WIKI17M["words"] * 100 * 4


def test_glove_dry_run_shows_its_training(tmp_path, wordrep_home):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat on the mat and the dog ran off\n" * 2000)
    result = CliRunner().invoke(main, ["train", "glove", str(corpus), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert [l.split()[0] for l in result.stdout.splitlines()[2:6]] == \
        ["read", "counts", "train", "total"]


@pytest.fixture
def lee_corpus():
    from wordrep.corpora import open_corpus
    return open_corpus("lee")
