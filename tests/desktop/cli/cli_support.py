"""The `ponder` command driven in-process: a data folder, a few notes, the tiny model.

The fixtures are re-exported by this folder's conftest."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.cli.main import main

NOTES = {
    "bread.txt": "Bake the bread in the oven at night.",
    "garden.txt": "Water the tomato garden.\nThe garden is big.",
    "train.md": "# Travel\n\nThe train to Paris was late.",
}


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    for name, text in NOTES.items():
        (folder / name).write_text(text + "\n")
    return folder


class Ponder:
    """Runs `ponder --data-dir DATA ...` in-process and returns (exit code, stdout, stderr)."""

    def __init__(self, data: Path, model: Path, capsys) -> None:
        self.data, self.model, self.capsys = data, model, capsys

    def __call__(self, *args: str, model: bool = True) -> tuple[int, str, str]:
        argv = ["--data-dir", str(self.data), "-q"]
        if model:
            argv += ["--model", str(self.model)]
        code = main([*argv, *args])
        out, err = self.capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err


@pytest.fixture
def ponder(tmp_path: Path, tiny_model: Path, capsys) -> Ponder:
    return Ponder(tmp_path / "data", tiny_model, capsys)


@pytest.fixture
def indexed(ponder: Ponder, notes: Path) -> Ponder:
    code, _, _ = ponder("index", str(notes))
    assert code == 0
    return ponder


def one_line_error(err: str, *needles: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ponder: error: "), err
    for needle in needles:
        assert needle in lines[0], err
