"""A library's index files: named for the generation they hold, written whole or not at all.

An index file is only a cache of SQLite (`core.index.catalog`), so every failure to write one is
a `StoreError` that says the library itself is intact. A large approximate index can be written
and read back memory-mapped at once (`mapped`): its lists then live in the page cache, which the
system can reclaim, instead of in the process's own memory.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from core.errors import StoreError
from core.index import ann
from core.index.ivf import IvfIndex
from core.index.vectors import VectorIndex

_FILE = re.compile(r"^(?P<table>[a-z]+)\.g(?P<generation>\d+)\.faiss$")
LEGACY = ("sentences.faiss", "passages.faiss", "faiss.json")


def path_of(data_dir: Path, table: str, generation: int) -> Path:
    return data_dir / f"{table}.g{generation:06d}.faiss"


def files(data_dir: Path, table: str) -> list[tuple[int, Path]]:
    """`table`'s index files as (generation, path), newest first."""
    found = []
    for name in os.listdir(data_dir):
        match = _FILE.match(name)
        if match and match["table"] == table:
            found.append((int(match["generation"]), data_dir / name))
    return sorted(found, reverse=True)


def write(index: VectorIndex, path: Path) -> None:
    """Write `index` to `path`, refusing to start a write that cannot fit (FAISS would
    half-write the file and complain on stderr)."""
    needed = index.count() * (index.dimension * 2 + 16) + (1 << 20)  # float16 or codes, ids
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        free = needed
    if free < needed:
        raise StoreError(
            f"not enough free space to save the search index {path.name} "
            f"({needed / 1e6:.1f} MB needed); the library itself is intact and will rebuild it"
        )
    try:
        index.save(path)
    except (OSError, RuntimeError) as exc:
        raise StoreError(
            f"could not save the search index {path.name} ({reason(exc)}); "
            "the library itself is intact and will rebuild it"
        ) from exc


def mapped(index: VectorIndex, path: Path, least: int) -> VectorIndex | None:
    """An IVF index of at least `least` vectors, held in memory, written to `path` and read
    back memory-mapped; None where it is not such an index or cannot be written or read."""
    if not isinstance(index, IvfIndex) or index.mapped or index.count() < least:
        return None
    try:
        write(index, path)
        return ann.load(path, index.dimension)
    except (StoreError, OSError, RuntimeError, ValueError):
        return None


def reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
