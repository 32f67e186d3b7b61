"""What a format reader is: the contract between `core.extract` and each file format.

A format is one module that builds a `Format`: the file kind, the suffixes that name it and a
reader from the file's bytes to its pages and title. `registry.py` lists them by suffix, so a
new format is one new module and one line there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple


class Pages(NamedTuple):
    """What a reader returns: the text of each page (one for unpaged formats) and a title."""

    texts: list[str]
    title: str
    # Said when a limit cut the document short ("only the first 2000 of 5000 pages were read").
    note: str = ""


@dataclass(frozen=True)
class Format:
    """One file format: its kind, its suffixes and how to read it."""

    kind: str
    suffixes: tuple[str, ...]
    read: Callable[[bytes], Pages]
    # Paged formats keep their page starts; for the others one "page" is the whole text.
    paged: bool = False
    # Said when the file yields no text: "empty" for text files, "no text found" for documents.
    blank_reason: str = "no text found"
    # A container of many documents (an mbox of messages): the file's bytes to each document's
    # bytes, read by `read`, plus a note when a limit left some out.
    split: Callable[[bytes], tuple[list[bytes], str]] | None = None
