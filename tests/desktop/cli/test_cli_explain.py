"""`ponder explain`: two texts, or a query and a document, as token-pair cells."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli.main import main


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_two_texts_as_json(tiny_model: Path, capsys) -> None:
    code, out, _ = _run(capsys, "--model", str(tiny_model), "explain", "the dog ran.", "a cat.",
                        "--json")  # fmt: skip
    assert code == 0
    got = json.loads(out)
    assert got["pooling"] == "mean" and got["exact"] is True
    assert got["tokens_a"][0] == "[CLS]" and got["tokens_a"][-1] == "[SEP]"
    assert "dog" in got["tokens_a"]
    assert len(got["matrix"]) == len(got["tokens_a"])
    assert all(len(row) == len(got["tokens_b"]) for row in got["matrix"])
    assert sum(map(sum, got["matrix"])) == pytest.approx(got["score"], abs=1e-4)


def test_every_pooling_is_a_list(tiny_model: Path, capsys) -> None:
    code, out, _ = _run(capsys, "--model", str(tiny_model), "explain", "the dog ran.", "a cat.",
                        "--pooling", "all", "--json")  # fmt: skip
    assert code == 0
    got = json.loads(out)
    assert [g["pooling"] for g in got] == ["mean", "cls", "max", "mean_sqrt_len", "static_mean"]
    assert [g["exact"] for g in got] == [True, False, True, True, True]
    code, out, _ = _run(capsys, "--model", str(tiny_model), "explain", "the dog ran.", "a cat.")
    assert code == 0 and out.startswith("mean: ") and "weightiest pairs" in out


def test_a_query_against_a_document(tiny_model: Path, tmp_path: Path, capsys) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    note = notes / "bread.txt"
    note.write_text("Bake the bread in an oven.\n\nWater the tomato in the garden.\n")
    lib = ["--library", str(tmp_path / "lib"), "--model", str(tiny_model), "-q"]
    assert _run(capsys, *lib, "index", str(notes))[0] == 0
    code, out, _ = _run(capsys, *lib, "explain", "--query", "tomato garden", str(note), "--line",
                        "3", "--json")  # fmt: skip
    assert code == 0
    got = json.loads(out)
    assert got["line"] == 3 and got["sentence"] == "Water the tomato in the garden."
    assert got["path"] == str(note) and got["exact"] is True
    assert "tomato" in got["tokens_b"] and "[CLS]" in got["tokens_a"]


@pytest.mark.parametrize(
    "argv",
    [
        ("explain", "only one text"),
        ("explain", "a", "b", "c"),
        ("explain", "--query", "", "x.txt"),
        ("explain", "a", "b", "--line", "3"),
    ],
)
def test_mistakes_exit_non_zero_with_one_line(tiny_model: Path, capsys, argv) -> None:
    code, out, err = _run(capsys, "--model", str(tiny_model), *argv)
    assert code != 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("ponder: error:")
