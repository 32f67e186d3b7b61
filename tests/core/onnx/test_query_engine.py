"""Which engine answers queries: a verified ONNX cache, never a damaged or stale one, torch
where ONNX Runtime cannot answer, and a status line saying which and why."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from core.errors import ModelError
from core.model.encoder import Encoder
from core.onnx.cache import MODEL_FILE, entry_folder, recorded_failure
from core.onnx.engine import ENGINE_ENV, QueryEngine

QUERY = "how do i bake bread"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("PONDER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv(ENGINE_ENV, "auto")
    return tmp_path / "cache"


@pytest.fixture
def model(tmp_path: Path, tiny_model: Path) -> Path:
    """A copy of the tiny model that a test may change."""
    return Path(shutil.copytree(tiny_model, tmp_path / "model"))


class Torch:
    """The torch encoder an engine falls back to, counting its loads."""

    def __init__(self, folder: Path, precision: str = "fp32") -> None:
        self.folder = folder
        self.precision = precision
        self.loads = 0
        self._encoder: Encoder | None = None

    def __call__(self) -> Encoder:
        if self._encoder is None:
            self.loads += 1
            self._encoder = Encoder(self.folder, precision=self.precision)
        return self._encoder


def _engine(folder: Path) -> tuple[QueryEngine, Torch]:
    torch_side = Torch(folder)
    return QueryEngine(str(folder), "mean", "fp32", torch_side), torch_side


def _prepared(folder: Path) -> Path:
    """Export the model's entry, as a search does after its answer; the entry's folder."""
    engine, _ = _engine(folder)
    engine.prepare()
    assert engine.ready
    onnx = engine.load()
    assert onnx is not None
    return onnx.folder


def test_torch_answers_until_the_model_is_made_then_onnx_without_torch(
    cache: Path, model: Path
) -> None:
    engine, torch_side = _engine(model)
    assert "no ONNX model yet" in engine.describe()
    first = engine.encode([QUERY])
    assert torch_side.loads == 1 and not engine.ready
    engine.prepare()
    assert engine.ready and engine.describe().startswith("ONNX Runtime (cached in ")
    later, torch_later = _engine(model)  # the next process
    again = later.encode([QUERY])
    assert later.ready and torch_later.loads == 0
    assert float(first[0] @ again[0]) >= 0.9999


def test_a_bf16_library_answers_with_the_fp32_onnx_model_and_says_so(
    cache: Path, model: Path
) -> None:
    precision = "bf16"
    torch_side = Torch(model, precision)
    engine = QueryEngine(str(model), "mean", precision, torch_side)
    assert "no ONNX model yet" in engine.describe()
    engine.prepare()  # made from the model in fp32: the library's own is not exported
    onnx = engine.load()
    assert engine.ready and onnx is not None and onnx.precision == "fp32"
    assert engine.describe() == (
        f"ONNX Runtime (cached in {onnx.folder}; queries in fp32 against {precision} documents)"
    )
    later, torch_later = _engine(model)  # an fp32 library of the same model shares the entry
    assert later.load() is not None and later.load().folder == onnx.folder
    vector = engine.encode([QUERY])
    assert torch_side.loads == 0 and torch_later.loads == 0
    assert float(vector[0] @ Encoder(model).encode([QUERY])[0]) >= 0.9999


def test_an_int8_library_answers_with_torch_and_says_why(cache: Path, model: Path) -> None:
    _prepared(model)  # an fp32 library's ONNX model exists, and is not used for int8 documents
    torch_side = Torch(model, "int8")
    engine = QueryEngine(str(model), "mean", "int8", torch_side)
    engine.prepare()
    assert not engine.ready and torch_side.loads == 0
    assert engine.describe() == (
        "torch (fp32 queries find an int8 library's documents less well than its own)"
    )
    engine.encode([QUERY])
    assert torch_side.loads == 1


@pytest.mark.parametrize("damage", ["truncated", "weights changed"])
def test_a_damaged_file_is_refused_and_made_again(cache: Path, model: Path, damage: str) -> None:
    onnx_file = _prepared(model) / MODEL_FILE
    data = bytearray(onnx_file.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:  # same size, loads fine, computes something else: only the check texts can tell
        from safetensors.numpy import load_file

        weights = load_file(model / "model.safetensors")["embeddings.word_embeddings.weight"]
        at = bytes(data).find(weights.tobytes())
        assert at > 0
        data[at : at + weights.nbytes] = (weights[::-1] * 2).tobytes()
    onnx_file.write_bytes(bytes(data))
    engine, torch_side = _engine(model)
    assert engine.load() is None
    assert "refused" in engine.describe() and not onnx_file.exists()
    expected = Encoder(model).encode([QUERY])
    assert float(engine.encode([QUERY])[0] @ expected[0]) >= 0.9999  # torch answered
    assert torch_side.loads == 1
    engine.prepare()
    assert engine.ready and onnx_file.stat().st_size > len(data) // 2
    fresh, _ = _engine(model)
    assert float(fresh.encode([QUERY])[0] @ expected[0]) >= 0.9999 and fresh.ready


def test_a_stale_file_is_never_used(cache: Path, model: Path) -> None:
    old = _prepared(model)
    import torch
    from transformers import BertModel

    changed = BertModel.from_pretrained(model)
    with torch.no_grad():
        for parameter in changed.parameters():
            parameter.mul_(0.5)
    changed.save_pretrained(model, safe_serialization=True)  # the same folder, new weights
    engine, torch_side = _engine(model)
    assert engine.load() is None and "no ONNX model yet" in engine.describe()
    expected = Encoder(model).encode([QUERY])
    engine.prepare()
    onnx = engine.load()
    assert onnx is not None and onnx.folder != old
    assert not old.exists()  # no key can name it again: removed, not left to fill the disk
    assert float(engine.encode([QUERY])[0] @ expected[0]) >= 0.9999


def test_without_onnxruntime_torch_answers_and_says_why(
    cache: Path, model: Path, monkeypatch
) -> None:
    _prepared(model)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` now fails
    engine, torch_side = _engine(model)
    engine.prepare()
    assert not engine.ready and torch_side.loads == 0  # nothing to make without the runtime
    assert engine.describe().startswith("torch (ONNX Runtime cannot be imported")
    engine.encode([QUERY])
    assert torch_side.loads == 1


def test_a_failed_export_is_remembered_not_retried(cache: Path, model: Path, monkeypatch) -> None:
    import core.onnx.export

    def broken(_encoder, _key, _folder):
        raise ModelError("torchscript: no luck")

    monkeypatch.setattr(core.onnx.export, "export_entry", broken)
    engine, _ = _engine(model)
    engine.prepare()
    assert engine.describe() == "torch (ONNX export failed: torchscript: no luck)"
    monkeypatch.setattr(core.onnx.export, "export_entry", lambda *_: pytest.fail("retried"))
    later, _ = _engine(model)
    later.prepare()
    assert "ONNX export failed: torchscript: no luck" in later.describe()
    assert later._key is not None and recorded_failure(later._key)
    assert not entry_folder(later._key).exists()


def test_the_engine_can_be_forced(cache: Path, model: Path, monkeypatch) -> None:
    monkeypatch.setenv(ENGINE_ENV, "torch")
    engine, torch_side = _engine(model)
    engine.prepare()
    engine.encode([QUERY])
    assert engine.describe() == f"torch ({ENGINE_ENV}=torch)" and torch_side.loads == 1
    assert not (cache / "query-models").exists()
    monkeypatch.setenv(ENGINE_ENV, "onnx")  # made first, then used
    engine, _ = _engine(model)
    engine.encode([QUERY])
    assert engine.ready


def test_a_failing_runtime_hands_queries_to_torch(cache: Path, model: Path, monkeypatch) -> None:
    _prepared(model)
    engine, torch_side = _engine(model)
    onnx = engine.load()
    assert onnx is not None

    def fails(_texts, _pooling=None):
        raise RuntimeError("[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION")

    monkeypatch.setattr(onnx, "encode", fails)
    expected = Encoder(model).encode([QUERY])
    assert float(engine.encode([QUERY])[0] @ expected[0]) >= 0.9999
    assert torch_side.loads == 1 and not engine.ready
    assert (
        engine.describe()
        == "torch (ONNX Runtime failed: [ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION)"
    )
    monkeypatch.setattr("core.onnx.export.export_entry", lambda *_: pytest.fail("made again"))
    engine.prepare()


def test_warming_up_a_library_with_a_cached_model_leaves_torch_unloaded(
    cache: Path, tiny_model: Path, tmp_path: Path
) -> None:
    """The window's first result by meaning waits for the warm-up: with ONNX Runtime ready,
    torch must not be on that path."""
    from core.library import Library

    first = Library(tmp_path / "lib", tiny_model)
    first.warm_up()  # no ONNX model yet: torch is what answers
    assert first._encoder is not None
    first.prepare_queries()
    first.close()
    later = Library(tmp_path / "lib", tiny_model)
    later.warm_up()
    assert later.model_loaded and later.queries.ready
    assert later._encoder is None
    assert later.search(QUERY) == []  # an empty library answers, still without torch
    assert later._encoder is None
    later.close()
