"""The count pipeline on a real Dask cluster (issue 15): a LocalCluster of 2 worker processes,
started once for the module; no part of Dask is mocked.

The corpora are small but cut into many shards (``parallel.RANGE`` lowered: the byte ranges
are cut by this process), so that windows cross shard edges, and one corpus is a single line
(ranges then begin mid-line, after a space).
"""
import os
import random
import signal
import socket
import threading
import time

import numpy as np
import pytest

distributed = pytest.importorskip("distributed", reason="pip install 'wordrep[cluster]'")

from click.testing import CliRunner  # noqa: E402

from wordrep import cluster  # noqa: E402
from wordrep.cluster import tasks  # noqa: E402
from wordrep.cli import main  # noqa: E402
from wordrep.corpora import open_corpus, parallel  # noqa: E402
from wordrep.errors import UserError  # noqa: E402
from wordrep.representations import build, count_based  # noqa: E402
from wordrep.representations.count_store import open_csr  # noqa: E402
from wordrep.storage import load  # noqa: E402


@pytest.fixture(scope="module")
def dask_cluster():
    with cluster.connect("local:2") as connected:
        yield connected


@pytest.fixture
def shards(monkeypatch):
    """Shards of 16 KB (the reader's ranges of 4 KB, RANGES_PER_SHARD of them): a corpus of a
    few hundred KB is dozens of shards."""
    monkeypatch.setattr(parallel, "RANGE", (1 << 14) // tasks.RANGES_PER_SHARD)


def write_corpus(path, lines=6000, one_line=False, seed=1):
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(400)]
    with open(path, "w") as f:
        for _ in range(lines):
            # Zipf-like: early words frequent; some blank lines
            line = " ".join(rng.choice(words[:rng.randint(3, 400)])
                            for _ in range(rng.randint(0, 25)))
            f.write(line + (" " if one_line else "\n"))
    return path


def matrices(corpus, **params):
    """(vocabulary words, count matrix, PPMI matrix) through the cached count path."""
    vocab, counts = count_based.count_matrix(corpus, **params)
    _, ppmi = count_based.association_matrix(corpus, **params)
    return vocab.words, counts, ppmi


def assert_same_csr(a, b):
    assert a.shape == b.shape
    for name in ("data", "indices", "indptr"):
        x, y = np.asarray(getattr(a, name)), np.asarray(getattr(b, name))
        assert x.dtype == y.dtype and np.array_equal(x, y), name


def single_and_cluster(path, tmp_path, monkeypatch, dask_cluster, **params):
    monkeypatch.setenv("WORDREP_HOME", str(tmp_path / "single"))
    single = matrices(open_corpus(path), **params)
    monkeypatch.setenv("WORDREP_HOME", str(tmp_path / "cluster"))
    corpus = cluster.on_cluster(open_corpus(path))
    assert isinstance(corpus, cluster.ClusterCorpus)
    on_cluster = matrices(corpus, **params)
    read_here = tmp_path / "cluster" / "corpora"
    assert not read_here.exists() or not any(read_here.iterdir())  # no token ids made here
    return single, on_cluster


@pytest.mark.parametrize("one_line", [False, True])
@pytest.mark.parametrize("params", [
    {},  # wordrep's defaults: dynamic window, subsampling 1e-5 with seed 0, rare words deleted
    dict(min_count=2, window=3, weighting="harmonic", subsample=0, delete_rare=False),
    dict(min_count=3, context="left", subsample=1e-3, seed=7),
])
def test_cluster_counts_and_ppmi_are_identical(tmp_path, monkeypatch, shards, dask_cluster,
                                               one_line, params):
    path = write_corpus(tmp_path / "c.txt", one_line=one_line)
    single, on_cluster = single_and_cluster(path, tmp_path, monkeypatch, dask_cluster, **params)
    assert on_cluster[0] == single[0]
    assert_same_csr(on_cluster[1], single[1])
    assert_same_csr(on_cluster[2], single[2])
    # the exact marginals written beside the counts are the same too
    [folder_a] = (tmp_path / "single" / "counts").glob("*/[!.]*")
    [folder_b] = (tmp_path / "cluster" / "counts").glob("*/[!.]*")
    for name in ("row_sums.npy", "col_sums.npy"):
        assert (folder_a / name).read_bytes() == (folder_b / name).read_bytes()


def test_compressed_corpus_on_cluster(tmp_path, monkeypatch, dask_cluster):
    import lzma
    path = write_corpus(tmp_path / "c.txt")
    xz = tmp_path / "c.txt.xz"
    xz.write_bytes(lzma.compress(path.read_bytes()))
    single, on_cluster = single_and_cluster(xz, tmp_path, monkeypatch, dask_cluster)
    assert on_cluster[0] == single[0]
    assert_same_csr(on_cluster[1], single[1])
    assert_same_csr(on_cluster[2], single[2])


def test_svd_products_run_on_the_cluster(tmp_path, monkeypatch, shards, dask_cluster):
    """The Krylov solver multiplies through the cluster's row blocks (the PPMI matrix left
    there): the vectors agree with the single-process ones up to float32 rounding."""
    path = write_corpus(tmp_path / "c.txt", lines=20000)
    params = dict(dim=20, min_count=2, power_iterations=40)
    monkeypatch.setenv("WORDREP_HOME", str(tmp_path / "single"))
    single = build("svd", open_corpus(path), **params)
    monkeypatch.setenv("WORDREP_HOME", str(tmp_path / "cluster"))
    on_cluster = build("svd", cluster.on_cluster(open_corpus(path)), **params)
    assert dask_cluster.ppmi is not None and len(dask_cluster.ppmi[2]) > 1
    assert single.vocabulary == on_cluster.vocabulary
    s1 = np.array(single.metadata["singular_values"])
    s2 = np.array(on_cluster.metadata["singular_values"])
    assert np.allclose(s1, s2, rtol=1e-4)
    # the same subspace: cosines between the word vectors of the two models agree
    a, b = single.kv.vectors[:200], on_cluster.kv.vectors[:200]
    sims = lambda m: (m / np.linalg.norm(m, axis=1, keepdims=True)) @ \
        (m / np.linalg.norm(m, axis=1, keepdims=True)).T
    assert np.abs(sims(a) - sims(b)).max() < 1e-2


def test_dask_products_equal_scipy(dask_cluster):
    import scipy.sparse as sp
    from wordrep.cluster.products import DaskProducts
    a = sp.random(300, 200, density=0.05, format="csr", dtype=np.float32, random_state=0)
    x = np.random.default_rng(0).standard_normal((200, 7), dtype=np.float32)
    y = np.random.default_rng(1).standard_normal((300, 7), dtype=np.float32)
    with DaskProducts(dask_cluster, a) as products:
        assert np.allclose(products.dot(x), a @ x, atol=1e-5)
        assert np.allclose(products.tdot(y), a.T @ y, atol=1e-5)


def test_a_worker_killed_while_counting_changes_nothing(tmp_path, monkeypatch, shards,
                                                        dask_cluster):
    """A worker process (its pid from the worker itself) is SIGKILLed while the counting
    tasks run: Dask recomputes what it
    held on the other (and on the one its nanny restarts), and the matrices are the same."""
    monkeypatch.setattr(parallel, "RANGE", 1 << 12)   # hundreds of tasks: time to kill one
    path = write_corpus(tmp_path / "c.txt", lines=12000)
    monkeypatch.setenv("WORDREP_HOME", str(tmp_path / "single"))
    single = matrices(open_corpus(path), min_count=2)
    monkeypatch.setenv("WORDREP_HOME", str(tmp_path / "cluster"))
    client = dask_cluster.client
    killed = []

    pids = client.run(os.getpid)   # worker address -> its process id

    def kill_one_when_busy():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            busy = [w for w, tasks in client.processing().items() if tasks and w in pids]
            if busy:
                pid = pids[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
            time.sleep(0.005)

    killer = threading.Thread(target=kill_one_when_busy)
    killer.start()
    on_cluster = matrices(cluster.on_cluster(open_corpus(path)), min_count=2)
    killer.join()
    assert killed, "no task was seen running"
    with pytest.raises(ProcessLookupError):
        os.kill(killed[0], 0)   # the worker really is gone
    assert on_cluster[0] == single[0]
    assert_same_csr(on_cluster[1], single[1])
    assert_same_csr(on_cluster[2], single[2])
    client.wait_for_workers(2, timeout=60)   # its nanny restarted it for the next tests


def test_ctrl_c_cancels_the_cluster_work_and_leaves_no_cache_entry(tmp_path, monkeypatch,
                                                                   dask_cluster, wordrep_home,
                                                                   sigint_raises):
    monkeypatch.setattr(parallel, "RANGE", 1 << 12)
    path = write_corpus(tmp_path / "c.txt", lines=12000)
    client = dask_cluster.client
    sent = []

    def interrupt_when_busy():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not sent:
            if any(client.processing().values()):
                sent.append(True)
                os.kill(os.getpid(), signal.SIGINT)   # what Ctrl-C sends
            time.sleep(0.005)

    interrupter = threading.Thread(target=interrupt_when_busy)
    interrupter.start()
    with pytest.raises(KeyboardInterrupt):
        matrices(cluster.on_cluster(open_corpus(path)), min_count=2)
    interrupter.join()
    assert sent
    counts = wordrep_home / "counts"
    entries = [p for p in counts.glob("*/*") if not p.name.startswith(".")] \
        if counts.exists() else []
    assert entries == []
    deadline = time.monotonic() + 20   # the workers stop: nothing left running or waiting
    while any(client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(client.processing().values())


def run_cli(*args):
    started = time.monotonic()
    result = CliRunner().invoke(main, list(args))
    return result, time.monotonic() - started


def test_train_on_a_local_cluster_records_it_and_shares_the_cache(tmp_path, monkeypatch):
    path = write_corpus(tmp_path / "c.txt", lines=2000)
    result, _ = run_cli("train", "ppmi", str(path), "--min-count", "2", "--cluster", "local:1",
                        "-o", str(tmp_path / "m.wr"))
    assert result.exit_code == 0, result.output
    model = load(tmp_path / "m.wr")
    assert model.metadata["cluster"] == {"address": "local", "workers": 1}
    assert model.metadata["timings"]["counts"]["cached"] is False
    # the cache key does not depend on the cluster: one process finds both matrices built
    result, _ = run_cli("train", "ppmi", str(path), "--min-count", "2",
                        "-o", str(tmp_path / "single.wr"))
    assert result.exit_code == 0, result.output
    single = load(tmp_path / "single.wr")
    assert single.metadata["timings"]["counts"]["cached"] is True
    assert single.metadata["timings"]["pmi"]["cached"] is True
    assert "cluster" not in single.metadata


def test_unreachable_scheduler_is_one_error_within_10_s(tmp_path, closed_port_url):
    path = write_corpus(tmp_path / "c.txt", lines=100)
    address = closed_port_url.replace("http://", "tcp://")
    result, seconds = run_cli("train", "ppmi", str(path), "--cluster", address,
                              "-o", str(tmp_path / "m.wr"))
    assert result.exit_code == 2, result.output
    assert seconds < 10
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "cannot reach the Dask scheduler" in errors[0], result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "m.wr").exists()


def test_a_scheduler_that_never_answers_is_one_error_within_10_s(tmp_path):
    """A port that accepts connections and never speaks (a wrong service, a hung host)."""
    path = write_corpus(tmp_path / "c.txt", lines=100)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        port = server.getsockname()[1]
        result, seconds = run_cli("train", "svd", str(path), "--cluster",
                                  f"tcp://127.0.0.1:{port}", "-o", str(tmp_path / "m.wr"))
    assert result.exit_code == 2, result.output
    assert seconds < 10
    assert result.output.count("Error:") == 1 and "cannot reach" in result.output


@pytest.mark.parametrize("address", ["localhost", "local:0", "http://host:8786", ""])
def test_bad_addresses_are_one_error(tmp_path, address):
    path = write_corpus(tmp_path / "c.txt", lines=200)
    result, _ = run_cli("train", "ppmi", str(path), "--cluster", address,
                        "-o", str(tmp_path / "m.wr"))
    if address == "":   # an empty address means no cluster (as [cluster] address = "")
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 2, result.output
    assert result.output.count("Error:") == 1 and "--cluster" in result.output


def test_cluster_only_for_the_count_methods():
    result, _ = run_cli("train", "word2vec", "--help")
    assert "--cluster" not in result.output
    result, _ = run_cli("train", "svd", "--help")
    assert "--cluster" in result.output


def test_a_worker_that_cannot_read_the_corpus_is_named(tmp_path, dask_cluster):
    """One worker loses the right to read the corpus (its effective user becomes an
    unprivileged one, and the file is readable by its owner only): one UserError naming the
    path and the worker, from the API and, as exit status 2, from the command line (here a
    client of the same scheduler), within seconds. The worker gets its user back afterwards:
    no restart of the cluster for the later tests."""
    if os.geteuid() != 0:
        pytest.skip("needs root to drop one worker's privileges")
    path = write_corpus(tmp_path / "c.txt", lines=50)
    path.chmod(0o600)
    client = dask_cluster.client
    victim = sorted(client.scheduler_info()["workers"])[0]
    try:
        client.run(os.seteuid, 65534, workers=[victim])   # its real and saved user stay root
        started = time.monotonic()
        with pytest.raises(UserError) as caught:
            count_based.count_matrix(cluster.on_cluster(open_corpus(path)), min_count=1)
        message = str(caught.value)
        assert str(path) in message and victim in message and "cannot read" in message
        result, _ = run_cli("train", "ppmi", str(path), "--cluster",
                            client.scheduler.address, "-o", str(tmp_path / "m.wr"))
        assert result.exit_code == 2, result.output
        [line] = [line for line in result.output.splitlines() if line.startswith("Error:")]
        assert str(path) in line and victim in line, result.output
        assert "Traceback" not in result.output and not (tmp_path / "m.wr").exists()
        assert time.monotonic() - started < 10
    finally:
        client.run(os.seteuid, 0, workers=[victim])


def test_a_local_worker_lost_again_while_restarting_comes_back(tmp_path):
    """A local worker lost (killed, out of memory) is restarted by its nanny. Dask's
    SpecCluster also closes a lost worker's nanny for good if no worker of its name is
    connected ``distributed.deploy.lost-worker-timeout`` after the loss (15 s): a worker
    lost again 15 s after a first loss never came back (the unreadable-corpus test's
    ``client.restart()``, when it came 15 s after the killed-worker test's kill, waited 120 s
    for it), and a job with no worker left waited forever. The timeout is lowered here so
    that one restart spans it: the worker comes back and counts all the same."""
    import dask
    path = write_corpus(tmp_path / "c.txt", lines=200)
    with dask.config.set({"distributed.deploy.lost-worker-timeout": "10ms"}), \
            cluster.connect("local:1") as connected:
        client = connected.client
        [pid] = client.run(os.getpid).values()
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)   # the scheduler has seen the loss; the 10 ms have passed
        client.wait_for_workers(1, timeout=30)
        [new_pid] = client.run(os.getpid).values()
        assert new_pid != pid
        vocab, counts = count_based.count_matrix(cluster.on_cluster(open_corpus(path)),
                                                 min_count=1)
    assert counts.shape == (len(vocab), len(vocab)) and counts.nnz > 0


def test_without_dask_the_option_says_what_to_install(tmp_path, monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_distributed(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_distributed)
    path = write_corpus(tmp_path / "c.txt", lines=10)
    result, _ = run_cli("train", "ppmi", str(path), "--cluster", "local",
                        "-o", str(tmp_path / "m.wr"))
    assert result.exit_code == 2, result.output
    assert "pip install 'wordrep[cluster]'" in result.output
    assert not (tmp_path / "m.wr").exists()


def test_run_config_cluster_address_is_checked_before_any_work(tmp_path):
    from wordrep.run import config as run_config
    assert 'address = ""' in run_config.to_toml(run_config.load_config())
    path = tmp_path / "run.toml"
    path.write_text('[corpus]\nname = "/nonexistent/corpus.txt"\n[cluster]\naddress = "nowhere"\n')
    result, _ = run_cli("run", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert "[cluster] address" in result.output and "/nonexistent" not in result.output
    result, _ = run_cli("run", "--cluster", "local:x", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "[cluster] address" in result.output, result.output
    path.write_text('[cluster]\naddress = 2\n')
    result, _ = run_cli("run", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "[cluster] address" in result.output, result.output


def test_run_counts_on_the_cluster_and_keeps_it_out_of_the_folder_config(tmp_path):
    path = write_corpus(tmp_path / "c.txt", lines=2000)
    config = tmp_path / "run.toml"
    config.write_text(f'[corpus]\nname = "{path}"\nmin_count = 2\n'
                      '[representations.p]\nmethod = "ppmi"\n'
                      '[evaluation]\nbootstrap = 0\n[cluster]\naddress = "local:1"\n')
    out = tmp_path / "out"
    result, _ = run_cli("run", str(config), "--out", str(out))
    assert result.exit_code == 0, result.output
    model = load(out / "models" / "p")
    assert model.metadata["cluster"] == {"address": "local", "workers": 1}
    assert "[cluster]" not in (out / "config.toml").read_text()
    # the same run without the cluster reuses the folder and its model
    config.write_text(config.read_text().replace('address = "local:1"', 'address = ""'))
    result, _ = run_cli("run", str(config), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "reused" in (out / "run.log").read_text()
