"""Scale benchmark (issue 14): each stage of ``wordrep train svd`` at 1.7e7, 1.7e8 (and 1e9)
tokens: its time, the peak resident memory of the process tree (the main process and its
product workers, summed) and the disk the cache holds after it.

usage: bench_scale.py [--scale-1e9] [--sizes LABEL ...] [--home DIR] [--repeat N]

Corpora: wiki17m; the 1.7e8- and 1e9-token corpora grown from it by
../shared/tools/grow_corpus.py (made in /tmp/scale when absent). Settings as the issue's goals:
dim 300, window 5, otherwise defaults, min_count 20 and a 2 GB budget (1.7e7 and 1.7e8), min_count
100 and an 8 GB budget (1e9). Writes bench/results-scale.json, results-scale.md and scale.png
(log-log: time and peak memory against tokens); prints the rows as JSON lines. ``--sizes``
re-measures only those sizes and keeps the others' rows from the last results-scale.json.

``--child`` runs the stages in this process (what the parent measures); the parent starts one
child per corpus, with its own WORDREP_HOME, so that every stage is computed, not read from cache.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared"
PY = sys.executable
SIZES = {  # label: (corpus, tokens to grow, min_count, budget)
    "1.7e7": (SHARED / "corpora" / "wiki17m.txt.xz", None, 20, "2G"),
    "1.7e8": (Path("/tmp/scale/c170m.txt"), "1.7e8", 20, "2G"),
    "1e9": (Path("/tmp/scale/c1e9.txt"), "1e9", 100, "8G"),
}
STAGES = ("read", "counts", "pmi", "svd")


# -- the child: the stages, sampled ------------------------------------------------------------

def _kb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as status:
            return next((int(line.split()[1]) for line in status if line.startswith(key)), 0)
    except OSError:
        return 0


def _tree(pid):
    pids = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                pids += [q for c in children.read().split() for q in _tree(int(c))]
    except OSError:
        pass
    return pids


def _pss(pid):
    """Proportional set size (KB): pages shared after the fork counted once across the tree,
    where RSS counts them in every process that maps them."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            return next((int(line.split()[1]) for line in rollup if line.startswith("Pss:")), 0)
    except OSError:
        return 0


def _disk(folder):
    return sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file())


class Sampler:
    """The process tree's summed RSS every 0.1 s, and the cache's disk use every 2 s: the
    peaks since the last :meth:`reset`."""

    def __init__(self, home):
        self.home, self.lock = home, threading.Lock()
        self.rss = self.pss = self.disk = 0
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        tick = 0
        while True:
            tree = _tree(os.getpid())
            rss, pss = sum(_kb(p, "VmRSS") for p in tree), sum(_pss(p) for p in tree)
            disk = _disk(self.home) if tick % 20 == 0 else 0
            with self.lock:
                self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)
                self.disk = max(self.disk, disk)
            tick += 1
            time.sleep(0.1)

    def reset(self):
        with self.lock:
            peaks = self.rss, self.pss, max(self.disk, _disk(self.home))
            self.rss = self.pss = self.disk = 0
        return peaks


def child(corpus_path, min_count, memory):
    from wordrep import budget
    from wordrep.corpora import open_corpus
    from wordrep.representations import count_based
    from wordrep.representations.svd import embed, truncated_svd
    sampler = Sampler(os.environ["WORDREP_HOME"])
    out, started = {}, time.perf_counter()

    def mark(stage):
        nonlocal started
        rss_kb, pss_kb, disk = sampler.reset()
        out[stage] = {"seconds": round(time.perf_counter() - started, 2),
                      "peak_rss_mb": round(rss_kb / 1024), "peak_pss_mb": round(pss_kb / 1024),
                      "main_hwm_mb": round(_kb("self", "VmHWM") / 1024),
                      "disk_mb": round(disk / 2 ** 20)}
        started = time.perf_counter()

    corpus = open_corpus(corpus_path)
    with budget.limit(budget.parse_size(memory)):
        ids = corpus.token_ids()
        mark("read")
        params = dict(min_count=min_count)   # the defaults otherwise, as `wordrep train svd`
        vocab, _ = count_based.count_matrix(corpus, **params)
        mark("counts")
        _, ppmi = count_based.association_matrix(corpus, **params)
        mark("pmi")
        u, s, vt = truncated_svd(ppmi, 300, "krylov", None, 60, seed=0, right=False)
        embed(u, s, vt, 0.5, False)
        mark("svd")
    print(json.dumps({"tokens": int(ids.ids.size), "words": len(vocab), "nnz": int(ppmi.nnz),
                      "stages": out}))


# -- the parent ----------------------------------------------------------------------------------

def ensure_corpus(path, tokens):
    if path.exists() or tokens is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([PY, str(SHARED / "tools" / "grow_corpus.py"), "--tokens", tokens,
                    str(path)], check=True)


def run_size(label, home_root, repeat):
    path, tokens, min_count, memory = SIZES[label]
    ensure_corpus(path, tokens)
    load_before, when = os.getloadavg()[0], time.strftime("%Y-%m-%d %H:%M")
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(dir=home_root, prefix=f"scale-{label}-") as home:
            env = dict(os.environ, WORDREP_HOME=home)
            done = subprocess.run([PY, __file__, "--child", str(path), str(min_count), memory],
                                  env=env, capture_output=True, text=True)
            if done.returncode:
                raise RuntimeError(f"scale {label} failed:\n{done.stderr[-3000:]}")
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    first = runs[0]
    stages = {stage: {key: statistics.median(run["stages"][stage][key] for run in runs)
                      for key in first["stages"][stage]} for stage in STAGES}
    total = {"seconds": sum(s["seconds"] for s in stages.values()),
             "peak_rss_mb": max(s["peak_rss_mb"] for s in stages.values()),
             "peak_pss_mb": max(s["peak_pss_mb"] for s in stages.values()),
             "disk_mb": max(s["disk_mb"] for s in stages.values())}
    return {"label": label, "corpus": str(path), "tokens": first["tokens"],
            "words": first["words"], "ppmi_nnz": first["nnz"], "min_count": min_count,
            "memory": memory, "runs": len(runs), "stages": stages, "total": total,
            "load_average": max(load_before, os.getloadavg()[0]), "when": when}


def markdown(rows):
    lines = ["# Scale: `wordrep train svd` (dim 300, window 5, defaults otherwise)", "",
             "Generated by `bench/bench_scale.py` (the `scale` stage of `make bench`). Peak RSS "
             "is the process tree's (main process and product workers, summed, sampled every "
             "0.1 s; RSS counts the pages a forked worker shares with its parent in both, PSS "
             "once); disk is what the cache holds (token ids, counts, PPMI, spills) at the "
             "stage's end or its peak. Medians of the runs; 2 cores shared with other work "
             "(1-minute load average given).", "",
             "| tokens | words | min_count | budget | stage | seconds | s per 1M tokens | "
             "peak RSS MB | peak PSS MB | main process peak RSS MB | disk MB |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        for stage in (*STAGES, "total"):
            s = r["stages"].get(stage, r["total"])
            lines.append(f"| {r['tokens']:,} | {r['words']:,} | {r['min_count']} | "
                         f"{r['memory']} | {stage} | {s['seconds']:.1f} | "
                         f"{s['seconds'] / r['tokens'] * 1e6:.2f} | {s['peak_rss_mb']:,} | "
                         f"{s['peak_pss_mb']:,} | {s.get('main_hwm_mb', '')} | "
                         f"{s['disk_mb']:,} |")
    lines += ["", "Runs and load: " + "; ".join(
        f"{r['label']}: {r['runs']} run(s) {r.get('when', '')}, load up to "
        f"{r['load_average']:.1f}, PPMI non-zeros {r['ppmi_nnz']:,}" for r in rows), "",
        "The main process's peak RSS is its own high-water mark over the run so far (the "
        "kernel's VmHWM), the product workers not included.", ""]
    return "\n".join(lines)


def plot(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    tokens = [r["tokens"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for stage in (*STAGES, "total"):
        pick = [r["stages"].get(stage, r["total"]) for r in rows]
        left.plot(tokens, [s["seconds"] for s in pick], "o-", label=stage)
        right.plot(tokens, [s["peak_pss_mb"] for s in pick], "o-", label=stage)
    for axis, what in ((left, "seconds"), (right, "peak PSS of the process tree (MB)")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("tokens")
        axis.set_ylabel(what)
        axis.grid(True, which="both", alpha=0.3)
    left.legend()
    fig.suptitle("wordrep train svd: time and memory against corpus size")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        return child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale-1e9", action="store_true", help="the 1e9-token run too (hours)")
    ap.add_argument("--sizes", nargs="*", choices=list(SIZES), help="instead of the default")
    ap.add_argument("--home", type=Path, default=Path(tempfile.gettempdir()),
                    help="where each run's WORDREP_HOME is made (token ids: GBs)")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    sizes = args.sizes or ["1.7e7", "1.7e8"] + ["1e9"] * args.scale_1e9
    # --sizes re-measures those and keeps the other sizes' rows of the last results
    saved = HERE / "results-scale.json"
    kept = {r["label"]: r for r in json.loads(saved.read_text())} \
        if args.sizes and saved.exists() else {}
    for label in sizes:
        kept[label] = run_size(label, args.home, args.repeat)
        print(json.dumps(kept[label]), flush=True)
    rows = sorted(kept.values(), key=lambda r: r["tokens"])
    (HERE / "results-scale.json").write_text(json.dumps(rows, indent=1))
    (HERE / "results-scale.md").write_text(markdown(rows))
    plot(rows, HERE / "scale.png")


if __name__ == "__main__":
    main()
