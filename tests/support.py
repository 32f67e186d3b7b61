"""Helpers the test modules import directly (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file in ../shared (the evaluation data). Without it (a plain clone) the test is
    skipped with one line saying why; CI always has it."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs the shared evaluation data ({path} is absent)")
    return path


def vector_ids(data_dir: Path, table: str, doc_id: int) -> list[int]:
    """The ids of one document's sentence or passage rows, read straight from SQLite."""
    import sqlite3

    with sqlite3.connect(data_dir / "library.sqlite3") as conn:
        rows = conn.execute(f"SELECT id FROM {table} WHERE document_id = ? ORDER BY id", (doc_id,))
        return [r[0] for r in rows]


def vector_ids_all(data_dir: Path, table: str) -> list[int]:
    import sqlite3

    with sqlite3.connect(data_dir / "library.sqlite3") as conn:
        return [r[0] for r in conn.execute(f"SELECT id FROM {table} ORDER BY id")]


def stored_vectors(store, table: str, dimension: int):
    """(ids, matrix) of every vector a store holds for `table`, in id order."""
    import numpy as np

    chunks: list = []
    store.vectors(table, dimension, lambda ids, matrix: chunks.append((ids, matrix)))
    if not chunks:
        return np.empty(0, np.int64), np.zeros((0, dimension), np.float32)
    return np.concatenate([c[0] for c in chunks]), np.concatenate([c[1] for c in chunks])


def in_fresh_interpreter(script: str, argv: list[str], timeout: float, **env: str) -> dict:
    """Run `script` in a new Python (this one may have torch loaded already) with this checkout
    first on its path and `env` added to the environment; the JSON of its last line of output."""
    import json
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    environment = dict(os.environ, **env)
    environment["PYTHONPATH"] = os.pathsep.join([str(root), environment.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", script, *argv],
        capture_output=True, text=True, timeout=timeout, cwd=root, env=environment,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
