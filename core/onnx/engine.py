"""Which engine embeds a library's queries: ONNX Runtime from a verified cache, else torch.

A search needs one vector for its query. Importing torch and transformers for it costs seconds,
ONNX Runtime and `tokenizers` a fraction of that, with the same vector (`core.onnx.encoder`
checks it against torch's every time it loads). So a query is answered by ONNX Runtime whenever
the library's model has a verified cache entry, and by torch otherwise; `prepare` makes the entry
(after the answer, in a command; on a worker thread, in the window). Indexing always uses torch,
which is faster for batches. The transformer's query model is exported in fp32 whatever the
library's precision: a bf16 library's documents are found as well by fp32 queries as by its own
model's (docs/benchmarks.md), and `describe` says they are mixed. An int8 library's are found
less well, so torch answers its queries with the library's own int8 model.

`$PONDER_QUERY_ENGINE` forces one: `torch` never touches ONNX, `onnx` makes the entry first if
needed and fails loudly rather than answer with torch; `auto` (or unset) chooses as above.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.errors import ModelError, PonderError
from core.model.pooling import STATIC
from core.model.precision import FP32, INT8
from core.onnx.cache import (
    META_FILE,
    cache_key,
    clear_failure,
    discard,
    entry_folder,
    record_failure,
    recorded_failure,
)
from core.onnx.encoder import OnnxEncoder, first_line

if TYPE_CHECKING:  # the encoder imports torch: exactly what this module avoids until it must
    from core.model.encoder import Encoder

ENGINE_ENV = "PONDER_QUERY_ENGINE"
AUTO, ONNX, TORCH = "auto", "onnx", "torch"


def engine_choice() -> str:
    value = (os.environ.get(ENGINE_ENV) or AUTO).strip().lower()
    if value not in (AUTO, ONNX, TORCH):
        raise PonderError(f"{ENGINE_ENV} must be {AUTO}, {ONNX} or {TORCH}, not {value!r}")
    return value


class QueryEngine:
    """Embeds queries (`encode`, as `Encoder.encode`) for one model, pooling and precision."""

    def __init__(
        self, model_path: str, pooling: str, precision: str, torch_encoder: Callable[[], Encoder]
    ) -> None:
        self.model_path = model_path
        self.pooling = pooling
        self.precision = precision
        self._torch = torch_encoder
        self._onnx: OnnxEncoder | None = None
        self._key: str | None = None  # set once ONNX could answer for this library
        self._reason = ""  # why torch answers, while it does
        self._checked = False
        self._lock = threading.Lock()
        self._export_lock = threading.Lock()

    @property
    def ready(self) -> bool:
        """Whether ONNX Runtime answers now, with nothing left to load."""
        return self._onnx is not None

    def encode(self, texts: Sequence[str], pooling: str | None = None) -> np.ndarray:
        """Unit vectors of `texts`; a runtime failure hands this and later queries to torch."""
        onnx = self.load()
        if onnx is None and engine_choice() == ONNX:
            self.prepare()
            onnx = self._onnx
            if onnx is None:
                raise ModelError(f"{ENGINE_ENV}=onnx, but {self._reason}")
        if onnx is not None and (pooling or self.pooling) == self.pooling:
            try:
                return onnx.encode(texts)
            except Exception as exc:  # noqa: BLE001 - whatever ONNX Runtime raises, torch answers
                if engine_choice() == ONNX:
                    raise ModelError(f"ONNX Runtime failed: {first_line(exc)}") from exc
                self._reason = f"ONNX Runtime failed: {first_line(exc)}"
                self._onnx = self._key = None  # nor is it made again in this process
        return self._torch().encode(texts, pooling)

    def load(self) -> OnnxEncoder | None:
        """The verified ONNX engine, loaded on first call; None while torch must answer."""
        with self._lock:
            if not self._checked:
                self._checked = True
                self._onnx = self._open()
            return self._onnx

    def inspector(self, poolings: Sequence[str]) -> OnnxEncoder | None:
        """The ONNX model, where it is verified and gives what explaining under `poolings`
        reads (`core.search.explain`); None where torch must explain."""
        onnx = self.load()
        return onnx if onnx is not None and onnx.explains(poolings) else None

    def prepare(self, *, apart: bool = False) -> None:
        """Make this library's ONNX model if it is missing or was refused, and answer with it
        from now on; torch loads for it, in this process or, `apart`, in a child process that
        ends with the export. Never raises: a failure is remembered (`describe`)."""
        if self.load() is not None or self._key is None:
            return
        with self._export_lock:
            if self._onnx is not None:
                return
            failed = recorded_failure(self._key)
            if failed and engine_choice() != ONNX:
                self._reason = f"ONNX export failed: {failed}"
                return
            try:
                onnx = OnnxEncoder(self._export(apart))
                onnx.verify()
            except Exception as exc:  # noqa: BLE001 - torch's exporters raise anything; torch answers
                self._reason = f"ONNX export failed: {first_line(exc)}"
                record_failure(self._key, first_line(exc))
                return
            clear_failure(self._key)
            self._onnx = onnx

    def _export(self, apart: bool) -> Path:
        from core.onnx.export import export_apart, export_entry

        assert self._key is not None
        if apart:
            return export_apart(self.model_path, self.pooling, self._query_precision, self._key)
        if self.precision == self._query_precision:
            encoder = self._torch()
        else:  # a bf16 library: its own model is not what is exported
            from core.model.encoder import Encoder

            encoder = Encoder(self.model_path, self.pooling, precision=FP32)
        return export_entry(encoder, self._key, self.model_path)

    def describe(self) -> str:
        """Which engine answers queries and why, for `ponder status`."""
        onnx = self.load()
        if onnx is None:
            return f"torch ({self._reason})"
        if onnx.precision != self.precision:
            return (
                f"ONNX Runtime (cached in {onnx.folder}; queries in {onnx.precision} against "
                f"{self.precision} documents)"
            )
        return f"ONNX Runtime (cached in {onnx.folder})"

    @property
    def _query_precision(self) -> str:
        """The precision of the query model: fp32 for a transformer, whatever the documents'
        (one export serves every library of the model); static pooling reads the library's own
        embedding matrix."""
        return self.precision if self.pooling in STATIC else FP32

    def _open(self) -> OnnxEncoder | None:
        """The cached entry, verified; else None with `_reason` set (a refused entry is
        removed, so `prepare` makes it again)."""
        if engine_choice() == TORCH:
            self._reason = f"{ENGINE_ENV}=torch"
            return None
        if self.pooling not in STATIC and self.precision == INT8:
            self._reason = "fp32 queries find an int8 library's documents less well than its own"
            return None
        try:
            import tokenizers  # noqa: F401

            if self.pooling not in STATIC:  # static pooling needs only the embedding matrix
                import onnxruntime  # noqa: F401
        except ImportError as exc:
            self._reason = f"ONNX Runtime cannot be imported: {first_line(exc)}"
            return None
        try:
            self._key = cache_key(Path(self.model_path), self.pooling, self._query_precision)
        except OSError as exc:
            self._reason = f"cannot read the model folder: {first_line(exc)}"
            return None
        folder = entry_folder(self._key)
        if not (folder / META_FILE).is_file():
            failed = recorded_failure(self._key)
            self._reason = (
                f"ONNX export failed: {failed}"
                if failed
                else "no ONNX model yet; it is made after the next search"
            )
            return None
        try:
            onnx = OnnxEncoder(folder)
            onnx.verify()
        except ModelError as exc:
            discard(folder)
            self._reason = f"the cached ONNX model was refused ({exc}); it is made again"
            return None
        return onnx
