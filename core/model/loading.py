"""A library's model: loading it, and what it makes, recorded as the library's `IndexInfo`.

A library and a team library's set-up both build their model here, so the two record the same
model, pooling, precision and context for the same choices.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import PonderError
from core.model import native
from core.model.passages import ALONE, CONTEXTS, LATE
from core.model.pooling import SPAN_POOLING
from core.model.precision import FP32
from core.records import IndexInfo

if TYPE_CHECKING:  # the encoder imports torch: seconds a window must not wait for
    from core.model.encoder import Encoder


def load_encoder(folder: Path | str, pooling: str | None = None, **options) -> Encoder:
    """The model, loaded. torch is imported here, when a model is first needed, not when this
    module is: a window shows in about 1 s instead of 3."""
    native.start()  # before torch loads
    from core.model.encoder import Encoder

    return Encoder(folder, pooling, **options)


def index_info(encoder: Encoder, context: str | None = None) -> IndexInfo:
    """What `encoder` makes, in `context` (None: the best its pooling allows, for a library
    that holds no vectors yet)."""
    precision = getattr(encoder, "precision", FP32)  # stand-ins in tests may not say
    return IndexInfo(
        encoder.model_name,
        encoder.pooling,
        encoder.dimension,
        precision,
        context or default_context(encoder.pooling),
    )


def check_context(context: str, pooling: str) -> None:
    if context not in CONTEXTS:
        raise PonderError(f"unknown context {context!r} (choose from {', '.join(CONTEXTS)})")
    if context == LATE and pooling not in SPAN_POOLING:
        raise PonderError(f"{pooling} pooling cannot pool a sentence inside its passage (late)")


def default_context(pooling: str) -> str:
    """Late chunking wherever the pooling can pool a span of tokens (measured better: README,
    "Indexing"); else each sentence alone."""
    return LATE if pooling in SPAN_POOLING else ALONE
