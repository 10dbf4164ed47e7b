"""Child process of the benchmark: GloVe through wordrep, or through Stanford's C tool.

usage: train_glove.py wordrep CORPUS OUT_PREFIX [--dim 100] [--window 10] [--epochs 15] ...
       train_glove.py c PLAIN_CORPUS OUT_PREFIX --glove-dir BUILD [same options]
wordrep: `wordrep.build("glove", corpus)`, the corpus read and counted in the same process
(total time counts included). c: vocab_count, cooccur, shuffle and glove of
github.com/stanfordnlp/GloVe (built in BUILD) on the decompressed corpus, with the same
settings (-model 2: W + C, as wordrep's default).
Prints one JSON line of stage times (and wordrep's cost per epoch); writes OUT_PREFIX.npy and
OUT_PREFIX.words.json.
"""
import argparse
import json
import re
import subprocess
import tempfile
import time
from pathlib import Path

started = time.perf_counter()

import numpy as np  # noqa: E402


def train_wordrep(a):
    import logging
    logging.basicConfig(level=logging.INFO, format="%(message)s")  # epochs on stderr
    from wordrep.corpora import open_corpus
    from wordrep.representations import build
    corpus = open_corpus(a.corpus)
    corpus.token_ids()
    read = time.perf_counter() - started
    epochs = {"epochs": a.epochs} if a.epochs else {}  # 0: the method's default
    rep = build("glove", corpus, dim=a.dim, window=a.window, min_count=a.min_count,
                x_max=a.x_max, alpha=a.alpha, learning_rate=a.eta, workers=a.workers,
                seed=a.seed, **epochs)
    total = time.perf_counter() - started
    np.save(a.out + ".npy", rep.kv.vectors)
    Path(a.out + ".words.json").write_text(json.dumps(list(rep.vocabulary)))
    timings = {k: v["seconds"] for k, v in rep.metadata["timings"].items()}
    return {"read_s": round(read, 2), **timings, "total_s": round(total, 2),
            "vocab": len(rep.vocabulary), "pairs": rep.metadata["pairs"],
            "cost": rep.metadata["cost"]}


def train_c(a):
    build = Path(a.glove_dir)
    seconds = {}
    with tempfile.TemporaryDirectory(prefix="glove-c-") as tmp:
        tmp = Path(tmp)

        def step(name, argv, stdin, stdout):
            begun = time.perf_counter()
            with open(stdin, "rb") as fin, open(stdout, "wb") as fout:
                done = subprocess.run([str(build / name)] + argv, stdin=fin, stdout=fout,
                                      stderr=subprocess.PIPE, text=True, check=True, cwd=tmp)
            seconds[name + "_s"] = round(time.perf_counter() - begun, 2)
            return done.stderr

        step("vocab_count", ["-min-count", str(a.min_count), "-verbose", "0"], a.corpus,
             tmp / "vocab.txt")
        step("cooccur", ["-memory", "4.0", "-vocab-file", "vocab.txt", "-verbose", "0",
                         "-window-size", str(a.window)], a.corpus, tmp / "cooc.bin")
        pairs = (tmp / "cooc.bin").stat().st_size // 16  # CREC: two ints and a double
        step("shuffle", ["-memory", "4.0", "-verbose", "0", "-seed", str(a.seed)],
             tmp / "cooc.bin", tmp / "shuf.bin")
        argv = ["-save-file", "vectors", "-threads", str(a.workers), "-input-file", "shuf.bin",
                "-x-max", f"{a.x_max:g}", "-alpha", f"{a.alpha:g}", "-eta", f"{a.eta:g}",
                "-iter", str(a.epochs), "-vector-size", str(a.dim), "-binary", "0",
                "-model", "2", "-vocab-file", "vocab.txt", "-verbose", "0", "-seed", str(a.seed)]
        log = step("glove", argv, tmp / "vocab.txt", tmp / "glove.log")
        words, rows = [], []
        with open(tmp / "vectors.txt", encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split(" ")
                if parts[0] != "<unk>":
                    words.append(parts[0])
                    rows.append(np.asarray(parts[1:], dtype=np.float32))
    np.save(a.out + ".npy", np.vstack(rows))
    Path(a.out + ".words.json").write_text(json.dumps(words))
    return {**seconds, "total_s": round(time.perf_counter() - started, 2),
            "vocab": len(words), "pairs": int(pairs),
            # glove.c prints "..., iter: 001, cost: 0.075..." after every iteration
            "cost": [float(m) for m in re.findall(r"iter: \d+, cost: ([0-9.eE+-]+)", log)]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("side", choices=["wordrep", "c"])
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--window", type=int, default=10)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--x-max", type=float, default=10)
    ap.add_argument("--alpha", type=float, default=0.75)
    ap.add_argument("--eta", type=float, default=0.05)
    ap.add_argument("--epochs", type=int, default=15, help="0: wordrep's default")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--glove-dir", help="the C tool's build folder (side c)")
    a = ap.parse_args()
    print(json.dumps(train_wordrep(a) if a.side == "wordrep" else train_c(a)))


if __name__ == "__main__":
    main()
