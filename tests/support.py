"""Helpers the test modules import directly (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file in ../shared (the evaluation data); a missing one fails the test loudly."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"evaluation data missing: {path}")
    return path
