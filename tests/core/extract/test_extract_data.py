"""Tests for core.extract given the bytes the caller already read (the indexer reads once)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_extract import make_pdf, write

from core.errors import SkipFile
from core.extract import extract


def test_given_bytes_are_extracted_without_reading_the_file(tmp_path: Path, monkeypatch) -> None:
    path = write(tmp_path, "notes.md", "# Old\n\nOn disk.\n")

    def no_reading(self: Path) -> bytes:
        raise AssertionError("the caller's bytes must be used, not the file")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    result = extract(path, b"# New\n\nIn memory.\n")
    assert (result.title, result.text, result.kind) == ("New", "New\n\nIn memory.", "markdown")


def test_given_bytes_match_reading_the_file(tmp_path: Path) -> None:
    data = make_pdf(["Hello world.", "Second page here."], title="Field notes")
    path = write(tmp_path, "notes.pdf", data)
    assert extract(path, data) == extract(path)


def test_given_bytes_are_checked_like_a_file(tmp_path: Path) -> None:
    path = tmp_path / "never-written.txt"
    with pytest.raises(SkipFile, match="^empty$"):
        extract(path, b"")
    with pytest.raises(SkipFile, match=r"^too large: 100 bytes > 99 bytes limit$"):
        extract(path, b"x" * 100, max_bytes=99)
    with pytest.raises(SkipFile, match=r"unsupported file type \.jpg"):
        extract(tmp_path / "photo.jpg", b"\xff\xd8\xff")
    with pytest.raises(SkipFile, match="binary"):
        extract(path, b"\x00\x01\x02" * 100)
