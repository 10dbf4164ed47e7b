"""Fuzzing the native model reader (wordrep.storage.load of a model folder).

Three real models (dense, sparse one-hot, fastText with subwords) are saved once; each case
damages one file of a copy: deleted, cut short, bytes flipped, its JSON replaced or one key
changed, an array replaced by another shape or type. The load gives a valid model or a
UserError naming the folder.

Not checked: the values of a dense ``vectors.npy``. It is memory-mapped so that a large model
opens at once, and reading every value would undo that; a model saved with NaN or infinite
values is still refused, by its ``norms.npy`` check.
"""
import json
import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fuzzing import examples, mutated, read, scratch
from wordrep.corpora.vocabulary import Vocabulary
from wordrep.representations import build
from wordrep.representations.dense import DenseVectors
from wordrep.storage import load, save

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                    max_leaves=8)
ARRAYS = hnp.arrays(st.sampled_from([np.float32, np.float64, np.float16, np.int32, np.int64,
                                     np.bool_, np.complex64, "<U3"]),
                    hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6))


@pytest.fixture(scope="module")
def saved_models(tmp_path_factory):
    """Model kind -> path of the three models, saved once for the whole module."""
    from gensim.models import FastText
    folder = tmp_path_factory.mktemp("models")
    words = ["cat", "dog", "new york", "naïve", "a\tb"]
    dense = DenseVectors.from_arrays(words, np.arange(15, dtype=np.float32).reshape(5, 3) + 1,
                                     name="dense")
    onehot = build("onehot", Vocabulary.from_counts({w: 9 - i for i, w in enumerate(words)}),
                   min_count=1)
    texts = [["the", "cat", "sat"], ["the", "dog", "ran"]] * 5
    fasttext = DenseVectors(FastText(texts, vector_size=4, min_count=1, bucket=20, epochs=1,
                                     workers=1, seed=1).wv, name="fasttext")
    models = {}
    for name, rep in [("dense", dense), ("sparse", onehot), ("fasttext", fasttext)]:
        save(rep, folder / f"{name}.wr")
        models[name] = folder / f"{name}.wr"
    return models


def check_model(rep):
    words = list(rep.vocabulary)
    assert words and all(isinstance(w, str) for w in words) and len(set(words)) == len(words)
    assert rep.name is None or isinstance(rep.name, str)
    assert rep.metadata is None or isinstance(rep.metadata, dict)
    matrix = rep.kv.vectors if rep.kind == "dense" else rep.matrix
    assert matrix.ndim == 2 and matrix.shape[0] == len(words) and matrix.shape[1] >= 1
    if rep.kind == "dense":
        assert matrix.dtype.kind == "f"
    else:
        assert np.isfinite(rep.matrix.data).all()
        assert rep.matrix.indices.size == 0 or 0 <= rep.matrix.indices.min() <= \
            rep.matrix.indices.max() < matrix.shape[1]


@st.composite
def damage(draw, folder):
    """Damage one file of the model ``folder`` in place; returns what was done."""
    target = draw(st.sampled_from(sorted(p.name for p in folder.iterdir())))
    path = folder / target
    how = draw(st.sampled_from(["delete", "bytes", "json", "key", "array"]))
    if how == "delete":
        path.unlink()
    elif how == "json" and target.endswith(".json"):
        path.write_text(json.dumps(draw(JSON)), encoding="utf-8")
    elif how == "key" and target in ("meta.json", "words.json"):
        value = json.loads(path.read_text(encoding="utf-8"))
        _change_one(value, draw)
        path.write_text(json.dumps(value), encoding="utf-8")
    elif how == "array" and target.endswith(".npy"):
        np.save(path, draw(ARRAYS), allow_pickle=False)
    else:
        how = "bytes"
        path.write_bytes(draw(mutated(path.read_bytes()))[0])
    return f"{how} {target}"


def _change_one(value, draw):
    """Set, add or delete one entry of a JSON list or table (one level down for tables)."""
    if isinstance(value, dict) and value:
        key = draw(st.sampled_from(sorted(value)))
        if isinstance(value[key], (dict, list)) and value[key] and draw(st.booleans()):
            return _change_one(value[key], draw)
        if draw(st.booleans()):
            del value[key]
        else:
            value[key] = draw(JSON)
    elif isinstance(value, list) and value:
        i = draw(st.integers(0, len(value) - 1))
        edit = draw(st.sampled_from(["set", "duplicate", "delete", "append"]))
        if edit == "set":
            value[i] = draw(JSON)
        elif edit == "duplicate":
            value.append(value[i])
        elif edit == "delete":
            del value[i]
        else:
            value.append(draw(JSON))


@settings(max_examples=examples(150))
@given(model=st.sampled_from(["dense", "sparse", "fasttext"]), data=st.data())
def test_damaged_model_folders(saved_models, model, data):
    with scratch() as folder:
        path = folder / "model.wr"
        shutil.copytree(saved_models[model], path)
        what = data.draw(damage(path))
        rep = read(f"models: damaged {model}", path, lambda: load(path))
        if rep is not None:
            check_model(rep)
        if rep is not None and rep.kind == "dense" and what.endswith("norms.npy"):
            rep.similarity([("cat", "dog")])  # norms recomputed or read: either way usable


@pytest.mark.parametrize("model", ["dense", "sparse", "fasttext"])
def test_intact_models_load_as_saved(saved_models, model):
    original = load(saved_models[model])
    with scratch() as folder:
        path = folder / "copy.wr"
        shutil.copytree(saved_models[model], path)
        rep = read(f"models: intact {model}", path, lambda: load(path))
        check_model(rep)
        assert rep.vocabulary == original.vocabulary
        assert rep.similarity([("cat", "dog")]).tolist() == \
            original.similarity([("cat", "dog")]).tolist() or model == "fasttext"
