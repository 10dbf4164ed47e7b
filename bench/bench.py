#!/usr/bin/env python3
"""wordrep's speed and memory benchmark: each stage against its reference, in one run.

Every measurement runs in a child process (so its peak RSS is its own), several times when a
run is under a minute; the table reports medians and the ratio to the reference measured in
the same run, because these machines are noisy and only same-run ratios compare. Quality is
scored on both sides with the same evaluator (WS353, SimLex-999: Spearman; Google analogies:
3CosAdd over the 30,000 most frequent words).

usage: python bench/bench.py [--corpus PATH] [--quick] [--repeat N] [--only STAGE ...]
writes bench/results.json and bench/results.md (or --out).
"""
import argparse
import json
import lzma
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared"
DEFAULT_CORPUS = SHARED / "corpora" / "wiki17m.txt.xz"
REFERENCE_SVD = SHARED / "reference" / "naive_ppmi_svd.py"
QUICK_TOKENS = 2_000_000
PY = sys.executable

# The plainest Python pass over a corpus: the yardstick for reading one.
PLAIN_PASS = """
import bz2, gzip, lzma, sys
from collections import Counter
path = sys.argv[1]
opener = {".xz": lzma.open, ".gz": gzip.open, ".bz2": bz2.open}.get(path[path.rfind("."):], open)
with opener(path, "rt", encoding="utf-8") as f:
    tokens = f.read().split()
counts = Counter(tokens)
print(len(tokens), len(counts))
"""


# -- running children ---------------------------------------------------------------------------

def run_once(argv, env):
    """Wall seconds, peak RSS (MB) and stdout of one child process."""
    started = time.perf_counter()
    done = subprocess.run([PY, str(HERE / "peak.py"), PY] + argv, capture_output=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"{argv} failed:\n{done.stderr.decode()[-3000:]}")
    result = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return seconds, result["peak_rss_mb"], result["stdout"].strip()


def measure(argv, repeat, prepare=None):
    """Median wall time over runs (one run when a run takes over a minute), largest peak RSS.

    ``prepare(home)`` readies a fresh ``WORDREP_HOME`` before each run (not timed).
    """
    times, peaks, out = [], [], ""
    for i in range(repeat):
        with tempfile.TemporaryDirectory() as home:
            env = dict(os.environ, WORDREP_HOME=home)
            if prepare:
                prepare(env)
            seconds, peak, out = run_once(argv, env)
        times.append(seconds)
        peaks.append(peak)
        if seconds > 60:
            break
    return {"seconds": round(statistics.median(times), 2), "runs": [round(t, 2) for t in times],
            "peak_rss_mb": round(max(peaks)), "output": out}


def quality(prefix):
    """WS353 and SimLex-999 Spearman, Google 3CosAdd accuracy (30k most frequent words)."""
    import numpy as np
    from gensim.models import KeyedVectors
    from gensim.test.utils import datapath
    import logging
    logging.getLogger("gensim").setLevel(logging.WARNING)
    words = json.loads(Path(prefix + ".words.json").read_text())
    vectors = np.load(prefix + ".npy")
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(words, vectors)
    ws = kv.evaluate_word_pairs(datapath("wordsim353.tsv"))[1][0]
    sl = kv.evaluate_word_pairs(datapath("simlex999.txt"))[1][0]
    google = kv.evaluate_word_analogies(datapath("questions-words.txt"), restrict_vocab=30000)[0]
    return {"ws353": round(float(ws), 3), "simlex999": round(float(sl), 3),
            "google": round(100 * float(google), 1)}


def reference_prefix(vec_path, prefix):
    """The reference writes word2vec text; turn it into the .npy/.words.json pair."""
    import numpy as np
    with open(vec_path, encoding="utf-8") as f:
        n, dim = map(int, f.readline().split())
        words, rows = [], np.empty((n, dim), dtype=np.float32)
        for i, line in enumerate(f):
            parts = line.rstrip("\n").split(" ")
            words.append(parts[0])
            rows[i] = np.asarray(parts[1:], dtype=np.float32)
    np.save(prefix + ".npy", rows)
    Path(prefix + ".words.json").write_text(json.dumps(words))


def row(stage, reference, ours, ref, goal, **extra):
    return {"stage": stage, "reference": reference, "wordrep": ours, "ref": ref,
            "time_ratio": round(ours["seconds"] / ref["seconds"], 3), "goal": goal, **extra}


# -- stages -------------------------------------------------------------------------------------

def bench_corpus(corpus, repeat, scratch):
    wordrep = ["-m", "wordrep.cli", "-q", "corpus", "info", str(corpus), "--json"]
    reference = measure(["-c", PLAIN_PASS, str(corpus)], repeat)
    ours = measure(wordrep, repeat)
    tokens = json.loads(ours["output"])["tokens"]
    return [row("corpus: read, tokenize, vocabulary, token-id array (first time)",
                "read whole + str.split() + Counter", ours, reference,
                "time ratio <= 1.5, peak RSS <= 1024 MB", tokens=tokens)]


def bench_svd(corpus, repeat, scratch):
    ref_out = str(scratch / "reference.txt")
    reference = measure([str(REFERENCE_SVD), str(corpus), ref_out], 1)
    reference_prefix(ref_out, str(scratch / "reference"))
    ref_quality = quality(str(scratch / "reference"))
    ours_argv = [str(HERE / "train_svd.py"), str(corpus), str(scratch / "svd")]
    cold = measure(ours_argv, repeat)
    ours_quality = quality(str(scratch / "svd"))

    def read_corpus_first(env):  # the token-id cache exists, as on every run after the first
        subprocess.run([PY, "-m", "wordrep.cli", "-q", "corpus", "info", str(corpus)],
                       env=env, check=True, capture_output=True)
    # A user's first `train svd` runs wordrep's defaults (dynamic window, subsampling 1e-5):
    # timed in turn with the reference's settings, since only same-run pairs compare here.
    defaults_argv = [str(HERE / "train_svd.py"), str(corpus), str(scratch / "svd_defaults"),
                     "--defaults"]
    warm, defaults = measure_alternating(ours_argv, defaults_argv, repeat, read_corpus_first)
    stages = {"reference": json.loads(reference["output"]), "cold": json.loads(cold["output"]),
              "warm": json.loads(warm["output"]), "defaults": json.loads(defaults["output"])}
    goal = "time ratio <= 0.35, peak RSS <= 3072 MB, quality >= reference"
    return [row("count + PPMI + SVD (window 5, dim 300), corpus read for the first time",
                "naive_ppmi_svd.py", cold, reference, goal, quality=ours_quality,
                ref_quality=ref_quality, stage_seconds=stages),
            row("count + PPMI + SVD, token-id cache already built (counts/PPMI not cached)",
                "naive_ppmi_svd.py", warm, reference, goal, quality=ours_quality,
                ref_quality=ref_quality),
            row("the same with wordrep's defaults (dynamic window, subsample 1e-5): a user's "
                "first `train svd`", "wordrep, the reference's settings (row above)", defaults,
                warm, "time ratio <= 1.2", quality=quality(str(scratch / "svd_defaults")),
                ref_quality=ours_quality,
                pair_ratios=[round(d / w, 3) for d, w in zip(defaults["runs"], warm["runs"])])]


def measure_alternating(argv_a, argv_b, repeat, prepare=None):
    """``measure`` of two commands run in turn (A B A B ...): on a shared machine the load
    changes from minute to minute, and a pair run back to back sees about the same."""
    runs = [[], []]
    for _ in range(repeat):
        for i, argv in enumerate((argv_a, argv_b)):
            runs[i].append(measure(argv, 1, prepare))
    return [{"seconds": round(statistics.median(r["seconds"] for r in rs), 2),
             "runs": [r["seconds"] for r in rs],
             "peak_rss_mb": max(r["peak_rss_mb"] for r in rs), "output": rs[-1]["output"]}
            for rs in runs]


def bench_word2vec(corpus, repeat, scratch, plain_corpus):
    argv = ["--dim", "100", "--window", "5", "--negative", "5", "--sample", "1e-3",
            "--epochs", "5", "--workers", "2"]

    def corpus_file_first(env):  # wordrep's training text is written once per corpus, cached
        subprocess.run([PY, "-c", "import sys; from wordrep.corpora import open_corpus; "
                        "from wordrep.representations.neural import corpus_file; "
                        "corpus_file(open_corpus(sys.argv[1]))", str(corpus)],
                       env=env, check=True, capture_output=True)
    # gensim reads the same tokens cut into lines of 1,000: its corpus_file reader is very
    # slow on a single 100 MB line, and lines of 10,000 lose most of every second line (its
    # batches end past 10,000 words and it trains 10,000 of them; gensim issue 2880). Lines
    # of 1,000 lose nothing while subsampling drops over 10% of a batch (about 30% here).
    raw = measure([str(HERE / "train_word2vec.py"), "gensim", str(lined(plain_corpus, 1_000)),
                   str(scratch / "w2v_gensim")] + argv, repeat)
    ours = measure([str(HERE / "train_word2vec.py"), "wordrep", str(corpus),
                    str(scratch / "w2v_wordrep")] + argv, repeat, prepare=corpus_file_first)
    raw_out, our_out = json.loads(raw["output"]), json.loads(ours["output"])
    return [row("word2vec skip-gram 100d, window 5, neg 5, sample 1e-3, 5 epochs, 2 workers",
                "gensim Word2Vec(corpus_file=...), lines of 1,000 tokens", ours, raw,
                "trained >= 99.5% of what subsampling keeps; WS353 / SimLex / Google >= "
                "0.651 / 0.308 / 35.4; time stated against gensim's",
                throughput_ratio=round(our_out["words_per_s"] / raw_out["words_per_s"], 3),
                words_per_s={"wordrep": our_out["words_per_s"], "gensim": raw_out["words_per_s"]},
                gensim_counts={"wordrep": our_out["gensim_counts"],
                               "gensim": raw_out["gensim_counts"]},
                quality=quality(str(scratch / "w2v_wordrep")),
                ref_quality=quality(str(scratch / "w2v_gensim")))]


# The C tool's figures measured on this machine for issue 16 (wiki17m, window 10 harmonic, 100 d,
# 15 iterations, x_max 10, 2 threads): quoted when its build folder is not given (--glove-c).
C_GLOVE_QUOTED = {"seconds": 845.0, "peak_rss_mb": "n/a", "output": "",
                  "quality": {"ws353": 0.446, "simlex999": 0.214, "google": 30.9}}


def bench_glove(corpus, repeat, scratch, plain_corpus, c_build=None, quick=False, seeds=(1,)):
    """GloVe against Stanford's C tool with its settings (counts included on both sides), one
    run a seed on each side, then wordrep with the paper's (x_max 100, the default epochs).

    Two Hogwild workers make every run differ (SimLex-999 0.202-0.218 over seven runs of
    wordrep on wiki17m, 0.207-0.223 over seven of the C tool), so the row gives the medians
    over ``seeds`` and each run."""
    c_settings = ["--window", "10", "--dim", "100", "--epochs", "15", "--x-max", "10",
                  "--workers", "2"]
    # The default memory budget, as users run it (counting holds what the pairs need, not
    # the budget: 1.4 GB at most on wiki17m).
    script = str(HERE / "train_glove.py")
    ours = seeded_runs(seeds, lambda seed, prefix: measure(
        [script, "wordrep", str(corpus), prefix, "--seed", str(seed)] + c_settings, repeat),
        scratch / "glove")
    if c_build:
        reference = seeded_runs(seeds, lambda seed, prefix: measure(
            [script, "c", str(plain_corpus), prefix, "--glove-dir", str(c_build),
             "--seed", str(seed)] + c_settings, 1), scratch / "glove_c")
        ref_name = f"Stanford GloVe (C), measured ({len(seeds)} seeds)"
    elif quick:
        reference, ref_name = None, None
    else:
        reference = C_GLOVE_QUOTED
        ref_name = "Stanford GloVe (C), figures quoted from issue 16"
    paper = measure([script, "wordrep", str(corpus), str(scratch / "glove_paper"),
                     "--x-max", "100", "--epochs", "0"], repeat)
    ref_quality = reference and reference["quality"]
    rows = []
    if reference is not None:
        rows.append(row("GloVe 100d, window 10 harmonic, x_max 10, 15 epochs, 2 workers "
                        f"(corpus read and counted in the run; medians of {len(seeds)} "
                        "seeds)", ref_name, ours, reference,
                        "time ratio <= 0.35, quality >= the C tool's, peak RSS <= 2048 MB",
                        quality=ours["quality"], ref_quality=ref_quality))
    paper_out = json.loads(paper["output"])
    rows.append(row(f"GloVe, the paper's settings (x_max 100, {len(paper_out['cost'])} epochs), "
                    "corpus read and counted in the run", ref_name or "(none in --quick)",
                    paper, reference or paper, "time and scores stated beside SVD's and "
                    "word2vec's; peak RSS <= 2048 MB", quality=quality(str(scratch /
                                                                       "glove_paper")),
                    ref_quality=ref_quality, stage_seconds=paper_out))
    return rows


def seeded_runs(seeds, run, prefix):
    """``run(seed, prefix)`` for each seed, scored: the median time and score on each
    benchmark, the largest peak, and every run's own figures (stage times, cost per epoch)."""
    per_seed = []
    for seed in seeds:
        out = f"{prefix}_{seed}"
        measured = run(seed, out)
        per_seed.append({"seed": seed, "seconds": measured["seconds"],
                         "peak_rss_mb": measured["peak_rss_mb"], "quality": quality(out),
                         "stages": json.loads(measured["output"] or "{}")})
    median = lambda values: round(statistics.median(values), 3)
    return {"seconds": median(r["seconds"] for r in per_seed),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in per_seed), "output": "",
            "quality": {k: median(r["quality"][k] for r in per_seed)
                        for k in per_seed[0]["quality"]},
            "per_seed": per_seed}


def bench_script(script, args):
    """Rows printed as JSON lines by one of the per-area benchmark scripts."""
    done = subprocess.run([PY, str(HERE / script), *args], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{script} failed:\n{done.stderr[-3000:]}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def bench_evaluate(corpus, quick):
    """Analogy scoring against gensim's evaluate_word_analogies (bench_evaluate.py)."""
    args = ["--corpus", str(DEFAULT_CORPUS)]
    if quick:
        args += ["--repeat", "1", "--words", "20000", "--restrict", "5000"]
    return bench_script("bench_evaluate.py", args)


def bench_wordnet(quick):
    """WordNet features, graph, measures and retrofitting (bench_wordnet.py)."""
    return bench_script("bench_wordnet.py", ["--skip-graph"] if quick else [])


def bench_lookup(quick, repeat, scratch):
    """Opening a 1M x 300 model, memory shared by two processes, most_similar queries/s single
    and batched, against np.load and gensim (bench_lookup.py); 100k x 100 with --quick."""
    args = ["--scratch", str(scratch), "--repeat", str(max(repeat, 3))]
    if quick:
        args += ["--words", "100000", "--dim", "100", "--batch", "500"]
    return bench_script("bench_lookup.py", args)


def bench_scale(quick, scale_1e9):
    """Each stage of train svd at 1.7e7 and 1.7e8 tokens (1e9 with --scale-1e9): time, peak
    RSS of the process tree, disk (bench_scale.py: bench/results-scale.md, bench/scale.png)."""
    if quick:
        return []   # hours of reading and counting: not a harness check
    return bench_script("bench_scale.py", ["--scale-1e9"] if scale_1e9 else [])


# -- input and output ---------------------------------------------------------------------------

def plain_copy(source, folder, tokens=None):
    """The corpus as a plain file (a prefix of ``tokens`` tokens when given)."""
    target = Path(folder) / (f"prefix-{tokens}.txt" if tokens else "corpus.txt")
    opener = lzma.open if str(source).endswith(".xz") else open
    with opener(source, "rt", encoding="utf-8") as f:
        if tokens:
            text = " ".join(f.read(tokens * 8).split()[:tokens])
        else:
            text = f.read()
    target.write_text(text + "\n", encoding="utf-8")
    return target


def lined(path, per_line=10_000):
    """The whitespace tokens of ``path`` rewritten as lines of at most ``per_line`` tokens."""
    target = Path(path).with_suffix(".lined.txt")
    with open(path, encoding="utf-8") as f, open(target, "w", encoding="utf-8") as out:
        tokens = f.read().split()
        for i in range(0, len(tokens), per_line):
            out.write(" ".join(tokens[i:i + per_line]) + "\n")
    return target


def markdown(results):
    lines = [f"wordrep benchmark: {results['machine']}; corpus {results['corpus']}"
             f"{' (quick prefix)' if results['quick'] else ''}", "",
             "| stage | reference | wordrep s | ref s | ratio | wordrep MB | ref MB | quality "
             "wordrep (WS353 / SimLex / Google %) | quality ref | goal |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results["rows"]:
        q = r.get("quality")
        rq = r.get("ref_quality")
        fmt = lambda x: f"{x['ws353']} / {x['simlex999']} / {x['google']}" if x else "—"
        ratio = f"{r['time_ratio']:.2f}"
        if "throughput_ratio" in r:
            ratio += f" (throughput {r['throughput_ratio']:.2f}x)"
        if "pair_ratios" in r:
            ratio += f" (pairs {', '.join(f'{x:.2f}' for x in r['pair_ratios'])})"
        lines.append(f"| {r['stage']} | {r['reference']} | {r['wordrep']['seconds']:.1f} "
                     f"| {r['ref']['seconds']:.1f} | {ratio} | {r['wordrep']['peak_rss_mb']} "
                     f"| {r['ref']['peak_rss_mb']} | {fmt(q)} | {fmt(rq)} | {r['goal']} |")
    for r in results["rows"]:
        lines += seed_table(r)
    for stage, extra in results.get("extra", {}).items():
        lines += ["", f"### {stage}", ""]
        keys = list(dict.fromkeys(k for r in extra for k in r))
        lines += ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
        lines += ["| " + " | ".join(str(r.get(k, "")) for k in keys) + " |" for r in extra]
    return "\n".join(lines) + "\n"


def seed_table(r):
    """Each run of a row measured once a seed (``seeded_runs``), as markdown lines."""
    if "per_seed" not in r["wordrep"]:
        return []  # (a row timed once may still hold a seeded reference: not its runs)
    sides = [(name, r[key]["per_seed"]) for name, key in (("wordrep", "wordrep"), ("ref", "ref"))
             if "per_seed" in r[key]]
    lines = ["", f"Runs of: {r['stage']}", "",
             "| side | seed | s | peak MB | WS353 | SimLex | Google % | last cost |",
             "|---|---|---|---|---|---|---|---|"]
    for name, runs in sides:
        for run in runs:
            q, cost = run["quality"], run["stages"].get("cost") or ["n/a"]
            lines.append(f"| {name} | {run['seed']} | {run['seconds']:.1f} | "
                         f"{run['peak_rss_mb']} | {q['ws353']} | {q['simlex999']} | "
                         f"{q['google']} | {cost[-1]} |")
    return lines


STAGES = ("corpus", "svd", "word2vec", "glove", "evaluate", "wordnet", "lookup", "scale")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--quick", action="store_true",
                    help=f"run on a {QUICK_TOKENS:,}-token prefix (proves the harness works)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", nargs="*", choices=STAGES, default=list(STAGES))
    ap.add_argument("--out", type=Path, default=HERE / "results.json")
    ap.add_argument("--glove-c", type=Path, metavar="BUILD",
                    help="build folder of Stanford's GloVe (vocab_count, cooccur, shuffle, "
                         "glove): timed in the same run; else its figures are quoted")
    ap.add_argument("--glove-seeds", type=lambda text: [int(x) for x in text.split(",")],
                    default=[1], metavar="1,2,3",
                    help="GloVe at the C tool's settings: one run a seed on each side, "
                         "medians reported (two Hogwild workers make every run differ)")
    ap.add_argument("--scale-1e9", action="store_true",
                    help="the scale stage's 1e9-token run too (grows a 6 GB corpus; hours)")
    args = ap.parse_args()
    rows, extra = [], {}
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        if args.quick:
            corpus = plain = plain_copy(args.corpus, scratch, QUICK_TOKENS)
        else:
            corpus, plain = args.corpus, None
        for stage in args.only:
            print(f"bench: {stage} ...", file=sys.stderr, flush=True)
            if stage == "corpus":
                rows += bench_corpus(corpus, args.repeat, scratch)
            elif stage == "svd":
                rows += bench_svd(corpus, args.repeat, scratch)
            elif stage == "word2vec":
                plain = plain or plain_copy(corpus, scratch)
                rows += bench_word2vec(corpus, args.repeat, scratch, plain)
            elif stage == "glove":
                if args.glove_c:
                    plain = plain or plain_copy(corpus, scratch)
                rows += bench_glove(corpus, args.repeat, scratch, plain, args.glove_c,
                                    args.quick, args.glove_seeds)
            elif stage == "evaluate":
                extra["analogy scoring: wordrep vs gensim evaluate_word_analogies"] = \
                    bench_evaluate(corpus, args.quick)
            elif stage == "wordnet":
                extra["WordNet-derived and hybrid representations"] = bench_wordnet(args.quick)
            elif stage == "lookup":
                extra["lookup in a large model: open, shared memory, most_similar queries/s"] = \
                    bench_lookup(args.quick, args.repeat, scratch)
            elif stage == "scale":
                extra["scale: train svd stage by stage at 1.7e7, 1.7e8 (1e9) tokens"] = \
                    bench_scale(args.quick, args.scale_1e9)
            write_results(args, rows, extra)  # after every stage: a long run keeps what it has
    write_results(args, rows, extra, show=True)


def write_results(args, rows, extra, show=False):
    results = {"machine": f"{os.cpu_count()} cores, {platform.machine()}, Python "
                          f"{platform.python_version()}", "corpus": str(args.corpus),
               "quick": args.quick, "repeat": args.repeat, "rows": rows, "extra": extra}
    args.out.write_text(json.dumps(results, indent=1))
    table = markdown(results)
    args.out.with_suffix(".md").write_text(table)
    if show:
        print(table)


if __name__ == "__main__":
    main()
