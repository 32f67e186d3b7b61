"""Every mistake ends with a non-zero status and one `ponder: error:` line, and costs nothing:
no model is loaded and nothing is changed for a request that cannot be met."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from cli_support import Ponder, one_line_error

import core.library


@pytest.fixture
def no_model(monkeypatch) -> list[str]:
    """Make loading the model a recorded event (the tests assert it never happens)."""
    loads: list[str] = []

    def load(folder, *args, **kwargs):
        loads.append(str(folder))
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(core.library, "load_encoder", load)
    return loads


@pytest.mark.parametrize(
    "query, why",
    [
        ("", "the query is empty"),
        ("   ", "the query is empty"),
        ("type:pdf", "no words to search for"),
        ("-draft in:notes", "no words to search for"),
    ],
)
def test_a_query_without_words_is_refused_before_the_model_loads(
    indexed: Ponder, no_model: list[str], query: str, why: str
) -> None:
    code, out, err = indexed("search", query)
    assert (code, out) == (2, "")
    one_line_error(err, why)
    assert no_model == []


def test_a_bad_filter_is_refused_before_the_model_loads(
    indexed: Ponder, no_model: list[str]
) -> None:
    code, _, err = indexed("search", "bread after:yesterday")
    assert code == 1
    one_line_error(err, "is not a date")
    assert no_model == []


@pytest.mark.parametrize("k", ["0", "-3"])
@pytest.mark.parametrize("command", ["search", "related"])
def test_k_below_one_is_refused(
    indexed: Ponder, notes: Path, no_model: list[str], command: str, k: str
) -> None:
    target = "bread" if command == "search" else str(notes / "bread.txt")
    code, _, err = indexed(command, target, "-k", k)
    assert code == 2
    one_line_error(err, "-k must be at least 1")


def test_removing_a_path_the_library_does_not_hold_is_an_error(
    indexed: Ponder, notes: Path, tmp_path: Path
) -> None:
    code, out, err = indexed("remove", "/no/such/path")
    assert (code, out) == (2, "")
    one_line_error(err, "not in the library: /no/such/path")
    # with a path it does hold beside it, nothing is removed
    code, _, err = indexed("remove", str(notes / "bread.txt"), str(tmp_path / "elsewhere"))
    assert code == 2
    one_line_error(err, f"not in the library: {tmp_path / 'elsewhere'}")
    assert json.loads(indexed("status", "--json")[1])["counts"]["indexed"] == 3


def test_a_file_gone_from_the_disk_can_still_be_removed(indexed: Ponder, notes: Path) -> None:
    (notes / "bread.txt").unlink()
    code, out, _ = indexed("remove", str(notes / "bread.txt"))
    assert (code, out) == (0, "removed 1 document\n")


def test_related_on_a_file_not_in_the_library(indexed: Ponder, tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_text("Not indexed.\n")
    code, _, err = indexed("related", str(other))
    assert code == 1
    one_line_error(err, f"{other} is not indexed in this library")


@pytest.mark.parametrize(
    "args, why",
    [
        (["search", "-k", "many", "bread"], "invalid int value: 'many'"),
        (["serach", "bread"], "invalid choice: 'serach'"),
        (["index"], "the following arguments are required: PATH"),
        (["status", "--precision", "fp64"], "invalid choice: 'fp64'"),
    ],
)
def test_argument_mistakes_are_one_line_naming_the_help(
    ponder: Ponder, args: list[str], why: str
) -> None:
    with pytest.raises(SystemExit) as caught:
        ponder(*args)
    assert caught.value.code == 2
    err = ponder.capsys.readouterr().err
    one_line_error(err, why, "--help`")


def test_a_batch_answers_every_line_and_fails_for_the_queries_it_could_not_run(
    indexed: Ponder, monkeypatch
) -> None:
    lines = ["type:pdf", "Water the tomato garden.", "bread before:soon"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    code, out, err = indexed("search", "--json")
    answers = [json.loads(line) for line in out.splitlines()]
    assert [a["query"] for a in answers] == lines
    assert "no words to search for" in answers[0]["error"]
    assert answers[1]["results"] and "error" not in answers[1]
    assert "is not a date" in answers[2]["error"]
    assert code == 1
    one_line_error(err, "2 queries could not be run")


@pytest.mark.parametrize("command", ["rebuild", "refresh", "status", "remove"])
def test_only_index_creates_a_library(
    ponder: Ponder, no_model: list[str], notes: Path, command: str
) -> None:
    """A typo in --library is an error, not a new empty library (nor a model load)."""
    args = [command, str(notes)] if command == "remove" else [command]
    code, _, err = ponder(*args)
    assert code == 2
    one_line_error(err, f"no library in {ponder.data}")
    assert not ponder.data.exists() and no_model == []


def test_related_on_a_skipped_file_says_why(ponder: Ponder, notes: Path) -> None:
    (notes / "empty.md").write_text("")
    ponder("index", str(notes))
    code, _, err = ponder("related", str(notes / "empty.md"))
    assert code == 2
    one_line_error(err, f"{notes / 'empty.md'} is not indexed: it was skipped: empty")
