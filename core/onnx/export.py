"""Making a cache entry for `core.onnx.encoder` from a loaded torch encoder.

The transformer is exported by torch's TorchScript-based exporter, which writes one
self-contained file and needs nothing beyond torch; the dynamo exporter is tried only if it
fails (it is several times slower, and writes its weights beside the graph unless told not to).
Both take dynamic batch and sequence axes. Besides the last hidden states the graph gives what an
explanation reads (`core.search.explain`): each token's input word embedding and, for a
BERT-shaped model, the last layer's attention from the first token; a query asks for the states
alone. Static pooling needs no transformer: its entry holds the input embedding matrix instead.
Texts embedded by torch go in with the model, and the entry is kept only if ONNX Runtime
reproduces them.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.errors import ModelError
from core.model.pooling import STATIC
from core.onnx.cache import (
    ATTENTION,
    EMBEDDINGS_FILE,
    META_FILE,
    MODEL_FILE,
    STATES,
    TOKENIZER_FILE,
    WORDS,
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


def export_apart(model_folder: str, pooling: str, precision: str, key: str) -> Path:
    """As `export_entry`, with the model loaded in a process of its own, so that the caller
    (a window that has no other use for torch) never imports torch and transformers nor holds
    them afterwards. Whatever the child raises is raised here."""
    context = multiprocessing.get_context("spawn")  # a fork would copy the caller's threads
    with ProcessPoolExecutor(1, mp_context=context) as child:
        made = child.submit(_export_in_child, model_folder, pooling, precision, key)
        return Path(made.result())


def _export_in_child(model_folder: str, pooling: str, precision: str, key: str) -> str:
    from core.model.encoder import Encoder

    return str(export_entry(Encoder(model_folder, pooling, precision=precision), key, model_folder))


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
    layer = _attention_layer(encoder.transformer)
    module = _inspected(encoder.transformer, layer)
    outputs = (STATES, WORDS, ATTENTION) if layer is not None else (STATES, WORDS)
    failures = []
    for dynamo in (False, True):
        try:
            _run_exporter(module, example, names, outputs, path, dynamo)
            return
        except Exception as exc:  # noqa: BLE001 - the exporters raise anything; the next may work
            failures.append(f"{'dynamo' if dynamo else 'torchscript'}: {first_line(exc)}")
            path.unlink(missing_ok=True)
    raise ModelError("; ".join(failures))


def _run_exporter(
    module, example: tuple, names: tuple[str, ...], outputs: tuple[str, ...], path: Path,
    dynamo: bool,
) -> None:  # fmt: skip
    import torch

    options: dict = {"input_names": list(names), "output_names": list(outputs)}
    if dynamo:
        batch, seq = torch.export.Dim("batch"), torch.export.Dim("sequence")
        options["dynamic_shapes"] = tuple({0: batch, 1: seq} for _ in names)
        options["external_data"] = False  # one file, renamed into place whole
        options["verbose"] = False
    else:
        axes = {0: "batch", 1: "sequence"}
        options["dynamic_axes"] = {n: axes for n in (*names, *outputs)}
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


def _attention_layer(model):
    """The last layer's self-attention of a BERT-shaped model (query and key projections named
    so, as `core.model.encoder` reads them), else None: such a graph has no attention output."""
    try:
        layer = model.encoder.layer[-1].attention.self
        _ = (layer.num_attention_heads, layer.attention_head_size, layer.query, layer.key)
    except AttributeError:
        return None
    return layer


def _inspected(model, layer):
    """The transformer as a module that takes plain tensors and returns its last hidden states
    and input word embeddings in float32, and with `layer` the last layer's attention from the
    first token averaged over heads (defined here, not at import, so this module never imports
    torch)."""
    import torch

    class Inspected(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model
            self.words = model.get_input_embeddings()

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor | None = None,
        ) -> tuple[torch.Tensor, ...]:
            inputs = {"input_ids": input_ids, "attention_mask": attention_mask}
            if token_type_ids is not None:
                inputs["token_type_ids"] = token_type_ids
            out = self.model(**inputs, output_hidden_states=layer is not None)
            found = (out.last_hidden_state.float(), self.words(input_ids).float())
            if layer is None:
                return found
            return (*found, _first_token_attention(layer, out.hidden_states[-2], attention_mask))

    return Inspected().eval()


def _first_token_attention(layer, hidden, mask):
    """As `core.model.encoder` computes it for one text, for a padded batch: the first token's
    attention over the unmasked tokens, recomputed from the last layer's input."""
    import torch

    heads, size = layer.num_attention_heads, layer.attention_head_size
    rows = hidden.shape[0]
    h = hidden.to(layer.query.weight.dtype)
    q = layer.query(h[:, :1]).view(rows, 1, heads, size).transpose(1, 2)
    k = layer.key(h).view(rows, -1, heads, size).transpose(1, 2)
    scores = (q @ k.transpose(-1, -2)).float() / size**0.5
    scores = scores.masked_fill(mask[:, None, None, :] == 0, torch.finfo(scores.dtype).min)
    return torch.softmax(scores, dim=-1).mean(1)[:, 0]
