"""What a build will need, said before it starts: memory, disk and time per stage.

The figures come from the corpus's size (exact once its token ids are cached, else from the
file's size) and from rates measured on a 2-core machine (the constants below, with where
each was measured); they are estimates to decide with (will it fit, will it take an hour or a
day), not promises. ``wordrep train ... --dry-run`` prints them and exits; a build refuses to
start when the free disk is short of what it will write.

Growth laws, each fitted on wiki17m (16.9M tokens) and the 1.7e8-token corpus grown from it
(../shared/tools/grow_corpus.py), which keeps real text's growth:

- words with count >= 5: 67,873 -> 436,359, i.e. about tokens^0.81;
- co-occurring pairs within a window of 5: 28.1M at 16.9M tokens, growing about as
  tokens^0.8 (GloVe's paper finds the same exponent on Wikipedia), and as window^0.71 (45.9M
  within a window of 10: GloVe's counts, issue 16).
"""
import math
import os
import shutil
from dataclasses import dataclass, field

from .budget import format_size
from .errors import UserError

BYTES_PER_TOKEN = 5.9          # wiki17m: 100 MB of plain text, 16.9M tokens
COMPRESSION = {"xz": 4.3, "bz2": 3.6, "gzip": 3.0, None: 1.0}  # wiki17m's ratios, about
READ_TOKENS_PER_S = 1.5e6      # read + tokenize + ids: 1.7e8 tokens in 108 s (issue 14)
COUNT_TOKENS_PER_S = 4.5e6     # window 5 pairs counted: wiki17m's 16.9M tokens in 3.7 s
#                                (subsampled at 1e-5, the count methods' default)
COUNT_ALL_TOKENS_PER_S = 1.8e6  # the same without subsampling (GloVe's counts): wiki17m at
#                                window 10 in 19 s, 18 CPU-s (2 threads, issue 16)
W2V_WORDS_PER_S = 5.2e5        # skip-gram, 2 workers: wiki17m x 5 epochs in 164 s
SVD_SECONDS = 13.2             # krylov, dim 300, wiki17m's 21M PPMI non-zeros ...
SVD_NNZ, SVD_DIM = 21.0e6, 300  # ... scaled linearly in non-zeros and dim
REF_TOKENS, REF_WORDS, REF_PAIRS = 16.9e6, 67_873, 28.1e6
WORDS_EXPONENT, PAIRS_EXPONENT, WINDOW_EXPONENT = 0.81, 0.8, 0.71
PAIR_BYTES = 4 + 4 + 8         # a spilled (row, col, count) triple
CSR_BYTES = 4 + 4              # a stored (col, value) entry of a float32 CSR matrix
COUNT_BYTES_PER_PAIR = 28      # counting in memory: pair arrays, partial sums, the merged CSR
#                                (wiki17m, window 10 harmonic, a budget it never fills: 1.23 GB
#                                peak for 45.9M pairs from an 82 MB base, 26 bytes a pair;
#                                1.6 GB for 28.1M before the counting of eed3f8f)
BASE_MEMORY = 250 << 20        # Python, numpy, scipy and gensim loaded
NUMBA_MEMORY = 60 << 20        # numba and GloVe's compiled loops loaded (55 MB measured)
GLOVE_PAIR_BYTES = 4 + 4 + 4   # a shuffled (row, col, count) triple: int32, int32, float32
GLOVE_PAIRS_PER_S = 1.5e6      # pairs an epoch per worker: wiki17m's 45.9M pairs in 13-16 s
#                                an epoch with 2 workers (load 5; about 14 CPU-s an epoch)
SHUFFLE_PAIRS_PER_S = 2.7e6    # the pairs taken from the counts and shuffled: 45.9M in 17 s


@dataclass
class Stage:
    name: str
    seconds: float
    memory: int       # peak bytes held
    disk: int = 0     # bytes written (cache entries, spills while they last)


@dataclass
class Estimate:
    """The stages of one build, with the corpus figures they rest on."""
    tokens: int
    words: int
    exact: bool                   # tokens and words counted, not estimated from the file size
    stages: list = field(default_factory=list)

    @property
    def seconds(self):
        return sum(s.seconds for s in self.stages)

    @property
    def memory(self):
        return max((s.memory for s in self.stages), default=0)

    @property
    def disk(self):
        return sum(s.disk for s in self.stages)

    def render(self, budget):
        how = "counted" if self.exact else "estimated from the file size"
        lines = [f"corpus: {self.tokens:,} tokens, {self.words:,} words ({how})",
                 f"{'stage':10} {'time':>10} {'memory':>10} {'disk':>10}"]
        lines += [f"{s.name:10} {_duration(s.seconds):>10} {format_size(s.memory):>10} "
                  f"{format_size(s.disk):>10}" for s in self.stages]
        lines.append(f"{'total':10} {_duration(self.seconds):>10} {format_size(self.memory):>10} "
                     f"{format_size(self.disk):>10}")
        lines.append(f"memory budget {format_size(budget)}")
        return "\n".join(lines)

    def summary(self):
        return (f"about {_duration(self.seconds)}, {format_size(self.memory)} of memory and "
                f"{format_size(self.disk)} of disk (corpus: {self.tokens:,} tokens)")


def corpus_size(corpus, min_count=5):
    """(tokens, words with count >= ``min_count``, exact): from the token-id cache when it is
    there (nothing is read), else estimated from the files' sizes."""
    import json
    from .corpora.sources import compression
    from .corpora.vocabulary import Vocabulary
    folder = corpus.cache_folder
    if (folder / "info.json").is_file() and (folder / "vocab.json").is_file():
        tokens = json.loads((folder / "info.json").read_text())["tokens"]
        words = len(Vocabulary.load(folder / "vocab.json").trim(min_count, None))
        return tokens, words, True
    tokens = int(sum(f.stat().st_size * COMPRESSION.get(compression(f), 1.0)
                     for f in corpus.source.files) / BYTES_PER_TOKEN)
    return tokens, int(_words(tokens) * (5 / min_count) ** 0.5), False


def _words(tokens):
    return int(REF_WORDS * (tokens / REF_TOKENS) ** WORDS_EXPONENT)


def pairs(tokens, window):
    """Distinct co-occurring pairs within ``window`` words, by the growth laws."""
    return int(REF_PAIRS * (tokens / REF_TOKENS) ** PAIRS_EXPONENT * (window / 5)
               ** WINDOW_EXPONENT)


def plan(method, tokens, words, exact, params, budget, workers=2):
    """The stages ``method`` will run on a corpus of ``tokens`` tokens and ``words`` words,
    within ``budget`` bytes (counting spills to disk past it)."""
    est = Estimate(tokens, words, exact)
    est.stages.append(Stage("read", 0 if exact else tokens / READ_TOKENS_PER_S,
                            memory=BASE_MEMORY + words * 100, disk=0 if exact else tokens * 4))
    window = int(params.get("window", 5))
    if method in ("ppmi", "svd", "glove"):
        # GloVe counts every token (no subsampling); the others subsample unless told not to
        subsampled = method != "glove" and params.get("subsample", 1e-5) not in (0, None)
        est.stages.append(_counts(tokens, window, budget, subsampled))
    if method in ("ppmi", "svd"):
        nnz = pairs(tokens, window)
        est.stages.append(Stage("ppmi", est.stages[-1].seconds / 4,
                                memory=BASE_MEMORY + 2 * nnz * CSR_BYTES,
                                disk=int(0.75 * nnz) * CSR_BYTES))
    if method == "glove":
        est.stages.append(_glove_train(pairs(tokens, window), words, params, workers))
    if method == "svd":
        dim = int(params.get("dim", 300))
        nnz = 0.75 * pairs(tokens, window)
        columns = max(1024, 4.5 * dim)
        est.stages.append(Stage("svd", SVD_SECONDS * nnz / SVD_NNZ * dim / SVD_DIM,
                                memory=BASE_MEMORY + int(words * columns * 4 + nnz * CSR_BYTES),
                                disk=words * dim * 4))
    if method in ("word2vec", "cbow", "fasttext"):
        epochs, dim = int(params.get("epochs", 5)), int(params.get("dim", 100))
        rate = W2V_WORDS_PER_S * int(params.get("workers", workers)) / 2
        vectors = words * dim * 4 * 2 + (int(params.get("bucket", 0)) * dim * 4)
        est.stages.append(Stage("train", tokens * epochs / rate, memory=BASE_MEMORY + vectors,
                                disk=tokens * 6 + words * dim * 4))
    return est


def _counts(tokens, window, budget, subsampled):
    """Counting: the pairs held in memory up to ``budget``, spilled past it; the CSR cached."""
    nnz = pairs(tokens, window)
    held = min(budget, nnz * COUNT_BYTES_PER_PAIR)
    spilled = nnz * PAIR_BYTES if held < nnz * COUNT_BYTES_PER_PAIR else 0
    rate = COUNT_TOKENS_PER_S if subsampled else COUNT_ALL_TOKENS_PER_S
    return Stage("counts", tokens * window / 5 / rate, memory=BASE_MEMORY + held,
                 disk=spilled + nnz * CSR_BYTES)


def _glove_train(nnz, words, params, workers):
    """GloVe's training (:mod:`.representations.glove`): the ``nnz`` non-zero counts as
    shuffled triples, made while the cached counts are mapped (their pages are read), and the
    parameters: word and context vectors with their biases and AdaGrad's squared gradients,
    float32. Time: the shuffle, then ``epochs`` passes over the pairs on every worker."""
    dim, epochs = int(params.get("dim", 100)), int(params.get("epochs", 50))
    workers = int(params.get("workers") or os.cpu_count() or workers)
    parameters = 4 * words * (dim + 1) * 4
    memory = BASE_MEMORY + NUMBA_MEMORY + nnz * (GLOVE_PAIR_BYTES + CSR_BYTES) + parameters
    seconds = nnz / SHUFFLE_PAIRS_PER_S + nnz * epochs / (GLOVE_PAIRS_PER_S * workers)
    return Stage("train", seconds, memory=memory, disk=words * (dim * 4 + 16))


def check_disk(est, folder):
    """Refuse to start when ``folder``'s file system has less free space than the build will
    write (one clear error, before any work)."""
    free = shutil.disk_usage(folder).free
    if est.disk > free:
        raise UserError(f"the build needs about {format_size(est.disk)} of disk in {folder}, "
                        f"and {format_size(free)} is free.",
                        "Free some space, or point WORDREP_HOME at a larger disk.")


def _duration(seconds):
    if seconds < 90:
        return f"{math.ceil(seconds)} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
