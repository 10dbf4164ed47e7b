"""word2vec (skip-gram, CBOW) and fastText, trained by gensim.

Training goes through gensim's ``corpus_file`` path: the corpus is written once as a
whitespace-token file (cached under its fingerprint) and gensim's compiled readers stream it
on every worker thread, which avoids the Python iterator that otherwise caps training speed
and lets it scale with cores.

The text is written from the cached token ids a chunk at a time (never the whole memory map,
whose pages would count in the process's memory: see :meth:`TokenIds.chunks`), with the order
in which words first occur. gensim's vocabulary is then built from wordrep's counts of the
words of count >= min_count, in that order (:func:`_gensim_vocabulary`), not by gensim's scan
of the text: the same words, counts and order (so the same vectors), without a Python pass over
the text and without the rare types (most of a large corpus's) in a dictionary. When the
vectors of those words would not fit the memory budget (:mod:`wordrep.budget`, by gensim's
``estimate_memory``), ``max_final_vocab`` keeps the most frequent that do, with a warning.

Parameters keep word2vec's names and defaults (window 5, negative 5, sample 1e-3, 5 epochs,
alpha 0.025 for skip-gram and 0.05 for CBOW as in the original tool).

The training text's layout
--------------------------
gensim's corpus_file reader (``word2vec_corpusfile.pyx`` and ``fasttext_corpusfile.pyx``,
gensim 4.x; its issue 2880) drops words silently unless the file is laid out for it:

- ``CythonLineSentence.next_batch`` reads whole lines while the batch holds at most
  ``M = MAX_WORDS_IN_BATCH`` (10,000) words, so every batch but the last of a worker ends
  with the line that takes it past M, and keeps that line: a batch holds more than M words.
- ``prepare_c_structures_for_batch`` stops filling a batch once ``M`` words are kept (in the
  vocabulary, not subsampled away): the rest of that line, and the lines after it, are never
  trained, yet the line's words count as trained.

So short lines alone cannot make it safe: with sample=0 and every word in the vocabulary, a
batch of more than M words always loses some. Words that are not in the vocabulary cost
nothing, so the file carries *filler* lines of a token gensim never puts in its vocabulary:
after at most ``M - 1`` corpus tokens (a *group* of lines, each at most ``MAX_LINE`` tokens)
comes a filler line of ``longest + 1`` fillers, ``longest`` the longest line of the file.
Any batch then holds at most ``M - 1`` corpus tokens: the lines before its last one hold at
most M words; if the last is a filler, they are all the corpus tokens; if a whole filler line
is among them, corpus tokens are at most ``M - (longest + 1) + longest``; if neither, its
corpus tokens come from one group (this holds too for a worker that starts mid-line). No batch
reaches M kept words, so nothing is cut and every line is counted.

The filler is ``"\\x1f"`` (unit separator): C++'s reader takes it for a word, Python's
``str.split`` (gensim's vocabulary scan, every wordrep tokenizer) for whitespace, so it is in
no corpus and no vocabulary (a ``trim_rule`` makes sure). gensim is told the file's own word
and line counts, fillers included, for its learning-rate schedule and its stop rule. The
fillers add about ``MAX_LINE / M`` (11% on a one-line corpus) words to read and nothing to
train: no measurable time against gensim on the same lines of 1,000 without fillers (3M tokens
of wiki17m, 2 epochs, 3 alternating pairs: medians 76.4 s and 75.6 s on a loaded machine).

gensim's trained counts are checked after training (:func:`_check_counts`): fewer raw words
than the file holds mean words were skipped. Several workers start at byte offsets
(``size / workers * k``) and stop after ``words / workers``; a gap between two workers is
gensim's and shows in that check.
"""
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import budget, cache
from ..corpora.vocabulary import check_min_count, nonempty_vocabulary
from ..errors import UserError
from ..home import cache_dir
from ..params import Bool, Float, Int
from .methods import representations

log = logging.getLogger(__name__)
MAX_LINE = 1_000  # corpus tokens per line at most (longer lines are cut into pieces)
FILLER = "\x1f"   # a word to gensim's C++ reader, whitespace to Python (see above)
LAYOUT = 3        # version of the training text's layout, part of its cache key
# (1: lines of 10,000 tokens, which lost words; 2: the same text as 3, without first_seen.npy)
CHUNK = 1 << 22   # token ids turned into text at a time (16 MB of ids, about 30 MB of text)


@dataclass(frozen=True)
class TrainingText:
    """The training text gensim reads, with the counts its reader will find in it."""
    path: Path
    tokens: int  # corpus tokens
    words: int   # words gensim's reader counts: corpus tokens and fillers
    lines: int   # lines, filler lines included
    first_seen: Path | None = None  # word ids in order of first occurrence (.npy)


def corpus_file(corpus):
    """The corpus as whitespace-separated tokens, one sentence a line, with filler lines (see
    the module's notes): a :class:`TrainingText`, written once and cached; checked against
    its checksums on every read (see :mod:`wordrep.cache`)."""
    from gensim.models.word2vec_inner import MAX_WORDS_IN_BATCH
    key = f"{corpus.fingerprint}-layout{LAYOUT}-batch{MAX_WORDS_IN_BATCH}"
    return cache.cached(cache_dir("text") / key, load=_load_text,
                        build=lambda folder: _write_corpus(corpus, folder, MAX_WORDS_IN_BATCH),
                        what=f"training text of {corpus.name}")


def _load_text(folder):
    counts = json.loads((folder / "layout.json").read_text(encoding="utf-8"))
    return TrainingText(folder / "corpus.txt", counts["tokens"], counts["words"],
                        counts["lines"], folder / "first_seen.npy")


def _groups(lengths, max_batch):
    """The group of each line (groups of at most ``max_batch - 1`` tokens) and the fillers a
    filler line needs (``longest + 1``): lines starting in the same ``max_batch - longest``
    tokens make a group, so a group ends at most ``longest - 1`` tokens after that span."""
    longest = int(lengths.max(initial=0))
    assert longest < max_batch // 2, "lines must be much shorter than gensim's batches"
    starts = np.cumsum(lengths) - lengths
    return starts // (max_batch - longest), longest + 1


def _write_corpus(corpus, folder, max_batch):
    """Write the training text chunk by chunk from the token ids (see :func:`_text_chunks`),
    its counts, and the order in which the words first appear (gensim's order for words of
    equal count: see :func:`_gensim_vocabulary`)."""
    arrays = corpus.token_ids()
    starts, ends = arrays.sentences(MAX_LINE)
    group, fill = _groups(ends - starts, max_batch)
    filler_after = np.append(group[1:] != group[:-1], False)  # a filler line ends a group
    first_seen = _FirstSeen(len(arrays.vocabulary))
    with open(folder / "corpus.txt", "w", encoding="utf-8") as out:
        for text in _text_chunks(arrays, starts, ends, filler_after, fill, first_seen):
            out.write(text)
    np.save(folder / "first_seen.npy", first_seen.order(), allow_pickle=False)
    fillers = int(filler_after.sum())
    tokens = int((ends - starts).sum())
    counts = {"tokens": tokens, "words": tokens + fillers * fill,
              "lines": int(starts.size) + fillers, "max_batch": max_batch,
              "max_line": MAX_LINE, "fillers_per_line": fill}
    (folder / "layout.json").write_text(json.dumps(counts, indent=1), encoding="utf-8")


def _text_chunks(arrays, starts, ends, filler_after, fill, first_seen):
    """The training text, one string per chunk of ``CHUNK`` token ids read from disk
    (:meth:`TokenIds.chunks`: never the whole memory map, whose pages would stay resident).

    Each chunk's words are looked up at once (numpy indexing of an object array) and joined
    line by line; the tokens of a line that runs past the chunk wait for the next one.
    """
    words = np.array(arrays.vocabulary.words, dtype=object)
    filler_line = " ".join([FILLER] * fill)
    carry = np.empty(0, dtype=np.int32)  # tokens of lines not yet complete
    line = 0
    for start, ids in arrays.chunks(CHUNK):
        first_seen.add(start, ids)
        base = start - carry.size  # the corpus offset of pending[0]
        pending = np.concatenate((carry, ids)) if carry.size else ids
        done = int(np.searchsorted(ends, start + ids.size, side="right"))
        if done == line:
            carry = pending
            continue
        bounds = zip((starts[line:done] - base).tolist(), (ends[line:done] - base).tolist(),
                     filler_after[line:done].tolist())
        pieces = []
        for a, b, filler in bounds:
            # a line's words at a time: twice as fast as the chunk's at once (cache-sized)
            pieces.append(" ".join(words[pending[a:b]].tolist()))
            if filler:
                pieces.append(filler_line)
        pieces.append("")  # every line ends with a line break
        yield "\n".join(pieces)
        carry, line = pending[int(ends[done - 1]) - base:], done


class _FirstSeen:
    """The position at which each word id first occurs, gathered chunk by chunk."""

    def __init__(self, n_words):
        self.first = np.full(n_words, np.iinfo(np.int64).max, dtype=np.int64)

    def add(self, start, ids, piece=1 << 16):
        # only the occurrences of words not seen before are sorted, in pieces: after the
        # first few pieces, a few per piece
        for offset in range(0, ids.size, piece):
            part = ids[offset:offset + piece]
            new = np.flatnonzero(self.first[part] == np.iinfo(np.int64).max)
            seen, index = np.unique(part[new], return_index=True)
            self.first[seen] = start + offset + new[index]

    def order(self):
        """Word ids in order of first occurrence (words never seen last)."""
        return np.argsort(self.first, kind="stable").astype(np.int32)


def _check(dim, window, min_count, negative, hs, sample, epochs, alpha, workers):
    checks = [
        (isinstance(dim, int) and dim >= 1, f"dim must be a whole number >= 1, got {dim!r}."),
        (isinstance(window, int) and window >= 1, f"window must be >= 1, got {window!r}."),
        (isinstance(negative, int) and negative >= 0,
         f"negative (noise words per example) must be >= 0, got {negative!r}."),
        (negative > 0 or hs, "negative is 0 and hs is off: nothing would be trained."),
        (sample >= 0, f"sample (subsampling threshold) must be >= 0, got {sample!r}."),
        (isinstance(epochs, int) and epochs >= 1, f"epochs must be >= 1, got {epochs!r}."),
        (alpha is None or alpha > 0, f"alpha (learning rate) must be > 0, got {alpha!r}."),
        (isinstance(workers, int) and workers >= 1, f"workers must be >= 1, got {workers!r}."),
    ]
    check_min_count(min_count)
    for ok, message in checks:
        if not ok:
            raise UserError(message, "See `wordrep train word2vec --help` for the ranges.")


def _drop_filler(word, count, min_count):
    """gensim ``trim_rule``: the filler is never a vocabulary word (Python's split already
    skips it; this keeps it so if gensim ever scans with its C++ reader)."""
    from gensim.utils import RULE_DEFAULT, RULE_DISCARD
    return RULE_DISCARD if word == FILLER else RULE_DEFAULT


def expected_effective_words(wv, sample):
    """Words per epoch that gensim should train: every occurrence of a vocabulary word times
    the probability that subsampling keeps it (gensim's ``sample_int / 2**32``)."""
    counts = np.asarray(wv.expandos["count"], dtype=np.float64)
    if not sample:
        return float(counts.sum())
    keep = np.minimum(np.asarray(wv.expandos["sample_int"], dtype=np.float64) / 2**32, 1.0)
    return float(counts @ keep)


def _check_counts(name, text, epochs, raw, trained, expected):
    """Warn when gensim read fewer words than the training text holds (it skipped some).

    Returns the figures, for the model's metadata."""
    figures = {"raw_words": int(raw), "file_words": text.words * epochs,
               "trained_words": int(trained), "expected_trained_words": round(expected * epochs),
               "trained_fraction": round(trained / max(expected * epochs, 1), 4)}
    if raw < text.words * epochs:
        log.warning("%s: gensim read %s of the %s words of its training text (%.2f%%): "
                    "it skipped some", name, f"{raw:,}", f"{text.words * epochs:,}",
                    100 * raw / (text.words * epochs))
    log.info("%s: gensim trained %s words, %.2f%% of the %s that subsampling should keep",
             name, f"{trained:,}", 100 * figures["trained_fraction"],
             f"{figures['expected_trained_words']:,}")
    return figures


def _gensim_vocabulary(vocabulary, text, min_count):
    """The words of count >= ``min_count`` and their counts, as gensim's scan of the training
    text would find them, in the order it would (first occurrence: gensim breaks ties of
    count by it, so the same order gives the same vectors), without the scan (a Python pass
    over the text) and without the rarer words (most of a large corpus's types)."""
    kept = int(np.count_nonzero(vocabulary.counts >= min_count))
    order = np.load(text.first_seen, allow_pickle=False)
    order = order[order < kept].tolist()  # ids are in count order: the kept are the first
    words = vocabulary.words
    return dict(zip([words[i] for i in order], vocabulary.counts[order].tolist()))


def _words_that_fit(model, name):
    """How many words' vectors gensim can hold within the memory budget, by gensim's own
    estimate (:meth:`Word2Vec.estimate_memory`: about 500 bytes of vocabulary entry and two
    float32 vectors a word), after what this process holds already and what gensim holds
    whatever the vocabulary (fastText's n-gram buckets)."""
    from gensim.models import FastText, Word2Vec
    fixed = model.estimate_memory(vocab_size=0)["total"]  # an empty vocabulary: fastText's buckets
    per_word = Word2Vec.estimate_memory(model, vocab_size=1)["total"]
    if isinstance(model, FastText):
        # its second vector per word (vectors_vocab) and the word's n-gram hashes (~25)
        per_word += 4 * model.vector_size + 200
    room = budget.current() - budget.resident() - fixed
    if room < per_word:
        raise UserError(f"{name}: the memory budget ({budget.format_size(budget.current())}) "
                        f"cannot hold gensim's model ({budget.format_size(fixed)} before any "
                        "word, beside the "
                        f"{budget.format_size(budget.resident())} this process holds).",
                        "Give a larger --memory" + (" or a smaller --bucket."
                                                     if isinstance(model, FastText) else "."))
    return room // per_word


def _build_vocabulary(model, corpus, text, name):
    """gensim's vocabulary from wordrep's counts (see :func:`_gensim_vocabulary`), capped
    (``max_final_vocab``, which raises the effective min_count) at the words that fit the
    memory budget, with a warning saying how many were kept."""
    counts = _gensim_vocabulary(corpus.token_ids().vocabulary, text, model.min_count)
    fits = _words_that_fit(model, name)
    if fits < len(counts):
        model.max_final_vocab = int(fits)
    model.build_vocab_from_freq(counts, corpus_count=text.lines, trim_rule=_drop_filler)
    model.corpus_total_words = text.tokens  # as its scan counts (fillers are whitespace)
    if fits < len(counts):
        log.warning("%s: the memory budget (%s) holds about %s words' vectors: kept the %s "
                    "most frequent of the %s with count >= %d (count >= %d)", name,
                    budget.format_size(budget.current()), f"{fits:,}", f"{len(model.wv):,}",
                    f"{len(counts):,}", model.min_count, model.effective_min_count)


def train(model_class, corpus, name, echo_progress=True, **params):
    """Train a gensim model on ``corpus`` through corpus_file; return DenseVectors."""
    nonempty_vocabulary(corpus, params["min_count"])
    text = corpus_file(corpus)
    gensim_log = logging.getLogger("gensim.models")
    level = gensim_log.level
    if echo_progress and logging.getLogger().isEnabledFor(logging.INFO):
        gensim_log.setLevel(logging.INFO)  # gensim's "EPOCH n - PROGRESS: at x%" lines
    started = time.perf_counter()
    try:
        # what gensim's constructor does with corpus_file, but with the file's own counts
        # (fillers included) and gensim's trained counts kept
        model = model_class(**params)
        _build_vocabulary(model, corpus, text, name)
        trained, raw = model.train(corpus_file=str(text.path), total_examples=text.lines,
                                   total_words=text.words, epochs=model.epochs,
                                   start_alpha=model.alpha, end_alpha=model.min_alpha)
    finally:
        gensim_log.setLevel(level)
    seconds = time.perf_counter() - started
    counts = _check_counts(name, text, params["epochs"], raw, trained,
                           expected_effective_words(model.wv, params["sample"]))
    from .dense import DenseVectors
    speed = text.tokens * params["epochs"] / seconds
    log.info("%s: trained on %s tokens x %d epochs in %.1f s: %.0f words/s",
             name, f"{text.tokens:,}", params["epochs"], seconds, speed)
    return DenseVectors(model.wv, name=name,
                        metadata={"timings": {"train": {"seconds": round(seconds, 3)}},
                                  "words_per_second": round(speed), "gensim_counts": counts})


def _word2vec(corpus, sg, dim, window, min_count, negative, hs, sample, epochs, alpha,
              workers, seed, name):
    from gensim.models import Word2Vec
    _check(dim, window, min_count, negative, hs, sample, epochs, alpha, workers)
    return train(Word2Vec, corpus, name, sg=int(sg), vector_size=dim, window=window,
                 min_count=min_count, negative=negative, hs=int(hs), sample=sample,
                 epochs=epochs, alpha=alpha if alpha else (0.025 if sg else 0.05),
                 workers=workers, seed=seed)


# word2vec's parameters, declared once for the three builders.
NEURAL_PARAMS = {
    "dim": Int(low=1), "window": Int(low=1), "min_count": Int(low=1), "negative": Int(low=0),
    "hs": Bool(), "sample": Float(low=0), "epochs": Int(low=1),
    "alpha": Float(low=0, open_low=True, optional=True), "workers": Int(low=1),
    "seed": Int(low=0)}


_PARAMS_DOC = """
    Parameters
    ----------
    corpus : Corpus
        What to train on.
    dim : int
        Number of dimensions.
    window : int
        Maximum distance between a word and its context (word2vec shrinks it at random).
    min_count : int
        Words seen fewer times are ignored.
    negative : int
        Noise words per example for negative sampling (0: none).
    hs : bool
        Use hierarchical softmax.
    sample : float
        Subsampling threshold for frequent words (0: off).
    epochs : int
        Passes over the corpus.
    alpha : float
        Initial learning rate (default 0.025 for skip-gram, 0.05 for CBOW).
    workers : int
        Training threads.
    seed : int
        Random seed (results repeat exactly only with workers=1).
"""


@representations.register("word2vec", family="distributional", corpus=True, params=NEURAL_PARAMS)
def build_word2vec(corpus, dim: int = 100, window: int = 5, min_count: int = 5,
                   negative: int = 5, hs: bool = False, sample: float = 1e-3, epochs: int = 5,
                   alpha: float | None = None, workers: int = 2, seed: int = 1):
    return _word2vec(corpus, True, dim, window, min_count, negative, hs, sample, epochs,
                     alpha, workers, seed, "word2vec")


@representations.register("cbow", family="distributional", corpus=True, params=NEURAL_PARAMS)
def build_cbow(corpus, dim: int = 100, window: int = 5, min_count: int = 5, negative: int = 5,
               hs: bool = False, sample: float = 1e-3, epochs: int = 5,
               alpha: float | None = None, workers: int = 2, seed: int = 1):
    return _word2vec(corpus, False, dim, window, min_count, negative, hs, sample, epochs,
                     alpha, workers, seed, "cbow")


@representations.register("fasttext", family="distributional", corpus=True, params={
    **NEURAL_PARAMS, "min_n": Int(low=1), "max_n": Int(low=1), "bucket": Int(low=1)})
def build_fasttext(corpus, dim: int = 100, window: int = 5, min_count: int = 5,
                   negative: int = 5, hs: bool = False, sample: float = 1e-3, epochs: int = 5,
                   alpha: float | None = None, workers: int = 2, seed: int = 1,
                   min_n: int = 3, max_n: int = 6, bucket: int = 2_000_000):
    from gensim.models import FastText
    _check(dim, window, min_count, negative, hs, sample, epochs, alpha, workers)
    if not 1 <= min_n <= max_n:
        raise UserError(f"character n-grams need 1 <= min_n <= max_n, got {min_n}, {max_n}.",
                        "Use --min-n 3 --max-n 6 (fastText's defaults).")
    return train(FastText, corpus, "fasttext", sg=1, vector_size=dim, window=window,
                 min_count=min_count, negative=negative, hs=int(hs), sample=sample,
                 epochs=epochs, alpha=alpha or 0.025, workers=workers, seed=seed,
                 min_n=min_n, max_n=max_n, bucket=bucket)


build_word2vec.__doc__ = ("Skip-gram word2vec (Mikolov et al. 2013), trained by gensim.\n"
                          + _PARAMS_DOC)
build_cbow.__doc__ = "CBOW word2vec (Mikolov et al. 2013), trained by gensim.\n" + _PARAMS_DOC
build_fasttext.__doc__ = ("fastText skip-gram with character n-grams (Bojanowski et al. 2017), "
                          "trained by gensim.\n" + _PARAMS_DOC + """    min_n : int
        Shortest character n-gram.
    max_n : int
        Longest character n-gram.
    bucket : int
        Hash buckets for n-gram vectors.
""")
