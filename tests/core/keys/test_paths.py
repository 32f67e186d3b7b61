"""Library keys: every file name, whatever its bytes, maps to one key and back."""

from __future__ import annotations

import os

import pytest

from core.keys.paths import absolute, from_key, legacy_from_key, to_key, under

NAMES = [
    "/notes/plain.txt",
    "/notes/café.md",
    "/notes/\udcff\udc80.txt",  # undecodable bytes, as os.listdir hands them over
    "/notes/a\\b.txt",  # a literal backslash
    "/notes/x\\x9f.txt",  # literally backslash, x, 9, f: once read back as byte 0x9f
    "/notes/\\x5c",
]


@pytest.mark.parametrize("name", NAMES)
def test_every_name_round_trips(name: str) -> None:
    key = to_key(name)
    key.encode("utf-8")  # storable as SQLite text
    assert from_key(key) == name


def test_plain_names_are_their_own_keys() -> None:
    assert to_key("/notes/café.md") == "/notes/café.md"


def test_the_old_ambiguity_is_gone() -> None:
    literal = "/notes/x\\x9f.txt"
    assert legacy_from_key(literal) != literal  # schema 1 misread such a name
    assert from_key(to_key(literal)) == literal


def test_under_and_absolute(tmp_path) -> None:
    assert under("/notes/") == under("/notes") == "/notes/"
    assert absolute("~") == os.path.expanduser("~")
    assert absolute(tmp_path / "a" / ".." / "b") == str(tmp_path / "b")
