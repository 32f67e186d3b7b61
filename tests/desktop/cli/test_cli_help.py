"""`ponder COMMAND --help` says what the arguments mean and what is printed, field by field,
checked against what the commands really print so the help cannot drift from the output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import Ponder

from desktop.cli.main import main
from desktop.cli.parser import build_parser

COMMANDS = sorted(build_parser().command_names)


def _help(capsys, *command: str) -> str:
    with pytest.raises(SystemExit) as caught:
        main([*command, "--help"])
    assert caught.value.code == 0
    return " ".join(capsys.readouterr().out.split())  # words, whatever the wrapping


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_explains_itself_and_takes_the_library_options(capsys, command) -> None:
    text = _help(capsys, command)
    assert "--library" in text and "--model" in text and "-q" in text
    description = text.split("options:")[0].split("]", 1)[-1]
    assert len(description.split()) >= 8, text  # a sentence, not just the usage line


def test_search_help_shows_the_query_syntax_with_examples(capsys) -> None:
    text = _help(capsys, "search")
    for syntax in ('"exact phrase"', "-word", "type:pdf", "in:FOLDER", "after:", "before:"):
        assert syntax in text
    assert "examples:" in text and "ponder search '" in text
    assert "one line per query" in text and '{"query": "", "results": []}' in text


def _fields(value: object, prefix: str = "") -> set[str]:
    """The keys of a JSON object, and those of the objects inside it."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            found |= {key} | _fields(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= _fields(inner)
    return found


def test_the_json_fields_are_all_named_in_the_help(indexed: Ponder, notes: Path) -> None:
    printed = {
        "search": indexed("search", "--json", "bread")[1],
        "related": indexed("related", "--json", str(notes / "bread.txt"))[1],
        "status": indexed("status", "--json", "--by-reason")[1],
    }
    for command, out in printed.items():
        fields = _fields(json.loads(out))
        assert fields
        text = _help(indexed.capsys, command)
        missing = {f for f in fields if f not in text}
        assert not missing, (command, missing)


@pytest.mark.parametrize("command", ["PATH", "QUERY"])
def test_positional_arguments_are_explained(capsys, command: str) -> None:
    name = {"PATH": "remove", "QUERY": "search"}[command]
    text = _help(capsys, name)
    after = text.split("positional arguments:")[1].split("options:")[0]
    assert command in after and len(after.split()) > 5
