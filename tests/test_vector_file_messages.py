"""Vector files that gensim misreads get one clear error naming the file, the line and what is
wrong (a byte-order mark, tabs, a word with a space), instead of "could not broadcast"; and a
model whose words a word2vec file cannot hold says which word, and what to save it as."""
import numpy as np
import pytest
from click.testing import CliRunner

import wordrep
from wordrep import vector_files
from wordrep.cli import main
from wordrep.errors import UserError

BOM = b"\xef\xbb\xbf"
ROWS = b"king 0.1 0.2 0.3\nqueen 0.2 0.3 0.5\nman 0.9 0.1 0.1\n"
HEADER = b"3 3\n"


def error_line(path, *words):
    """The one line ``wordrep similar`` prints for ``path`` (exit 2, nothing on stdout)."""
    result = CliRunner().invoke(main, ["similar", str(path), *(words or ["king"])])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("name, content", [
    ("bom.vec", BOM + HEADER + ROWS),   # read as GloVe before: "could not broadcast"
    ("bom.txt", BOM + ROWS),            # a GloVe file: the first word was '\ufeffking'
])
def test_a_byte_order_mark_is_named(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    line = error_line(path)
    assert f"{path}, line 1:" in line and "byte-order mark (BOM)" in line
    assert "could not broadcast" not in line


@pytest.mark.parametrize("name, content, line_number", [
    ("tabs.vec", HEADER + ROWS.replace(b" ", b"\t"), 2),
    ("one-tab.vec", HEADER + ROWS.replace(b"0.2 0.3 0.5", b"0.2\t0.3 0.5"), 3),
    ("tabs.txt", ROWS.replace(b" ", b"\t"), 1),
    ("later.txt", ROWS + b"woman\t0.8 0.2 0.2\n", 4),
])
def test_tab_separators_are_named_with_their_line(tmp_path, name, content, line_number):
    path = tmp_path / name
    path.write_bytes(content)
    line = error_line(path)
    assert f"{path}, line {line_number}: a tab separates values" in line
    assert "could not broadcast" not in line and "could not convert" not in line


def test_a_tab_across_two_blocks_is_found(tmp_path, monkeypatch):
    monkeypatch.setattr(vector_files, "BLOCK", 7)  # so that blocks end inside rows
    rows = ROWS.replace(b"queen 0.2", b"queen\t0.2")
    for pad in range(vector_files.BLOCK):  # the tab at each place in a block, the end included
        path = tmp_path / f"pad{pad}.vec"
        path.write_bytes(b"4 3\nw" + b"x" * pad + b" 0.5 0.5 0.5\n" + rows)
        with pytest.raises(UserError, match=r", line 4: a tab separates values"):
            vector_files.measure(path, "word2vec")


def test_tabs_that_end_a_line_are_harmless(tmp_path):
    path = tmp_path / "trailing.vec"
    path.write_bytes(HEADER + ROWS.replace(b"\n", b"\t\n"))
    rep = wordrep.load(path)
    assert rep.vocabulary == ["king", "queen", "man"]
    assert np.allclose(rep.vectors(["queen"]), [[0.2, 0.3, 0.5]])


def test_a_text_file_whose_first_word_has_a_space(tmp_path):
    # Detected as word2vec-binary (its first row has too many fields): the binary reader used
    # to report "row 2 has an empty word".
    path = tmp_path / "spaced.vec"
    path.write_bytes(b"2 3\nnew york 0.1 0.2 0.3\nparis 0.2 0.3 0.4\n")
    line = error_line(path, "paris")
    assert f"{path}, line 2: the word 'new york' contains a space" in line
    assert "empty word" not in line


@pytest.mark.parametrize("suffix, fmt", [(".bin", "word2vec-binary"), (".vec", "word2vec")])
def test_saving_a_word_with_a_space_names_it_and_the_native_format(tmp_path, suffix, fmt):
    from gensim.models import KeyedVectors

    from wordrep.representations.dense import DenseVectors
    kv = KeyedVectors(3)
    kv.add_vectors(["paris", "new york"], np.ones((2, 3), np.float32))
    path = tmp_path / f"cities{suffix}"
    with pytest.raises(UserError) as caught:
        wordrep.save(DenseVectors(kv, name="cities"), path)
    message = caught.value.format()
    assert "the word 'new york' contains a space" in message and f"a {fmt} file" in message
    assert "the native format" in message and str(tmp_path / "cities.wr") in message
    assert not path.exists()
