#!/usr/bin/env python3
"""Lookup in a large model: how fast it opens, what processes share, how many queries a second.

A random ``--words`` x ``--dim`` float32 model (words "w0000000", ...; speed does not depend on
what the vectors mean) is saved with ``wordrep.save`` and, for the reference, with gensim's
``KeyedVectors.save``. Then, each in fresh processes (the files are in the page cache, as on
any second use):

- open: the ``wordrep.load`` call alone (median of ``--repeat`` processes), the whole process
  (interpreter, imports, load, exit) and its peak RSS; against the same files read the plain
  way (``np.load`` without a memory map, the words into gensim's dict) and gensim's own
  ``KeyedVectors.load(mmap="r")``;
- share: two processes load the model and run one query each (which reads every row); their
  ``/proc/PID/smaps`` entries for ``vectors.npy``: resident, proportional, shared and private MB;
- throughput: ``most_similar(word, topn=10)`` one word at a time (wordrep against gensim's
  ``KeyedVectors.most_similar`` on the same memory-mapped vectors) and ``most_similar_batch``
  over ``--batch`` words (gensim has no batch call: its one-at-a-time rate is the reference);
  the neighbours are checked to be the same.

Prints one JSON row per figure (bench/bench.py collects them into its report).

usage: python bench/bench_lookup.py [--words 1000000] [--dim 300] [--repeat 5] [--single 20]
                                    [--batch 1000] [--scratch DIR]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
TOPN = 10


# -- the child processes ------------------------------------------------------------------------

def child_load(method, path):
    """Open the model one way; print the seconds of the imports and of the load call."""
    started = time.perf_counter()
    import numpy as np
    from gensim.models import KeyedVectors
    import wordrep
    from wordrep.representations.dense import keyed_vectors
    imported = time.perf_counter()
    if method == "wordrep":
        wordrep.load(path)
    elif method == "numpy":  # the plain way: vectors read into memory, gensim's dict built
        words = json.loads((Path(path) / "words.json").read_text(encoding="utf-8"))
        keyed_vectors(words, np.load(Path(path) / "vectors.npy", allow_pickle=False))
    else:
        KeyedVectors.load(path, mmap="r")
    loaded = time.perf_counter()
    print(json.dumps({"import_s": imported - started, "load_s": loaded - imported}))


def child_query(method, path, words_file, single):
    """Queries per second, one word at a time and (wordrep) all words at once; the neighbours."""
    words = json.loads(Path(words_file).read_text())
    if method == "wordrep":
        import wordrep
        rep = wordrep.load(path)
        ask = rep.most_similar
    else:
        from gensim.models import KeyedVectors
        ask = KeyedVectors.load(path, mmap="r").most_similar
    started = time.perf_counter()
    ask(words[-1], topn=TOPN)  # first query: every page mapped; gensim computes its norms
    first = time.perf_counter() - started
    started = time.perf_counter()
    single = int(single)
    answers = [ask(word, topn=TOPN) for word in words[:single]]
    result = {"single_qps": single / (time.perf_counter() - started), "first_s": first,
              "single": [[w for w, _ in row] for row in answers]}
    if method == "wordrep":
        started = time.perf_counter()
        batch = rep.most_similar_batch(words, topn=TOPN)
        result["batch_qps"] = len(words) / (time.perf_counter() - started)
        result["batch_equals_single"] = all(
            [w for w, _ in b] == s for b, s in zip(batch, result["single"]))
    print(json.dumps(result))


def child_share(path):
    """Load, read every row with one query, say so, and stay until told to go."""
    import wordrep
    rep = wordrep.load(path)
    rep.most_similar(rep.vocabulary[0], topn=TOPN)
    print("ready", flush=True)
    sys.stdin.readline()


# -- measuring them -----------------------------------------------------------------------------

def run(argv):
    """Wall seconds, peak RSS (MB) and the JSON printed by one child, through peak.py."""
    started = time.perf_counter()
    done = subprocess.run([PY, str(HERE / "peak.py"), PY, __file__, *argv], capture_output=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"{argv} failed:\n{done.stderr.decode()[-3000:]}")
    result = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return seconds, result["peak_rss_mb"], json.loads(result["stdout"])


def opening(method, path, repeat):
    loads, wholes, peaks = [], [], []
    for _ in range(repeat):
        seconds, peak, out = run(["child-load", method, str(path)])
        loads.append(out["load_s"])
        wholes.append(seconds)
        peaks.append(peak)
    return {"load_s": statistics.median(loads), "runs": [round(s, 3) for s in loads],
            "process_s": statistics.median(wholes), "peak_rss_mb": max(peaks)}


def smaps(pid, name):
    """kB per smaps field, summed over the mappings of the file ``name`` in process ``pid``."""
    fields, inside = {}, False
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split()
            if "-" in head[0] and not head[0].endswith(":"):  # a mapping's first line
                inside = line.rstrip().endswith(name)
            elif inside and head[0].endswith(":") and len(head) == 3:
                fields[head[0][:-1]] = fields.get(head[0][:-1], 0) + int(head[1])
    return fields


def sharing(path, processes=2):
    """smaps of ``vectors.npy`` in ``processes`` processes that have each read every row."""
    children = [subprocess.Popen([PY, __file__, "child-share", str(path)], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    try:
        for child in children:
            if child.stdout.readline().strip() != "ready":
                raise RuntimeError("a sharing child failed")
        maps = [smaps(child.pid, "/vectors.npy") for child in children]
        whole = [smaps(child.pid, "") for child in children]  # every mapping of the process
    finally:
        for child in children:
            child.stdin.close()
            child.wait(timeout=120)
    mb = lambda kb: round(kb / 1024)
    per = lambda key: [mb(m.get(key, 0)) for m in maps]
    shared = [mb(m.get("Shared_Clean", 0) + m.get("Shared_Dirty", 0)) for m in maps]
    private = [mb(m.get("Private_Clean", 0) + m.get("Private_Dirty", 0)) for m in maps]
    return {"rss": per("Rss"), "pss": per("Pss"), "shared": shared, "private": private,
            "process_rss": [mb(w["Rss"]) for w in whole],
            "process_pss": [mb(w["Pss"]) for w in whole]}


# -- the model ----------------------------------------------------------------------------------

def make_model(folder, n, dim):
    """The random model in wordrep's format and in gensim's; the file sizes in MB."""
    import numpy as np
    from wordrep.representations.dense import DenseVectors
    from wordrep.storage import save

    words = [f"w{i:07d}" for i in range(n)]
    vectors = np.random.default_rng(0).standard_normal((n, dim), dtype=np.float32)
    rep = DenseVectors.from_arrays(words, vectors, name="random")
    save(rep, folder / "model.wr")
    rep.kv.save(str(folder / "model.kv"))  # a pickle + model.kv.vectors.npy: gensim's own
    return (folder / "model.wr"), (folder / "model.kv"), words


def row(measure, wordrep, reference, ref, ratio=None, **extra):
    return {"measure": measure, "wordrep": wordrep, "reference": reference, "ref": ref,
            "ratio": ratio, **extra}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--single", type=int, default=20)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--scratch", default=None, help="where the model is written")
    args = parser.parse_args()
    import numpy as np

    size = f"{args.words:,} x {args.dim}"
    with tempfile.TemporaryDirectory(dir=args.scratch) as scratch:
        scratch = Path(scratch)
        print(f"bench_lookup: writing a {size} model ...", file=sys.stderr, flush=True)
        wr, kv, words = make_model(scratch, args.words, args.dim)
        vectors_mb = round((wr / "vectors.npy").stat().st_size / 2**20)
        picked = np.random.default_rng(1).choice(len(words), args.batch, replace=False)
        queries = scratch / "queries.json"
        queries.write_text(json.dumps([words[i] for i in picked]))
        del words

        print("bench_lookup: open ...", file=sys.stderr, flush=True)
        ours = opening("wordrep", wr, args.repeat)
        in_memory = opening("numpy", wr, args.repeat)
        gensim = opening("gensim", kv, args.repeat)
        for ref_name, ref in (("np.load without memory map, words into gensim's dict", in_memory),
                              ("gensim KeyedVectors.load(mmap='r')", gensim)):
            print(json.dumps(row(f"open {size}: load call s (median of {args.repeat})",
                                 round(ours["load_s"], 3), ref_name, round(ref["load_s"], 3),
                                 round(ours["load_s"] / ref["load_s"], 3),
                                 runs=f"{ours['runs']} vs {ref['runs']}")))
            print(json.dumps(row(f"open {size}: whole process s (start, imports, load, exit)",
                                 round(ours["process_s"], 2), ref_name,
                                 round(ref["process_s"], 2),
                                 round(ours["process_s"] / ref["process_s"], 3))))
            print(json.dumps(row(f"open {size}: peak RSS MB of that process",
                                 round(ours["peak_rss_mb"]), ref_name,
                                 round(ref["peak_rss_mb"]),
                                 round(ours["peak_rss_mb"] / ref["peak_rss_mb"], 3))))

        print("bench_lookup: sharing ...", file=sys.stderr, flush=True)
        share = sharing(wr)
        print(json.dumps(row(
            f"2 processes, each after a query: vectors.npy ({vectors_mb} MB) mapping "
            "Rss / Pss / shared / private MB per process",
            " ; ".join(f"{r} / {p} / {s} / {v}" for r, p, s, v in zip(
                share["rss"], share["pss"], share["shared"], share["private"])),
            "whole process Rss / Pss MB", " ; ".join(
                f"{r} / {p}" for r, p in zip(share["process_rss"], share["process_pss"])))))

        print("bench_lookup: queries ...", file=sys.stderr, flush=True)
        _, our_peak, mine = run(["child-query", "wordrep", str(wr), str(queries),
                                 str(args.single)])
        _, their_peak, theirs = run(["child-query", "gensim", str(kv), str(queries),
                                     str(args.single)])
        same = mine["single"] == theirs["single"]
        print(json.dumps(row(f"most_similar topn={TOPN}, one word at a time: queries/s "
                             f"({args.single} words)", round(mine["single_qps"], 2),
                             "gensim KeyedVectors.most_similar", round(theirs["single_qps"], 2),
                             round(mine["single_qps"] / theirs["single_qps"], 3),
                             same_neighbours=same)))
        print(json.dumps(row(f"most_similar_batch topn={TOPN}: queries/s ({args.batch} words)",
                             round(mine["batch_qps"], 2),
                             "gensim KeyedVectors.most_similar, one at a time",
                             round(theirs["single_qps"], 2),
                             round(mine["batch_qps"] / theirs["single_qps"], 3),
                             same_neighbours=mine["batch_equals_single"])))
        print(json.dumps(row("first query after opening s (pages read; gensim: its norms too)",
                             round(mine["first_s"], 2), "gensim", round(theirs["first_s"], 2),
                             round(mine["first_s"] / theirs["first_s"], 3))))
        print(json.dumps(row("peak RSS MB of the query process (mapped pages included)",
                             round(our_peak), "gensim", round(their_peak),
                             round(our_peak / their_peak, 3))))


CHILDREN = {"child-load": child_load, "child-query": child_query, "child-share": child_share}

if __name__ == "__main__":
    if sys.argv[1:2] and sys.argv[1] in CHILDREN:
        CHILDREN[sys.argv[1]](*sys.argv[2:])
    else:
        main()
