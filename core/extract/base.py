"""What a format reader is: the contract between `core.extract` and each file format.

A format is one module that builds a `Format`: the file kind, the suffixes that name it and a
reader from the file's bytes to its pages and title. `registry.py` lists them by suffix, so a
new format (EPUB, ODT, RTF...) is one new module and one line there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# What each reader returns: the text of each page (one page for unpaged formats) and a title.
Pages = tuple[list[str], str]


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
