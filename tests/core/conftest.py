"""Fixtures for the engine's tests: a small closed library indexed with the tiny model."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.library import Library
from core.store import Store

NOTES = {
    "bread.txt": "Bake the bread in the oven at night. The oven was hot.",
    "garden.md": "# Garden\n\nWater the tomato garden. The garden is on a hill.",
    "money.txt": "The budget for the train to Paris. Money is tight.",
    "code.txt": "Run the test to find the bug in the code. It was a python file.",
}


@pytest.fixture
def indexed(tmp_path: Path, tiny_model: Path) -> tuple[Path, Path]:
    """(data folder, notes folder) of a closed library holding NOTES."""
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, text in NOTES.items():
        (notes / name).write_text(text)
    data = tmp_path / "data"
    library = Library(data, tiny_model)
    summary = library.index([notes])
    assert summary.indexed == len(NOTES)
    library.close()
    return data, notes


@pytest.fixture
def store(tmp_path: Path):
    """An empty library database."""
    store = Store(tmp_path / "db.sqlite3")
    yield store
    store.close()
