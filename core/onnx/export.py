"""Making a cache entry for `core.onnx.encoder` from a loaded torch encoder.

The transformer is exported by torch's TorchScript-based exporter, which writes one
self-contained file and needs nothing beyond torch; the dynamo exporter is tried only if it
fails (it is several times slower, and writes its weights beside the graph unless told not to).
Both take dynamic batch and sequence axes. Static pooling needs no transformer: its entry holds
the input embedding matrix instead. Texts embedded by torch go in with the model, and the entry
is kept only if ONNX Runtime reproduces them.
"""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.errors import ModelError
from core.model.pooling import STATIC
from core.onnx.cache import (
    EMBEDDINGS_FILE,
    META_FILE,
    MODEL_FILE,
    TOKENIZER_FILE,
    discard_others,
    write_entry,
)
from core.onnx.encoder import Check, OnnxEncoder, first_line

if TYPE_CHECKING:
    from core.model.encoder import Encoder

OPSET = 18
MADE_FOR = ("model_folder", "pooling", "precision")  # meta.json fields an entry is made for
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Short and long, cased and not, accented, and one past any model's window: what a query can be.
CHECK_TEXTS = (
    "boat departure",
    "How do I read a file line by line in Python?",
    "Crème brûlée, naïve café — 東京 at 7:30?",
    "",
    "  Spaces AROUND a sentence  ",
    " ".join(["the long query goes on and on"] * 100),
)


def export_entry(encoder: Encoder, key: str, model_folder: str) -> Path:
    """Write and verify the query model of `encoder` (loaded from `model_folder`) for `key`; its
    folder. `ModelError` says why when it cannot be made or does not reproduce torch's vectors.
    Entries made for the same folder, pooling and precision under other keys are removed."""
    folder = write_entry(key, lambda work: _build(encoder, key, model_folder, work))
    made_for = (model_folder, encoder.pooling, encoder.precision)
    discard_others(key, lambda meta: tuple(map(meta.get, MADE_FOR)) == made_for)
    return folder


def _build(encoder: Encoder, key: str, model_folder: str, folder: Path) -> None:
    (folder / TOKENIZER_FILE).write_text(encoder.tokenizer_json(), encoding="utf-8")
    model_bytes = 0
    if encoder.pooling in STATIC:
        np.save(folder / EMBEDDINGS_FILE, encoder.word_embedding_matrix())
    else:
        _export_transformer(encoder, folder / MODEL_FILE)
        model_bytes = (folder / MODEL_FILE).stat().st_size
    texts = list(CHECK_TEXTS)
    vectors = encoder.encode(texts)
    checks = [
        Check(text, [int(i) for i in ids], [float(x) for x in vector])
        for text, ids, vector in zip(texts, encoder.tokenize(texts), vectors, strict=True)
    ]
    meta = {
        "key": key,
        "model_name": encoder.model_name,
        "model_folder": model_folder,
        "pooling": encoder.pooling,
        "precision": encoder.precision,
        "dimension": encoder.dimension,
        "model_bytes": model_bytes,
        "tokens": encoder.token_settings.as_dict(),
        "checks": [asdict(c) for c in checks],
    }
    (folder / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    OnnxEncoder(folder).verify(every=True)


def _export_transformer(encoder: Encoder, path: Path) -> None:
    import torch

    names = INPUTS if encoder.token_settings.with_types else INPUTS[:2]
    ids = torch.tensor([encoder.tokenize(["warm"])[0]], dtype=torch.int64)
    example = (ids, torch.ones_like(ids), torch.zeros_like(ids))[: len(names)]
    module = _last_hidden_state(encoder.transformer)
    failures = []
    for dynamo in (False, True):
        try:
            _run_exporter(module, example, names, path, dynamo)
            return
        except Exception as exc:  # noqa: BLE001 - the exporters raise anything; the next may work
            failures.append(f"{'dynamo' if dynamo else 'torchscript'}: {first_line(exc)}")
            path.unlink(missing_ok=True)
    raise ModelError("; ".join(failures))


def _run_exporter(module, example: tuple, names: tuple[str, ...], path: Path, dynamo: bool) -> None:
    import torch

    options: dict = {"input_names": list(names), "output_names": ["last_hidden_state"]}
    if dynamo:
        batch, seq = torch.export.Dim("batch"), torch.export.Dim("sequence")
        options["dynamic_shapes"] = tuple({0: batch, 1: seq} for _ in names)
        options["external_data"] = False  # one file, renamed into place whole
        options["verbose"] = False
    else:
        axes = {0: "batch", 1: "sequence"}
        options["dynamic_axes"] = {n: axes for n in (*names, "last_hidden_state")}
    quiet = logging.getLogger("torch.onnx")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module, example, str(path), opset_version=OPSET, dynamo=dynamo, **options
            )
    finally:
        quiet.setLevel(level)


def _last_hidden_state(model):
    """The transformer as a module that takes plain tensors and returns its last hidden states
    in float32 (defined here, not at import, so this module never imports torch)."""
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor | None = None,
        ) -> torch.Tensor:
            inputs = {"input_ids": input_ids, "attention_mask": attention_mask}
            if token_type_ids is not None:
                inputs["token_type_ids"] = token_type_ids
            return self.model(**inputs).last_hidden_state.float()

    return LastHiddenState().eval()
