"""`ponder search` with the query syntax and the relevance floor, with the real model."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from pathlib import Path

import pytest

from desktop.cli.main import main

NOTES = {
    "bread.txt": "Bake the bread in the oven at night until the crust is brown.",
    "garden.md": "# Garden\n\nWater the tomato garden in the morning before it gets hot.",
    "work/train.txt": "The train to Paris was late because of a signal failure.",
}


@pytest.fixture(scope="module")
def ponder(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli-query")
    notes = root / "notes"
    for name, text in NOTES.items():
        path = notes / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")
        old = dt.datetime(2024, 1, 10).timestamp()
        if name == "bread.txt":
            os.utime(path, (old, old))
    data = root / "data"

    def run(*args: str) -> tuple[int, str]:
        out = root / "out.txt"
        with open(out, "w") as handle, contextlib.redirect_stdout(handle):
            code = main(["--data-dir", str(data), "-q", *args])
        return code, out.read_text()

    assert run("index", str(notes))[0] == 0
    return run, notes


def _paths(out: str) -> list[str]:
    return [Path(r["path"]).name for r in json.loads(out)["results"]]


def test_nonsense_prints_no_close_match_and_json_marks_every_result_weak(ponder) -> None:
    run, _ = ponder
    code, out = run("search", "xqzzv blorp")
    assert code == 0 and out.splitlines()[0] == "no close match"
    code, out = run("search", "xqzzv blorp", "--json")
    assert all(r["weak"] is True for r in json.loads(out)["results"])
    code, out = run("search", "baking bread in an oven", "--json")
    first = json.loads(out)["results"][0]
    assert Path(first["path"]).name == "bread.txt" and first["weak"] is False
    code, out = run("search", "baking bread in an oven")
    assert "no close match" not in out and out.startswith(" 1. ")


def test_type_in_and_date_filters(ponder) -> None:
    run, notes = ponder
    assert _paths(run("search", "morning type:md", "--json")[1]) == ["garden.md"]
    assert set(_paths(run("search", "food type:txt", "--json")[1])) == {"bread.txt", "train.txt"}
    assert _paths(run("search", "late in:work", "--json")[1]) == ["train.txt"]
    assert _paths(run("search", f"late in:{notes / 'work'}", "--json")[1]) == ["train.txt"]
    assert "bread.txt" not in _paths(run("search", "bread after:2025-01-01", "--json")[1])
    assert _paths(run("search", "bread before:2025-01-01", "--json")[1]) == ["bread.txt"]
    assert _paths(run("search", '"the tomato garden"', "--json")[1]) == ["garden.md"]


def test_a_phrase_found_nowhere_says_the_results_are_by_meaning(ponder) -> None:
    run, _ = ponder
    code, out = run("search", 'when is "the bread baked"')
    assert code == 0 and out.splitlines()[0].startswith("no document contains the quoted words")
    first = json.loads(run("search", 'when is "the bread baked"', "--json")[1])["results"][0]
    assert Path(first["path"]).name == "bread.txt" and first["unquoted"] is True


def test_a_bad_filter_is_a_one_line_error(ponder, capsys) -> None:
    run, _ = ponder
    code, _ = run("search", "bread after:someday")
    assert code != 0
    assert "is not a date" in capsys.readouterr().err
