"""Saving and loading representations: wordrep's native format and the word2vec/GloVe files.

Formats
-------
``native``
    A folder, pickle-free: ``meta.json`` (format and version, kind, name, metadata),
    ``words.json`` (the vocabulary as a JSON list: words may contain spaces) and numpy arrays
    written with ``allow_pickle=False``: ``vectors.npy`` (float32) for dense vectors,
    ``data.npy``, ``indices.npy``, ``indptr.npy`` for sparse CSR rows (the shape is in
    ``meta.json``). fastText vectors also keep their subword model, so that unknown words still
    get a vector: ``ngrams.npy`` (the ``bucket x dim`` n-gram matrix) and ``min_n``, ``max_n``,
    ``bucket`` under ``"subwords"`` in ``meta.json``; a reader that ignores them sees plain
    dense vectors. Dense models also keep ``norms.npy``, the Euclidean norm of every row
    (float32), so that cosine needs no pass over the vectors; a model without it (written
    before it existed) still loads, and its norms are computed on the first query; and
    ``word_order.npy``, the rows in sorted word order, so that words are found by binary search
    (gensim's ``key_to_index`` dict is built only if gensim's own API is used). Dense vectors
    and norms are memory-mapped on load, so a large model opens at once and processes that load
    the same model share its pages.
``word2vec``, ``word2vec-binary``
    The original C tool's text and binary files, read and written through gensim.
``glove``
    GloVe's text files: word2vec text without the header line.
``gensim``
    gensim's own ``.save()`` files (``.kv``, ``.model``). They are pickles, and unpickling runs
    code from the file, so they are read only with ``allow_pickle=True`` and never written.

When writing, the suffix chooses: ``.vec`` and ``.txt`` word2vec text, ``.bin`` word2vec
binary, anything else native. When reading, the file's content is sniffed. A ``format``
argument overrides both. Everything is written to a temporary name and renamed when complete.
A native folder also holds ``checksums.json``, the size and SHA-256 of each of its files. Loading
checks it: the sizes always, and the SHA-256 of each file the first time this process opens it
(its digest is then kept while the file's size, times and inode stay the same; see
:func:`wordrep.cache.sha256_once`). A model saved before ``checksums.json`` existed loads with a
warning. ``wordrep run`` checks the same file before it reuses a model (:mod:`wordrep.cache`).

Vectors with NaN or infinite values are refused in every format, naming their words: no score
can be computed with them.

Examples
--------
>>> import numpy as np, tempfile, os
>>> from wordrep.representations.dense import DenseVectors
>>> rep = DenseVectors.from_arrays(["cat", "dog"], np.eye(2, dtype=np.float32))
>>> folder = tempfile.mkdtemp()
>>> save(rep, os.path.join(folder, "pets.wr"))           # native folder
>>> save(rep, os.path.join(folder, "pets.vec"))          # word2vec text
>>> load(os.path.join(folder, "pets.vec")).vocabulary
['cat', 'dog']
"""
import bz2
import gzip
import json
import logging
import lzma
import re
import tokenize
import zlib
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from . import vector_files
from .version import __version__
from .atomic import atomic_path, check_writable
from .cache import Damaged, NoChecksums, verify as verify_checksums, write_checksums
from .errors import UserError
from .representations.base import check_finite, now_utc
from .representations.sparse import SparseVectors, nonfinite_rows

log = logging.getLogger(__name__)

NATIVE_FORMAT = "wordrep"
NATIVE_VERSION = 1
FORMATS = ("native", "word2vec", "word2vec-binary", "glove", "gensim")
WRITE_FORMATS = ("native", "word2vec", "word2vec-binary", "glove")
SUFFIX_FORMATS = {".vec": "word2vec", ".txt": "word2vec", ".bin": "word2vec-binary"}
PICKLE_SUFFIXES = {".kv", ".model", ".pkl", ".pickle"}
COMPRESSED_SUFFIXES = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
# A sparse model written as word2vec is densified: V * dim numbers in memory (4 bytes each) and
# in the file (about 4 characters each for zeros). Above this many, only native makes sense;
# a one-hot model reaches it at 5,000 words.
MAX_DENSE_CELLS = 25_000_000
# gensim's readers fail in many ways on a damaged file; all of them mean "this file is bad".
# numpy's .npy header parser raises tokenize.TokenError on some damaged headers.
READ_ERRORS = (ValueError, EOFError, TypeError, IndexError, AssertionError, OSError,
               zlib.error, lzma.LZMAError, tokenize.TokenError)
# The files of a native model that load reads: each must be listed in checksums.json when it is
# there. Other files in the folder (a README, a .DS_Store) are not the model's and are left alone.
NATIVE_FILES = ("meta.json", "words.json", "vectors.npy", "norms.npy", "word_order.npy",
                "ngrams.npy", "data.npy", "indices.npy", "indptr.npy")
NATIVE_FIX = "Re-create the model, or save it again from a copy that loads."
NATIVE_NAN_FIX = "Re-create the model without them: no similarity can be computed with them."


# ---- saving --------------------------------------------------------------------------------

def save(rep, path, format=None):
    """Write the vector representation ``rep`` to ``path``, atomically.

    Parameters
    ----------
    rep : VectorRepresentation
        Dense or sparse vectors.
    path : str or Path
        The output; its suffix picks the format unless ``format`` is given.
    format : {"native", "word2vec", "word2vec-binary", "glove"}, optional

    Raises
    ------
    UserError
        An unwritable path, an unknown format, or a sparse model too large for a text format.
    """
    path = check_writable(path)  # before any work: a typo in the path fails at once
    fmt = _write_format(path, format)
    if getattr(rep, "kind", None) not in ("dense", "sparse"):
        raise UserError(f"cannot save {getattr(rep, 'name', rep)!r} to {path}: it has no vectors.",
                        "Only vector representations can be saved.")
    if fmt == "native":
        _save_native(rep, path)
    else:
        _save_word2vec(rep, path, fmt)


def _write_format(path, format):
    if format is not None:
        if format not in WRITE_FORMATS:
            raise UserError(f"cannot write {path} in format {format!r}.",
                            f"Writable formats: {', '.join(WRITE_FORMATS)}.")
        return format
    suffix = path.suffix.lower()
    if suffix in COMPRESSED_SUFFIXES:
        raise UserError(f"cannot write {path}: compressed output is not supported.",
                        "Write a .vec or .bin file and compress it afterwards.")
    if suffix in PICKLE_SUFFIXES:
        raise UserError(f"wordrep does not write gensim's pickled format ({path}).",
                        "Use a .vec or .bin file, or a native model path such as model.wr.")
    return SUFFIX_FORMATS.get(suffix, "native")


def _save_native(rep, path):
    meta = {"format": NATIVE_FORMAT, "format_version": NATIVE_VERSION, "kind": rep.kind,
            "name": rep.name, "metadata": rep.metadata, "saved": now_utc(),
            "wordrep_version": __version__}
    # The representation gives its arrays; the format (one .npy file each) is chosen here.
    arrays = rep.to_arrays()
    if getattr(rep, "subword_settings", None):
        meta["subwords"] = rep.subword_settings
    if rep.kind == "sparse":
        meta["shape"] = list(rep.matrix.shape)
    with atomic_path(path, directory=True) as tmp:
        for name, array in arrays.items():
            np.save(tmp / f"{name}.npy", array, allow_pickle=False)
        _write_json(tmp / "words.json", list(rep.vocabulary))
        # meta.json last: a folder with it is a complete model.
        _write_json(tmp / "meta.json", meta, indent=1)
        # What load (and a run, before it reuses the model) checks the files against.
        write_checksums(tmp)


def _write_json(path, value, indent=None):
    # default=str: parameters such as paths are recorded by their text.
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=indent, default=str)


def _save_word2vec(rep, path, fmt):
    if path.is_dir():
        raise UserError(f"cannot write a {fmt} file to {path}: it is a folder.",
                        "Choose a file name.")
    _check_words_writable(rep, path, fmt)
    kv = _in_index_order(rep, path)
    with atomic_path(path) as tmp:
        kv.save_word2vec_format(str(tmp), binary=fmt == "word2vec-binary",
                                write_header=fmt != "glove")


def _check_words_writable(rep, path, fmt):
    """word2vec files end a word at a space: refuse words that would break a row."""
    # One regex over the joined vocabulary instead of a test per word; \x00 is not whitespace.
    if "" in rep or re.search(r"\s", "\x00".join(rep.vocabulary)):
        bad = next(w for w in rep.vocabulary if not w or re.search(r"\s", w))
        problem = "a word is empty" if not bad else \
            f"the word {bad!r} contains {'a space' if ' ' in bad else 'whitespace'}"
        raise UserError(f"cannot write {path}: {problem}, which a {fmt} file cannot hold (a "
                        "row is the word, a space and the values).",
                        f"Save in the native format, which holds any word: a path without "
                        f".vec/.txt/.bin, e.g. {path.with_suffix('.wr')}.")


def _in_index_order(rep, path):
    """A KeyedVectors for gensim to write, in ``rep``'s own order.

    gensim writes rows sorted by their ``count`` attribute when there is one (and warns when
    there is not): a view whose counts descend with the index keeps the order, quietly.
    """
    from .representations.dense import keyed_vectors

    if rep.kind == "sparse":
        if len(rep) * rep.dim > MAX_DENSE_CELLS:
            raise UserError(
                f"cannot write {path}: {rep.name!r} is sparse, and as a word2vec file it would "
                f"hold {len(rep):,} x {rep.dim:,} numbers (the limit is {MAX_DENSE_CELLS:,}).",
                "Save it in the native format instead (a path without .vec/.txt/.bin).")
        vectors = rep.matrix.toarray().astype(np.float32)
    else:
        vectors = rep.kv.vectors
    view = keyed_vectors(rep.vocabulary, vectors)
    view.expandos = {"count": np.arange(len(rep), 0, -1)}
    return view


# ---- loading -------------------------------------------------------------------------------

def load(path, format=None, allow_pickle=False, verify=True):
    """Read a representation from ``path``.

    Parameters
    ----------
    path : str or Path
        A native model folder, or a word2vec (text or binary), GloVe or gensim file;
        word2vec and GloVe files may be ``.gz``, ``.bz2`` or ``.xz`` compressed.
    format : {"native", "word2vec", "word2vec-binary", "glove", "gensim"}, optional
        Skip detection.
    allow_pickle : bool
        Allow gensim's pickled ``.kv``/``.model`` files. Unpickling runs code stored in the
        file: only for files you trust.
    verify : bool
        For a native model: check the SHA-256 of its files against its ``checksums.json``
        (their sizes are checked either way). The first load of a model in a process reads
        every byte to do so, at SHA-256's speed (0.4-0.9 GB/s): a 200k x 300 model (245 MB)
        opens in 0.69 s instead of 0.13 s, files in the page cache, which the memory map then
        reads from. Later loads of the same unchanged files in that process compare sizes,
        times and inodes only (0.11 s). With ``False`` a large model opens at once, and its
        files are trusted to be as saved.

    Returns
    -------
    DenseVectors or SparseVectors

    Raises
    ------
    UserError
        A missing path, an unknown or damaged file (a native model whose files do not match
        its checksums), vectors with NaN or infinite values, or a pickle without
        ``allow_pickle``.
    """
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path} does not exist.", "Check the path.")
    if not path.is_dir() and not path.is_file():  # a pipe or a device could block or never end
        raise UserError(f"{path} is not a regular file or folder.", "Give a model file or folder.")
    if format is not None and format not in FORMATS:
        raise UserError(f"unknown format {format!r} for {path}.", f"Known: {', '.join(FORMATS)}.")
    fmt = format or detect_format(path)
    if fmt == "native":
        return _load_native(path, verify)
    if fmt == "gensim":
        return _load_pickle(path, allow_pickle)
    return _load_word2vec(path, fmt)


def detect_format(path):
    """The format of an existing ``path``, from its content (and suffix for pickles)."""
    path = Path(path)
    if path.is_dir():
        if (path / "meta.json").is_file():
            return "native"
        raise UserError(f"{path} is a folder but not a wordrep model (it has no meta.json).",
                        "Pass a model folder written by wordrep, or a vector file.")
    head = _read_head(path)
    if head.startswith(b"\x80") or path.suffix.lower() in PICKLE_SUFFIXES:
        return "gensim"  # pickle protocol 2+ starts with 0x80
    first, _, rest = head.partition(b"\n")
    fields = first.split()
    if len(fields) == 2 and all(f.isdigit() for f in fields):
        return "word2vec" if _is_text_row(rest, int(fields[1])) else "word2vec-binary"
    if len(fields) >= 2 and _is_text_row(first, len(fields) - 1):
        return "glove"
    raise UserError(f"{path} is not a file format wordrep knows.",
                    "Expected a wordrep model folder, a word2vec text (.vec/.txt) or binary (.bin) "
                    "file, a GloVe text file, or a gensim .kv/.model file.")


def _read_head(path, size=1 << 16):
    opener = COMPRESSED_SUFFIXES.get(path.suffix.lower(), open)
    try:
        with opener(path, "rb") as f:
            return f.read(size)
    except (OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
        raise UserError(f"cannot read {path}: {exc}.", "Check the file.") from None


def _is_text_row(data, dim):
    """Whether ``data`` starts with a text row ``word x1 ... x_dim``."""
    line = data.partition(b"\n")[0]
    try:
        parts = line.decode("utf-8").split()
        np.array(parts[1:], dtype=np.float64)
    except ValueError:  # UnicodeDecodeError is one
        return False
    return len(parts) == dim + 1


def _load_word2vec(path, fmt):
    from gensim.models import KeyedVectors
    from .representations.dense import DenseVectors

    shape = vector_files.measure(path, fmt)  # before gensim allocates what the header says
    try:
        # limit: GloVe's blank lines at the end are not rows (gensim would count them)
        kv = KeyedVectors.load_word2vec_format(str(path), binary=fmt == "word2vec-binary",
                                               no_header=fmt == "glove", limit=shape.rows)
    except READ_ERRORS as exc:
        raise UserError(f"cannot read {path} as a {fmt} file: {exc}",
                        "The file may be truncated or in another format; pass the right format "
                        "(--format) or re-download it.") from None
    vector_files.drop_unfilled_rows(kv)
    vector_files.check_words(path, kv)
    if fmt == "word2vec-binary":
        vector_files.check_all_read(path, kv, shape)
    else:
        vector_files.check_row_lengths(path, kv, header_lines=int(fmt == "word2vec"))
    _check_finite(kv, path, "Fix or remove those lines; wordrep does not score with them.")
    return DenseVectors(kv, name=_stem(path), metadata={"source": str(path), "format": fmt})


def _check_finite(kv, path, hint):
    """Refuse dense vectors with NaN or infinite values, naming the file and the words (the
    representation would refuse them too, naming only itself). Their norms are computed if
    they are not known, and kept."""
    from .representations.dense import nonfinite_rows, row_norms

    if kv.norms is None:
        kv.norms = row_norms(kv.vectors)
    check_finite(kv.index_to_key, nonfinite_rows(kv.vectors, kv.norms), path, hint)


def _stem(path):
    """The file name without its format suffix (and compression suffix): lee.vec.gz -> lee."""
    stem = path.stem
    return Path(stem).stem if path.suffix.lower() in COMPRESSED_SUFFIXES else stem


def _load_pickle(path, allow_pickle):
    if not allow_pickle:
        raise UserError(
            f"{path} is a gensim pickle: loading it runs code stored in the file.",
            "If you trust where it came from, allow it with --allow-pickle (allow_pickle=True); "
            "otherwise ask for a .vec or .bin file.")
    from gensim.models import KeyedVectors
    from gensim.utils import SaveLoad
    from .representations.dense import DenseVectors

    try:
        obj = SaveLoad.load(str(path))
    except Exception as exc:  # unpickling can raise anything at all
        raise UserError(f"cannot read {path} as a gensim file: {type(exc).__name__}: {exc}",
                        "Check that it was written by gensim's .save().") from None
    kv = getattr(obj, "wv", obj)
    if not isinstance(kv, KeyedVectors):
        raise UserError(f"{path} holds a gensim {type(obj).__name__}, which has no word vectors.",
                        "Pass a KeyedVectors (.kv) or Word2Vec/FastText (.model) file.")
    _check_finite(kv, path, "Fix the model that wrote them; wordrep does not score with them.")
    return DenseVectors(kv, name=_stem(path), metadata={"source": str(path), "format": "gensim"})


def _load_native(path, verify):
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        # Before the checksums: a model from a newer wordrep is said to be one, not damaged.
        _check_native(meta, path)
        _check_checksums(path, verify)
        words = _check_words(json.loads((path / "words.json").read_text(encoding="utf-8")))
        if meta["kind"] == "dense":
            return _load_dense(path, meta, words)
        return _load_sparse(path, meta, words)
    except UserError:
        raise
    except (*READ_ERRORS, KeyError) as exc:  # JSONDecodeError is a ValueError
        raise UserError(f"{path} is a damaged wordrep model: {type(exc).__name__}: {exc}",
                        "Save the model again.") from None


def _check_checksums(path, verify):
    """Refuse a model whose files do not match its ``checksums.json`` (sizes, and SHA-256 with
    ``verify``); warn about one saved without it."""
    try:
        verify_checksums(path, hash=verify, files=NATIVE_FILES)
    except NoChecksums:
        log.warning("Warning: %s has no checksums.json (saved by an older wordrep, or copied "
                    "without it): its files cannot be checked. Load it and save it again to add "
                    "one.", path)
    except Damaged as exc:
        raise UserError(f"{path} is a damaged wordrep model: {exc}.", NATIVE_FIX) from None


def _check_native(meta, path):
    if not isinstance(meta, dict) or meta.get("format") != NATIVE_FORMAT \
            or meta.get("kind") not in ("dense", "sparse"):
        raise UserError(f"{path}/meta.json does not describe a wordrep model.",
                        "Pass a folder written by wordrep.")
    if meta.get("format_version", 0) > NATIVE_VERSION:
        raise UserError(f"{path} was written by a newer wordrep "
                        f"({meta.get('wordrep_version')}, format {meta['format_version']}).",
                        "Upgrade wordrep to read it.")
    if not isinstance(meta.get("name") or "", str) or \
            not isinstance(meta.get("metadata") or {}, dict):
        raise ValueError("meta.json: the name is not a string or the metadata not a table")


def _check_words(words):
    """The vocabulary: a list of distinct strings (duplicates are found with the vectors)."""
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ValueError("words.json does not hold a list of words")
    return words


def _check_vectors(array, name):
    """A 2-D array of floats with at least one column; its values are not read (it is
    memory-mapped: checking them would read the whole file)."""
    if array.ndim != 2 or array.dtype.kind != "f" or array.shape[1] < 1:
        raise ValueError(f"{name} holds a {array.dtype} array of shape {array.shape}, "
                         "not rows of floats")
    return array


def _load_dense(path, meta, words):
    from .representations.dense import DenseVectors, row_norms
    from .representations.dense import nonfinite_rows as dense_nonfinite_rows

    vectors = _check_vectors(np.load(path / "vectors.npy", mmap_mode="r", allow_pickle=False),
                             "vectors.npy")
    arrays = {}
    if (path / "word_order.npy").is_file():  # models saved before it get gensim's dict at once
        arrays["word_order"] = np.load(path / "word_order.npy", allow_pickle=False)
    if "subwords" in meta:
        arrays["ngrams"] = _check_vectors(np.load(path / "ngrams.npy", mmap_mode="r",
                                                  allow_pickle=False), "ngrams.npy")
        arrays["subwords"] = meta["subwords"]
    # From norms.npy, 4 bytes a word (tied to vectors.npy by the checksums); a model saved
    # without it has its norms computed here, reading every vector once.
    norms = _saved_norms(path, vectors)
    if norms is None:
        norms = row_norms(vectors)
    check_finite(words, dense_nonfinite_rows(vectors, norms), path, NATIVE_NAN_FIX)
    if not np.isfinite(norms).all():  # and the rows are: norms.npy is wrong
        raise ValueError("norms.npy holds NaN or infinite norms of finite vectors")
    return DenseVectors.from_arrays(words, vectors, meta.get("name"), meta.get("metadata"),
                                    norms=norms, **arrays)


def _saved_norms(path, vectors):
    """``norms.npy`` memory-mapped, or None for a model saved without it."""
    if not (path / "norms.npy").is_file():
        return None
    norms = np.load(path / "norms.npy", mmap_mode="r", allow_pickle=False)
    # 4 bytes a word: cheap to check, unlike the vectors it stands for. A NaN norm is left to
    # the finite check, which names the word whose vector has NaN values.
    if norms.shape != (len(vectors),) or norms.dtype.kind != "f" or (norms < 0).any():
        raise ValueError(f"norms.npy (shape {norms.shape}, dtype {norms.dtype}) does not hold "
                         f"the {len(vectors)} norms >= 0 of vectors.npy")
    return norms


def _load_sparse(path, meta, words):
    data, indices, indptr = (np.load(path / f"{name}.npy", allow_pickle=False)
                             for name in ("data", "indices", "indptr"))
    rows, columns = (int(n) for n in meta["shape"])
    if data.dtype.kind not in "fiub":
        raise ValueError(f"data.npy holds {data.dtype} values, not numbers")
    if indices.dtype.kind not in "iu" or indptr.dtype.kind not in "iu":
        raise ValueError(f"indices.npy and indptr.npy hold {indices.dtype} and {indptr.dtype} "
                         "values, not whole numbers")
    matrix = sp.csr_array((data, indices, indptr), shape=(rows, columns))
    # full_check: column indices out of range would be read out of bounds later.
    matrix.check_format(full_check=True)
    check_finite(words, nonfinite_rows(matrix), path, NATIVE_NAN_FIX)
    return SparseVectors(words, matrix, name=meta.get("name"), metadata=meta.get("metadata"))
