"""Fuzzing the benchmark readers (wordrep.benchmarks.loaders): similarity and analogy files.

Clean files must come back exactly as written; messy ones (comments, headers, blank lines, odd
separators and line endings, bad scores, empty fields, NUL bytes, mixed encodings, words with
spaces and tabs) give a valid dataset or a UserError naming the file and line.
"""
import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fuzzing import SAFE_CHARS, examples, mixed_encoding_bytes, read, scratch, words
from wordrep.benchmarks import load_benchmark, read_analogy, read_similarity

# Words that survive a tab-separated file as they are: no tab or line break, no space at
# either end, not a comment.
clean_words = st.text(SAFE_CHARS, min_size=1, max_size=10).filter(
    lambda w: w == w.strip() and w and not any(c in w for c in "\t\r\n\x00")
    and not w.startswith(("#", "//", "\ufeff")))
# Words that survive a space-separated file: no whitespace at all.
solid_words = clean_words.filter(lambda w: len(w.split()) == 1 and w == w.split()[0]
                                 and not w.startswith(":"))
finite_scores = st.one_of(st.floats(0, 10), st.floats(-1e6, 1e6))
any_scores = st.one_of(
    finite_scores.map(repr), st.integers(-100, 100).map(str),
    st.sampled_from(["nan", "inf", "-inf", "1e400", "7,5", "7.5.1", "", "score", "1_0", "０.５",
                     "0x10", " 3 ", "−2"]))


def check_similarity(data, scale=None):
    assert len(data) == len(data.pairs) == data.scores.size >= 1
    assert all(isinstance(w, str) and w and "\t" not in w and w == w.strip()
               for pair in data.pairs for w in pair)
    assert data.scores.dtype == np.float64 and np.isfinite(data.scores).all()
    low, high = data.scale
    assert low <= data.scores.min() and data.scores.max() <= high
    if scale is not None:
        assert tuple(data.scale) == scale


def check_analogy(data):
    assert len(data) == len(data.questions) == data.sections.size >= 1
    assert all(len(q) == 4 and all(isinstance(w, str) and w.split() == [w] for w in q)
               for q in data.questions)
    assert 0 <= data.sections.min() and data.sections.max() < len(data.section_names)


@settings(max_examples=examples(60))
@given(pairs=st.lists(st.tuples(clean_words, clean_words, finite_scores), min_size=1,
                      max_size=30),
       end=st.sampled_from(["\n", "\r\n", "\r"]), bom=st.booleans())
def test_clean_similarity_files_read_back_exactly(pairs, end, bom):
    text = "".join(f"{a}\t{b}\t{score!r}{end}" for a, b, score in pairs)
    with scratch() as folder:
        path = folder / "pairs.txt"
        path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
        data = read("similarity: clean", path, lambda: read_similarity(path))
        assert data is not None
        check_similarity(data)
        assert data.pairs == [(a, b) for a, b, _ in pairs]
        assert data.scores.tolist() == [score for _, _, score in pairs]


@st.composite
def similarity_text(draw, fields=3):
    """Lines of a similarity file: mostly good pairs (one bad line refuses the whole file),
    with comments, blank lines, headers, junk, odd fields and separators."""
    file_sep = draw(st.sampled_from(["\t", " ", "  ", ",", " \t", ", "]))
    lines = []
    for _ in range(draw(st.integers(0, 20))):
        kind = draw(st.sampled_from(["pair"] * 12 + ["odd pair", "other separator", "comment",
                                                     "blank", "header", "junk", "too many"]))
        sep = draw(st.sampled_from(["\t", " ", ","])) if kind == "other separator" else file_sep
        if kind in ("pair", "other separator"):
            line = sep.join([draw(solid_words) for _ in range(fields - 1)]
                            + [repr(draw(finite_scores))])
        elif kind in ("odd pair", "too many"):
            n = fields - 1 + (kind == "too many")
            line = sep.join([draw(words) for _ in range(n)] + [draw(any_scores)])
        elif kind == "comment":
            line = draw(st.sampled_from(["#", "//", " # "])) + draw(words)
        elif kind == "header":
            line = sep.join(["word1", "word2", "score"])
        elif kind == "junk":
            line = draw(st.text(SAFE_CHARS, max_size=30))
        else:
            line = draw(st.sampled_from(["", " ", "\t", "\x0c"]))
        lines.append(line + draw(st.sampled_from(["\n", "\r\n", "\r", "\u2028", "\x85"])))
    return lines


@settings(max_examples=examples(120))
@given(columns=st.sampled_from([None, None, (0, 1, 3)]), data=st.data(),
       suffix=st.sampled_from([".txt", ".csv", ".tsv"]), scale=st.sampled_from([None, (0.0, 10.0)]))
def test_messy_similarity_files(columns, data, suffix, scale):
    lines = data.draw(similarity_text(4 if columns else 3))
    raw = data.draw(mixed_encoding_bytes(lines))
    with scratch() as folder:
        path = folder / f"pairs{suffix}"
        path.write_bytes(raw)
        got = read("similarity: messy", path,
                   lambda: read_similarity(path, scale=scale, columns=columns))
        if got is not None:
            check_similarity(got, scale)


@settings(max_examples=examples(50))
@given(sections=st.lists(st.tuples(st.one_of(st.none(), clean_words),
                                   st.lists(st.tuples(solid_words, solid_words, solid_words,
                                                      solid_words), min_size=1, max_size=8)),
                         min_size=1, max_size=4),
       end=st.sampled_from(["\n", "\r\n"]))
def test_clean_analogy_files_read_back_exactly(sections, end):
    text = "".join((f": {name}{end}" if name else "")
                   + "".join(" ".join(q) + end for q in questions)
                   for name, questions in sections)
    with scratch() as folder:
        path = folder / "questions.txt"
        path.write_text(text, encoding="utf-8", newline="")
        data = read("analogy: clean", path, lambda: read_analogy(path))
        assert data is not None
        check_analogy(data)
        assert data.questions == [q for _, questions in sections for q in questions]


@st.composite
def analogy_text(draw):
    lines = []
    for _ in range(draw(st.integers(0, 20))):
        kind = draw(st.sampled_from(["question"] * 12 + ["odd question", "section", "comment",
                                                         "blank", "three", "five", "junk"]))
        sep = draw(st.sampled_from([" ", "\t", "  ", "\u3000"]))
        n = {"odd question": 4, "three": 3, "five": 5}.get(kind)
        if kind == "question":
            line = sep.join(draw(solid_words) for _ in range(4))
        elif n:
            line = sep.join(draw(words) for _ in range(n))
        elif kind == "section":
            line = ":" + draw(st.sampled_from(["", " ", " gram1-x", " capital"])) + draw(words)
        elif kind == "comment":
            line = "# " + draw(words)
        elif kind == "junk":
            line = draw(st.text(SAFE_CHARS, max_size=30))
        else:
            line = ""
        lines.append(line + draw(st.sampled_from(["\n", "\r\n", "\r"])))
    return lines


@settings(max_examples=examples(100))
@given(lines=analogy_text(), data=st.data())
def test_messy_analogy_files(lines, data):
    raw = data.draw(mixed_encoding_bytes(lines))
    with scratch() as folder:
        path = folder / "questions.txt"
        path.write_bytes(raw)
        got = read("analogy: messy", path, lambda: read_analogy(path))
        if got is not None:
            check_analogy(got)


@settings(max_examples=examples(80))
@given(raw=st.binary(max_size=2048))
@example(raw=b"cat dog 5\n" * 1000 + b"\x00")
@example(raw=b": s\na b c d\n")
def test_any_bytes_as_a_benchmark_file(raw):
    """``load_benchmark(path)`` sniffs the kind, then reads: any bytes end in a dataset or a
    UserError naming the file."""
    with scratch() as folder:
        path = folder / "bench.txt"
        path.write_bytes(raw)
        got = read("benchmark: any bytes", path, lambda: load_benchmark(str(path)))
        if got is not None:
            (check_analogy if got.kind == "analogy" else check_similarity)(got)
