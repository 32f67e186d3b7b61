"""The library's behaviour, the same on both backends: a folder (SQLite + FAISS) and a team
library on a real PostgreSQL + pgvector server. Each test runs once per backend (`location`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.errors import IndexMismatchError
from core.library import Library
from core.records import Status

NOTES = {
    "bread.txt": "Bake the bread in the oven at night. The oven was hot.",
    "garden.md": "# Garden\n\nWater the tomato garden. The garden is on a hill.",
    "money.txt": "The budget for the train to Paris. Money is tight.",
    "code.txt": "Run the test to find the bug in the code. It was a python file.",
}


def _notes(root: Path) -> Path:
    notes = root / "notes"
    (notes / "sub").mkdir(parents=True)
    for name, text in NOTES.items():
        (notes / name).write_text(text)
    (notes / "sub" / "travel.txt").write_text("Sleep on the night train to Paris.")
    return notes


@dataclass
class Indexed:
    library: Library
    notes: Path
    location: object  # the backend's library location
    model: Path


@pytest.fixture
def indexed(location, tmp_path: Path, tiny_model: Path) -> Iterator[Indexed]:
    """The notes, indexed into a new library of the backend under test."""
    notes = _notes(tmp_path)
    library = Library(location, tiny_model)
    library.index([notes])
    yield Indexed(library, notes, location, tiny_model)
    library.close()


def test_index_search_and_status(location, tmp_path: Path, tiny_model: Path) -> None:
    notes = _notes(tmp_path)
    (notes / "broken.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    library = Library(location, tiny_model)
    summary = library.index([notes])
    assert (summary.indexed, summary.failed) == (len(NOTES) + 1, 1)
    hits = library.search("bake the bread in the oven", k=3)
    assert hits and hits[0].path == str(notes / "bread.txt")
    assert hits[0].title == "Bread"  # a plain text's title is its file name, capitalised
    status = library.status()
    assert status.counts.indexed == len(NOTES) + 1 and status.counts.failed == 1
    assert (status.counts.sentences, status.counts.passages) == (10, 5)  # one passage a note
    assert [p.status for p in status.problems] == [Status.FAILED]
    assert library.roots() == [str(notes)]
    assert status.bytes_on_disk > 0
    library.close()


def test_reindex_embeds_only_what_changed(indexed: Indexed) -> None:
    library, notes = indexed.library, indexed.notes
    library.close()
    again = Library(indexed.location, indexed.model)
    summary = again.index([notes])
    assert summary.unchanged == len(NOTES) + 1 and summary.indexed == 0
    assert again.encoder.stats.texts == 0
    (notes / "money.txt").write_text("The garden needs water every night.")
    summary = again.refresh()
    assert (summary.indexed, summary.unchanged) == (1, len(NOTES))
    hit = again.search("the garden needs water every night", k=1)[0]
    assert hit.path == str(notes / "money.txt")
    again.close()


def test_moved_file_keeps_its_vectors(indexed: Indexed) -> None:
    library, notes = indexed.library, indexed.notes
    before = library.counts()
    os.rename(notes / "bread.txt", notes / "sub" / "baking.txt")
    texts = library.encoder.stats.texts
    summary = library.index([notes])
    assert (summary.moved, summary.indexed, summary.removed) == (1, 0, 0)
    assert library.encoder.stats.texts == texts  # nothing embedded again
    assert library.counts() == before
    paths = [h.path for h in library.search("bake the bread in the oven", k=5)]
    assert str(notes / "sub" / "baking.txt") in paths and str(notes / "bread.txt") not in paths


def test_deleted_and_removed_files_leave(indexed: Indexed) -> None:
    library, notes = indexed.library, indexed.notes
    (notes / "code.txt").unlink()
    assert library.index([notes]).removed == 1
    assert str(notes / "code.txt") not in [h.path for h in library.search("the bug", k=10)]
    assert library.remove([notes / "sub"]) == 1
    assert library.remove([notes]) == len(NOTES) - 1
    counts = library.counts()
    assert (counts.indexed, counts.sentences, counts.passages) == (0, 0, 0)
    assert library.search("the garden", k=5) == []


def test_phrases_filters_and_keywords(indexed: Indexed) -> None:
    library, notes = indexed.library, indexed.notes
    phrase = library.search('"night train"', k=10)
    assert [h.path for h in phrase] == [str(notes / "sub" / "travel.txt")]
    inside = library.search(f"paris in:{notes / 'sub'}", k=10)
    assert {h.path for h in inside} == {str(notes / "sub" / "travel.txt")}
    markdown = library.search("garden type:md", k=10)
    assert {h.path for h in markdown} == {str(notes / "garden.md")}
    # every note but the one that says "water"
    others = {str(notes / n) for n in NOTES if n != "garden.md"} | {str(notes / "sub/travel.txt")}
    assert {h.path for h in library.search("garden -water", k=10)} == others
    keyword = library.keyword_search("tomato", k=5)
    assert [h.path for h in keyword] == [str(notes / "garden.md")]


def test_a_result_s_context_is_its_sentence_and_neighbours(indexed: Indexed) -> None:
    """The context is cut from the stored text by the database (by characters, as Python
    counts them: accents and emoji take several bytes) without reading the whole text."""
    library, notes = indexed.library, indexed.notes
    text = "Le café brûle. Ça fait 🔥 très chaud là-bas. Über den Fluß geht die Fähre."
    (notes / "cafe.txt").write_text(text)
    library.index([notes])
    hits = library.search("Ça fait très chaud", k=10)
    hit = next(h for h in hits if h.path == str(notes / "cafe.txt"))
    assert text[hit.sentence.start : hit.sentence.end] == hit.sentence.text
    assert hit.context == text[hit.context_start : hit.context_start + len(hit.context)]
    assert hit.sentence.text in hit.context and len(hit.context) > len(hit.sentence.text)


def test_another_model_is_refused(indexed: Indexed) -> None:
    library, notes = indexed.library, indexed.notes
    library.close()
    with pytest.raises(IndexMismatchError):
        Library(indexed.location, indexed.model, pooling="cls").index([notes])


def test_related_and_map(indexed: Indexed) -> None:
    library, notes = indexed.library, indexed.notes
    related = library.related(notes / "money.txt", k=3)
    others = {str(notes / n) for n in NOTES if n != "money.txt"} | {str(notes / "sub/travel.txt")}
    paths = [r.path for r in related]
    assert len(paths) == 3 and set(paths) < others  # three notes, never the note itself
    points = library.library_map().points
    assert {p.path for p in points} == {str(p) for p in notes.rglob("*.*")}
