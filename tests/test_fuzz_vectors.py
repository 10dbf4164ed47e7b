"""Fuzzing the vector-file readers (wordrep.storage.load): word2vec text and binary, GloVe.

Honest files, plain or compressed, must load exactly; files whose header lies (more or fewer
rows or dimensions than they hold, negative or enormous numbers), damaged compressed files,
NaN values, blank lines, words with spaces or tabs, NUL bytes and mixed encodings give valid
vectors or a UserError naming the file. A lying header must never make the reader allocate
what it claims (a 10^12-row header on a small file is refused at once).
"""
import bz2
import gzip
import lzma

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fuzzing import examples, mutated, one_in, plain_words, read, scratch, words
from wordrep.storage import load

COMPRESS = {"": lambda data: data, ".gz": gzip.compress, ".bz2": bz2.compress,
            ".xz": lzma.compress}
SUFFIX = {"word2vec": ".vec", "glove": ".txt", "word2vec-binary": ".bin"}
float32s = st.floats(-1e6, 1e6, width=32)
odd_values = st.sampled_from([float("nan"), float("inf"), -float("inf"), 3e38, 0.0, -0.0])


def check_vectors(rep):
    """Valid vectors: distinct non-empty string words, one finite row of dim >= 1 each."""
    words_ = list(rep.vocabulary)
    assert words_ and all(isinstance(w, str) and w for w in words_)
    assert len(set(words_)) == len(words_)
    vectors = np.asarray(rep.kv.vectors)
    assert vectors.ndim == 2 and vectors.shape[0] == len(words_) and vectors.shape[1] >= 1
    assert np.isfinite(vectors).all()


def encode(fmt, rows, header=None, line_breaks=True):
    """A vector file: ``rows`` of (word, values); ``header`` overrides the true one."""
    dim = len(rows[0][1]) if rows else 0
    top = header if header is not None else f"{len(rows)} {dim}"
    if fmt == "word2vec-binary":
        body = b"".join(w.encode() + b" " + np.asarray(v, np.float32).tobytes()
                        + (b"\n" if line_breaks else b"") for w, v in rows)
        return top.encode() + b"\n" + body
    lines = [f"{w} {' '.join(repr(float(x)) for x in v)}" for w, v in rows]
    if fmt == "word2vec":
        lines.insert(0, top)
    return ("\n".join(lines) + "\n").encode()


@st.composite
def honest_rows(draw, vocabulary=plain_words):
    dim = draw(st.integers(1, 6))
    names = draw(st.lists(vocabulary, min_size=1, max_size=12, unique=True))
    return [(w, draw(st.lists(float32s, min_size=dim, max_size=dim))) for w in names]


@settings(max_examples=examples(90))
@given(fmt=st.sampled_from(sorted(SUFFIX)), rows=honest_rows(),
       compression=st.sampled_from(sorted(COMPRESS)), detect=st.booleans(),
       line_breaks=st.booleans())
@example(fmt="word2vec", rows=[("2", [1.0, 1.0, 1.0]), ("abc", [1.0, 2.0, 3.0])],  # header "2 3"
         compression="", detect=True, line_breaks=True)
def test_honest_files_load_exactly(fmt, rows, compression, detect, line_breaks):
    """Written by hand in each format, plain or compressed: loaded as written (and sniffed
    right when the format is not given: plain words, so a text row parses as text)."""
    with scratch() as folder:
        path = folder / f"v{SUFFIX[fmt]}{compression}"
        path.write_bytes(COMPRESS[compression](encode(fmt, rows, line_breaks=line_breaks)))
        rep = read(f"vectors: honest {fmt}", path,
                   lambda: load(path, format=None if detect else fmt))
        check_vectors(rep)
        assert rep.vocabulary == [w for w, _ in rows]
        np.testing.assert_array_equal(rep.kv.vectors, np.array([v for _, v in rows], np.float32))
        assert rep.metadata["format"] == fmt


@st.composite
def lying_header(draw, rows):
    """A header that is not the truth: off by a little, enormous, negative, or not numbers."""
    n, dim = len(rows), len(rows[0][1])
    how = draw(st.sampled_from(["rows", "dim", "both", "huge", "negative", "text", "extra"]))
    delta = draw(st.integers(-3, 3).filter(bool))
    if how == "rows":
        return f"{max(0, n + delta)} {dim}"
    if how == "dim":
        return f"{n} {max(0, dim + delta)}"
    if how == "both":
        return f"{max(0, n + delta)} {max(0, dim - delta)}"
    if how == "huge":
        return draw(st.sampled_from([f"{10**12} {dim}", f"{n} {10**9}", f"{10**12} 300",
                                     f"{2**63} {2**63}", "3000000000 1"]))
    if how == "negative":
        return draw(st.sampled_from([f"-{n} {dim}", f"{n} -{dim}", "-1 -1"]))
    if how == "text":
        return draw(st.sampled_from(["", "words dims", f"{n}", f"{n} {dim} 1", f"{n}.0 {dim}",
                                     f"0x{n} {dim}", "٣ ٤"]))
    return f"{n} {dim} "  # trailing space: still two numbers


@settings(max_examples=examples(90))
@given(fmt=st.sampled_from(["word2vec", "word2vec-binary"]), rows=honest_rows(), data=st.data(),
       compression=st.sampled_from(sorted(COMPRESS)))
@example(fmt="word2vec-binary", rows=[("cat", [1.0, 2.0])], data=None, compression="")
@example(fmt="word2vec", rows=[("a", [0.0])], data=None, compression="")  # "1 2": one value
def test_lying_headers(fmt, rows, data, compression):
    """Whatever the header claims, the reader refuses it, unless it is the truth after all
    (a trailing space), and never allocates what a huge header claims."""
    header = data.draw(lying_header(rows)) if data else \
        f"{len(rows)} {len(rows[0][1]) + 1}" if fmt == "word2vec" else f"{10**12} 300"
    with scratch() as folder:
        path = folder / f"v{SUFFIX[fmt]}{compression}"
        path.write_bytes(COMPRESS[compression](encode(fmt, rows, header)))
        rep = read(f"vectors: lying {fmt} header", path, lambda: load(path, format=fmt))
        if rep is not None:
            check_vectors(rep)
            assert header.split() == [str(len(rows)), str(len(rows[0][1]))]
            assert rep.vocabulary == [w for w, _ in rows]


@st.composite
def messy_rows(draw):
    """Rows with awkward words (spaces, tabs, empty, duplicates), odd values, ragged lengths."""
    dim = draw(st.integers(1, 5))
    rows = []
    for _ in range(draw(st.integers(1, 10))):
        n = draw(st.integers(0, dim + 2)) if one_in(draw, 6) else dim
        values = draw(st.lists(st.one_of(float32s, odd_values) if one_in(draw, 5)
                               else float32s, min_size=n, max_size=n))
        rows.append((draw(st.one_of(words, plain_words)), values))
    return rows


def messy_encode(fmt, rows, draw):
    """Like ``encode``, with ragged rows, blank lines, CRLF and junk mixed in (text)."""
    dim = max(len(v) for _, v in rows)
    if fmt == "word2vec-binary":
        body = b"".join(w.encode() + b" " + np.asarray(v, np.float32).tobytes() + b"\n"
                        for w, v in rows)
        return f"{len(rows)} {dim}\n".encode() + body
    out = [f"{len(rows)} {dim}"] if fmt == "word2vec" else []
    for w, v in rows:
        sep = draw(st.sampled_from([" "] * 6 + ["\t", "  "]))
        out.append(w + sep + sep.join(repr(float(x)) for x in v))
        if one_in(draw, 10):
            out.append(draw(st.sampled_from(["", " ", "junk", "\x00"])))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    return (end.join(out) + end * draw(st.integers(0, 2))).encode(
        draw(st.sampled_from(["utf-8"] * 5 + ["latin-1"])), errors="replace")


@settings(max_examples=examples(120))
@given(fmt=st.sampled_from(sorted(SUFFIX)), rows=messy_rows(), data=st.data(),
       compression=st.sampled_from(sorted(COMPRESS)), detect=st.booleans())
def test_messy_and_damaged_files(fmt, rows, data, compression, detect):
    raw = COMPRESS[compression](messy_encode(fmt, rows, data.draw))
    damaged, how = data.draw(mutated(raw))
    with scratch() as folder:
        path = folder / f"v{SUFFIX[fmt]}{compression}"
        path.write_bytes(damaged)
        rep = read(f"vectors: messy {fmt}", path,
                   lambda: load(path, format=None if detect else fmt))
        if rep is not None:
            check_vectors(rep)


@settings(max_examples=examples(80))
@given(raw=st.binary(max_size=2048), suffix=st.sampled_from([".vec", ".bin", ".txt", ".gz"]),
       fmt=st.sampled_from([None, "word2vec", "word2vec-binary", "glove", "native"]))
@example(raw=b"2 3\n", suffix=".bin", fmt=None)
@example(raw=b"cat 1 2\n" + b"a\n" * 100, suffix=".txt", fmt="glove")
def test_any_bytes_as_a_vector_file(raw, suffix, fmt):
    with scratch() as folder:
        path = folder / f"v{suffix}"
        path.write_bytes(raw)
        rep = read("vectors: any bytes", path, lambda: load(path, format=fmt))
        if rep is not None:
            check_vectors(rep)
