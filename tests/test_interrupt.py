"""The real command killed, interrupted, run twice at once and out of room (issue 7, part 3).

Each test runs ``wordrep`` as a child process on gensim's small Lee corpus: SIGKILL and SIGINT
at seeded random moments spread over a run (one in each slice of its measured duration), then
the same command again, which must succeed and reuse every cache entry and model that the
killed run had completed. Children log the cache's own decisions ("cache: reused ...",
"cache: wrote ...") at DEBUG, which is how a test knows what was reused.
"""
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from wordrep import cache, storage

# The wordrep command, with the cache's debug lines on stderr.
CLI = ("import logging; logging.getLogger('wordrep.cache').setLevel(logging.DEBUG); "
       "from wordrep.cli import main; main(prog_name='wordrep')")
ENTRY_GLOBS = ("corpora/*", "counts/*/*", "pmi/*/*", "text/*")

TINY_RUN = """
[corpus]
name = "lee"
min_count = 3

[representations.svd]
method = "svd"
dim = {dim}

[representations.word2vec]
method = "word2vec"
dim = 10
epochs = 3
workers = 1

[evaluation]
bootstrap = 0

[report]
probe_words = ["man", "woman", "police", "fire", "government", "people"]
compare = [["svd", "word2vec"]]
"""


class Child:
    """One ``wordrep`` process, its stderr kept in a file (a pipe could fill up and stall it)."""

    def __init__(self, args, home, cwd, fsize=None):
        self.log = Path(cwd) / f"stderr-{time.monotonic_ns()}.txt"
        env = dict(os.environ, WORDREP_HOME=str(home))
        with open(self.log, "w") as err:
            self.proc = subprocess.Popen([sys.executable, "-c", CLI, *map(str, args)], cwd=cwd,
                                         env=env, stdout=subprocess.DEVNULL, stderr=err,
                                         preexec_fn=lambda: _child_setup(fsize))
        self.started = time.monotonic()

    def kill_after(self, delay, sig):
        time.sleep(max(0.0, self.started + delay - time.monotonic()))
        self.proc.send_signal(sig)  # nothing happens if it has already finished
        return self.wait()

    def wait(self):
        code = self.proc.wait(timeout=300)
        self.seconds = time.monotonic() - self.started
        return code

    @property
    def stderr(self):
        return self.log.read_text(errors="replace")


def _child_setup(fsize):
    # A test runner may have been started with SIGINT ignored (a background job); the child
    # must see Ctrl-C as a user's terminal delivers it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if fsize is not None:
        # Past the limit a write fails with EFBIG, as on a full disk, instead of killing.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))


def wordrep(args, home, cwd, **kw):
    child = Child(args, home, cwd, **kw)
    code = child.wait()
    return code, child


def stop(args, home, cwd, delay, sig):
    """Start the command and send ``sig`` after ``delay`` seconds. If it finished first (a
    run's length varies with the machine's load), start it again from the state it left and
    signal it sooner."""
    for _ in range(6):
        child = Child(args, home, cwd)
        code = child.kill_after(delay, sig)
        if code != 0:
            return code, child, delay
        delay = max(0.15, 0.6 * delay)
    raise AssertionError(f"{args} always finished within {delay} s")


def kill_points(seed, seconds, n, start=0.15):
    """n moments, one drawn at random in each of n equal slices of [start, seconds].

    Before ``start`` the interpreter is still starting (Python's own Ctrl-C handler is not
    installed yet; the process just dies, having written nothing)."""
    rng = random.Random(seed)
    width = (seconds - start) / n
    return [round(start + i * width + rng.uniform(0, width), 3) for i in range(n)]


def signals(seed, n):
    first = random.Random(seed).randrange(2)
    return [(signal.SIGKILL, signal.SIGINT)[(first + i) % 2] for i in range(n)]


def whole_entries(home):
    """Every cache entry: each one must be whole (a partial one never sits at an entry's name)."""
    entries = [p for g in ENTRY_GLOBS for p in Path(home).glob(g)
               if p.is_dir() and not p.name.startswith(".")]
    for entry in entries:
        cache.verify(entry)
    return entries


def leftovers(*roots):
    return [p for root in roots for p in Path(root).rglob("*") if re.search(r"\.(tmp|old)-", p.name)]


def cache_log(stderr, action):
    return {m[1] for m in re.finditer(rf"cache: {action} .* \((.+)\)$", stderr, re.M)}


def check_stopped(code, sig, child, *roots):
    """How the run ended: killed, or for Ctrl-C a clean stop that leaves no temporary file."""
    if sig == signal.SIGKILL:
        assert code == -signal.SIGKILL
        return "killed"
    assert "Traceback" not in child.stderr
    if code == -signal.SIGINT:
        # Ctrl-C after the command's work was done, as the interpreter exits: Python then ends
        # by the signal itself (a shell shows status 130), and nothing remains to be written.
        assert re.search(r"^(Run folder: |.* saved to )", child.stderr, re.M), child.stderr
        return "interrupted while exiting"
    assert code == 130, child.stderr
    assert child.stderr.strip().splitlines()[-1] == "Interrupted."
    assert leftovers(*roots) == []  # an interrupted write removes its temporary file
    return "interrupted"


def check_resumed(code, child, complete, *roots):
    """The run after a kill: success, every entry complete before it reused, nothing left over."""
    assert code == 0, child.stderr
    reused = cache_log(child.stderr, "reused")
    assert {str(e) for e in complete} <= reused, child.stderr
    assert not cache_log(child.stderr, "wrote") & {str(e) for e in complete}
    assert leftovers(*roots) == []


def report(name, outcomes):
    print(f"\n{name}: " + ", ".join(f"{sig.name}@{delay:.2f}s {what}"
                                    for sig, delay, what in outcomes))


TRAIN = {"svd": ["train", "svd", "lee", "-o", "model.wr", "--dim", "20", "--min-count", "3"],
         "word2vec": ["train", "word2vec", "lee", "-o", "model.wr", "--dim", "20", "--epochs", "8",
                      "--min-count", "3", "--workers", "1"]}
KILLS = 3  # per command: SIGKILL and SIGINT alternate, starting with a seeded choice


@pytest.fixture(scope="module")
def clean_runs(tmp_path_factory):
    """Each command run once to the end, uninterrupted, in a cache of its own: the reference
    output, how long a run takes, and a finished state that other tests copy."""
    done = {}

    def get(name):
        if name not in done:
            root = tmp_path_factory.mktemp(f"clean-{name}")
            work = root / "work"
            work.mkdir()
            if name == "run":
                (work / "a.toml").write_text(TINY_RUN.format(dim=10))
                args = ["run", "a.toml", "--out", "run"]
            else:
                args = TRAIN[name]
            code, child = wordrep(args, root / "home", work)
            assert code == 0, child.stderr
            done[name] = (root, child.seconds)
        return done[name]
    return get


def copy_of(clean, tmp_path):
    import shutil
    shutil.copytree(clean, tmp_path, dirs_exist_ok=True, symlinks=True)
    return tmp_path / "home", tmp_path / "work"


@pytest.mark.parametrize("method", TRAIN, ids=["build-svd", "train-word2vec"])
def test_killed_training_recovers_and_reuses_what_was_complete(tmp_path, clean_runs, method):
    command = TRAIN[method]
    root, seconds = clean_runs(method)
    reference = storage.load(root / "work" / "model.wr")
    seed = 7 if method == "svd" else 11
    outcomes = []
    # until 0.8 of the clean run: a run's length varies with the machine's load
    for i, (delay, sig) in enumerate(zip(kill_points(seed, 0.8 * seconds, KILLS),
                                         signals(seed, KILLS))):
        home, work = tmp_path / f"home{i}", tmp_path / f"work{i}"
        work.mkdir()
        code, child, delay = stop(command, home, work, delay, sig)
        what = check_stopped(code, sig, child, home, work)
        complete = whole_entries(home)
        model = work / "model.wr"
        if model.exists():  # written whole or not at all
            cache.verify(model)
        outcomes.append((sig, delay, f"{what}, {len(complete)} entries whole"))
        code, again = wordrep(command, home, work)
        check_resumed(code, again, complete, home, work)
        whole_entries(home)
        rep = storage.load(model)
        assert rep.vocabulary == reference.vocabulary
        if method == "svd":  # seeded: the same numbers from reused or rebuilt entries
            np.testing.assert_allclose(np.abs(rep.kv.vectors), np.abs(reference.kv.vectors),
                                       atol=1e-4)
    report(f"train {method} (a clean run took {seconds:.2f} s)", outcomes)


def run_files(folder):
    return {name: (folder / name).read_bytes()
            for name in ("config.toml", "results.json", "report.md", "report.html")}


def config_text(path):
    from wordrep.run import config as run_config
    return run_config.to_toml(run_config.what_it_computes(run_config.load_config(path))).encode()


def check_run_outputs(folder, configs):
    """Each output is a whole version (the previous run's or the new one's), never a part."""
    for name in ("config.toml", "results.json", "report.md", "report.html"):
        data = (folder / name).read_bytes()
        if name == "config.toml":
            assert data in configs
        elif name == "results.json":
            json.loads(data)
        elif name == "report.html":
            assert data.rstrip().endswith(b"</html>")
        else:  # the configuration is the last thing in report.md
            assert b"### Configuration" in data and data.rstrip().endswith(b"```")
    for model in (folder / "models").iterdir():
        if not model.name.startswith("."):
            cache.verify(model)


def test_killed_runs_leave_the_previous_results_and_resume(tmp_path, clean_runs):
    """After run A, run B (another svd) is killed at random points, report writing included:
    every file stays a whole A or B version, and B then finishes, reusing what was built."""
    root, seconds = clean_runs("run")
    home, work = copy_of(root, tmp_path)
    (work / "b.toml").write_text(TINY_RUN.format(dim=12))
    folder = work / "run"
    configs = {(folder / "config.toml").read_bytes(), config_text(work / "b.toml")}
    outcomes = []
    # B reuses word2vec, so it is shorter than A: kills until 0.7 of A's time
    for delay, sig in zip(kill_points(3, 0.7 * seconds, KILLS), signals(3, KILLS)):
        code, child, delay = stop(["run", "b.toml", "--out", folder, "--force"], home, work,
                                  delay, sig)
        what = check_stopped(code, sig, child, home, folder)
        check_run_outputs(folder, configs)
        whole_entries(home)
        outcomes.append((sig, delay, what))
    svd_b_whole = svd_dim(folder / "models" / "svd") == 12  # B's svd, finished by a killed run
    code, last = wordrep(["run", "b.toml", "--out", folder, "--force"], home, work)
    assert code == 0, last.stderr
    assert "word2vec: reused" in last.stderr  # complete since run A
    svd_line = next(line for line in last.stderr.splitlines() if line.startswith("svd: "))
    assert svd_line.startswith("svd: reused" if svd_b_whole else "svd: building"), svd_line
    assert svd_dim(folder / "models" / "svd") == 12
    assert b"dim = 12" in (folder / "config.toml").read_bytes()
    check_run_outputs(folder, {config_text(work / "b.toml")})
    assert leftovers(home, folder) == []
    report(f"wordrep run (run A took {seconds:.2f} s), B's svd "
           f"{'reused' if svd_b_whole else 'rebuilt'} after the kills", outcomes)


def svd_dim(folder):
    """The dimension of the (whole) svd model in ``folder``, None without one."""
    if not folder.is_dir():
        return None
    cache.verify(folder)
    return json.loads((folder / "meta.json").read_text())["metadata"]["parameters"]["dim"]


def test_runs_at_once_share_the_cache_and_take_turns_in_a_folder(tmp_path):
    """Three runs started together on one cache: two in one folder, one in another. Each
    cache entry is written by one of them and read by the others; the two in one folder take
    turns, so the second reuses the models of the first."""
    home, work = tmp_path / "home", tmp_path / "work"
    work.mkdir()
    (work / "run.toml").write_text(TINY_RUN.format(dim=10))
    children = [Child(["run", "run.toml", "--out", out], home, work)
                for out in ("shared", "shared", "other")]
    codes = [child.wait() for child in children]
    assert codes == [0, 0, 0], [c.stderr for c in children]
    entries = [str(e) for e in whole_entries(home)]
    assert len(entries) == 4  # token ids, counts, PMI, word2vec's training text
    wrote = [cache_log(c.stderr, "wrote") for c in children]
    reused = [cache_log(c.stderr, "reused") for c in children]
    builders = [i for i in range(3) if "svd: building" in children[i].stderr]
    assert len(builders) == 2  # one per folder: the second run in "shared" reuses its models
    for entry in entries:
        writers = [i for i in range(3) if entry in wrote[i]]
        assert len(writers) == 1, (entry, writers)
        assert all(entry in reused[i] for i in builders if i not in writers), entry
    pids = {c.proc.pid for c in children}
    assert {cache.builder_pid(e) for e in entries} <= pids
    log = (work / "shared" / "run.log").read_text()
    for model in ("svd", "word2vec"):
        assert log.count(f"{model}: building") == 1 and log.count(f"{model}: reused") == 1
        cache.verify(work / "shared" / "models" / model)
        cache.verify(work / "other" / "models" / model)
    scores = [[r["score"] for r in json.loads((work / out / "results.json").read_text())["records"]]
              for out in ("shared", "other")]
    assert scores[0] == scores[1]
    assert leftovers(home, work) == []
    print(f"\nthree runs at once: {len(entries)} entries written "
          f"{[sum(e in w for e in entries) for w in wrote]} times by each run; lock waits "
          f"{[c.stderr.count('Waiting for another') for c in children]}")


LIMIT = 64 * 1024  # bytes: below the size of the models and of the token-id cache of Lee


def test_a_full_disk_is_one_clear_error_and_the_previous_model_stays(tmp_path, clean_runs):
    home, work = copy_of(clean_runs("svd")[0], tmp_path)
    before = {p.name: p.read_bytes() for p in (work / "model.wr").iterdir()}
    code, full = wordrep(["train", "svd", "lee", "-o", "model.wr", "--dim", "30",
                          "--min-count", "3"], home, work, fsize=LIMIT)
    assert code == 2, full.stderr
    last = full.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: cannot write model.wr: the file-size limit was reached")
    assert "Traceback" not in full.stderr
    assert {p.name: p.read_bytes() for p in (work / "model.wr").iterdir()} == before
    assert storage.load(work / "model.wr").dim == 20
    assert leftovers(home, work) == []
    print(f"\nfull disk (train): {last}")


def test_token_ids_that_do_not_fit_are_one_error(tmp_path):
    """The token ids go to their cache entry as they are made (no copy in memory to go on
    with): a full disk there is one Error naming the entry, and nothing is left."""
    home, work = tmp_path / "home", tmp_path / "work"
    work.mkdir()
    code, full = wordrep(["train", "svd", "lee", "-o", "model.wr", "--dim", "20",
                          "--min-count", "3"], home, work, fsize=LIMIT)
    assert code == 2, full.stderr
    last = full.stderr.strip().splitlines()[-1]
    assert re.match(r"Error: cannot write .*/corpora/\w+: the file-size limit was reached", last)
    assert "Traceback" not in full.stderr
    assert whole_entries(home) == [] and leftovers(home, work) == []
    assert not (work / "model.wr").exists()


def test_counts_that_do_not_fit_are_one_error(tmp_path):
    """The counts, too, are written to their entry as they are merged (the matrix lives on
    disk, memory-mapped): a full disk there is one Error naming the entry, the token ids made
    before stay whole, and nothing half-written is left."""
    home, work = tmp_path / "home", tmp_path / "work"
    work.mkdir()
    code, _ = wordrep(["corpus", "info", "lee"], home, work)  # token ids made with room
    assert code == 0
    code, full = wordrep(["train", "svd", "lee", "-o", "model.wr", "--dim", "20",
                          "--min-count", "3"], home, work, fsize=LIMIT)
    assert code == 2, full.stderr
    last = full.stderr.strip().splitlines()[-1]
    assert re.match(r"Error: cannot write .*/counts/\w+/\w+: the file-size limit was reached", last)
    assert "Traceback" not in full.stderr
    assert [e.parent.name for e in whole_entries(home)] == ["corpora"]
    assert leftovers(home, work) == []
    assert not (work / "model.wr").exists()


def test_a_full_disk_during_a_run_leaves_the_previous_results(tmp_path, clean_runs):
    home, work = copy_of(clean_runs("run")[0], tmp_path)
    (work / "b.toml").write_text(TINY_RUN.format(dim=30))
    before = run_files(work / "run")
    svd_before = (work / "run" / "models" / "svd" / "vectors.npy").read_bytes()
    code, full = wordrep(["run", "b.toml", "--out", "run", "--force"], home, work, fsize=LIMIT)
    assert code == 2, full.stderr
    last = full.stderr.strip().splitlines()[-1]
    assert re.match(r"Error: cannot write run/models/svd: the file-size limit was reached", last)
    assert "Traceback" not in full.stderr
    assert run_files(work / "run") == before
    assert (work / "run" / "models" / "svd" / "vectors.npy").read_bytes() == svd_before
    assert leftovers(home, work) == []
    print(f"\nfull disk (run): {last}")


# A process in the SVD's product loop: two forked workers serve products until it is killed.
PRODUCT_LOOP = """
import sys
import numpy as np, scipy.sparse as sp
from wordrep.representations import sparse_products
if sys.argv[1] == "pipe-only":   # the portable fallback alone: no parent-death signal
    sparse_products.die_with_parent = lambda parent_pid: None
a = sp.random(3000, 2000, density=0.01, format="csr", dtype=np.float32, random_state=0)
x = np.ones((2000, 8), dtype=np.float32)
with sparse_products.ParallelProducts(a, max_columns=8, workers=2) as products:
    print("ready", flush=True)
    while True:
        x[:] = products.tdot(products.dot(x))[:, :8] / 1e3
"""


def children(pid):
    """The processes ``pid`` started, from Linux's /proc/PID/task/*/children."""
    return [int(c) for task in Path(f"/proc/{pid}/task").iterdir()
            for c in (task / "children").read_text().split()]


def identity(pid):
    """A process's start time (tells a pid from a later reuse of it), or None once it has
    exited; an exited child that nobody reaps (a zombie) counts as gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None if fields[0] in "ZX" else fields[19]


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds processes through /proc")
@pytest.mark.parametrize("mode", ["linux", "pipe-only"])
def test_product_workers_end_when_their_parent_is_killed(tmp_path, mode):
    proc = subprocess.Popen([sys.executable, "-c", PRODUCT_LOOP, mode], stdout=subprocess.PIPE,
                            text=True, cwd=tmp_path)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.3)   # the workers are in the loop, computing or waiting for the next task
        workers = {pid: identity(pid) for pid in children(proc.pid)}
        assert len(workers) >= 2 and None not in workers.values()
        proc.kill()
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while (left := [p for p, start in workers.items() if identity(p) == start]) \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        assert left == [], f"product workers {left} outlived their killed parent"
    finally:
        proc.kill()
        for pid, start in workers.items() if "workers" in locals() else ():
            if identity(pid) == start:
                os.kill(pid, signal.SIGKILL)
