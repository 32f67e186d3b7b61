"""What a library embeds with: its model folder, pooling, precision and sentence context, as it
was built or as asked, and the refusal to mix another's vectors into it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.errors import IndexMismatchError
from core.index.interface import Catalog
from core.model.folder import ModelSpec, default_model_folder, read_model_folder
from core.model.loading import check_context, default_context
from core.model.pooling import check_pooling
from core.model.precision import check_precision, default_precision
from core.store.reads import StoreReads


@dataclass(frozen=True)
class Setup:
    model_path: str
    spec: ModelSpec
    pooling: str
    precision: str
    context: str  # how sentence vectors are made (`core.model.passages`: late or alone)


def model_path(store: StoreReads, model: Path | str | None) -> str:
    """The model folder asked for, or the one the library was built with, or the embedded one."""
    if model:
        return str(Path(model).expanduser().resolve())
    return str(store.get_meta("model_path") or default_model_folder())


def setup(
    catalog: Catalog,
    model: Path | str | None,
    pooling: str | None,
    precision: str | None,
    context: str | None,
) -> Setup:
    """Each setting as asked, else as the library was built, else the model's own; raises
    `IndexMismatchError` where what is asked differs from what the library holds."""
    info = catalog.info
    folder = model_path(catalog.store, model)
    spec = read_model_folder(folder)
    pooling = check_pooling(pooling or (info.pooling if info else spec.pooling))
    precision = check_precision(precision or (info.precision if info else default_precision()))
    context = context or (info.context if info else default_context(pooling))
    if info and (
        info.model != spec.name
        or info.pooling != pooling
        or info.precision != precision
        or info.context != context
    ):
        raise IndexMismatchError(
            f"this library was built with model {info.model!r}, pooling "
            f"{info.pooling!r}, precision {info.precision} and sentences embedded "
            f"{info.context}; it cannot search with model {spec.name!r}, pooling "
            f"{pooling!r}, precision {precision} and sentences embedded "
            f"{context} without a rebuild (ponder rebuild --pooling ...)."
        )
    check_context(context, pooling)
    return Setup(folder, spec, pooling, precision, context)
