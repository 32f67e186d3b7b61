"""The front door: opening, what a library holds, and who is writing to it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from core.errors import IndexMismatchError
from core.library import Library, library_exists
from core.records import Counts, Status


def test_a_new_library_and_what_it_holds(indexed, tiny_model: Path) -> None:
    data, notes = indexed
    assert library_exists(data) and not library_exists(data / "elsewhere")
    library = Library(data, tiny_model)
    try:
        assert library.roots() == [str(notes)]
        counts = library.counts()
        assert isinstance(counts, Counts) and counts.indexed == 4 and counts.pending == 0
        docs = {Path(d.path).name: d for d in library.documents()}
        assert docs["garden.md"].status is Status.INDEXED
        assert "tomato" in library.text(docs["garden.md"].id)
        assert library.text(10_000) == ""
        status = library.status()
        assert status.counts == counts and status.dimension == 32
        assert status.bytes_on_disk > 0
        assert library.model_name == tiny_model.name and library.pooling == "mean"
    finally:
        library.close()


def test_another_pooling_is_refused_without_a_rebuild(indexed, tiny_model: Path) -> None:
    data, _ = indexed
    with pytest.raises(IndexMismatchError, match="rebuild"):
        Library(data, tiny_model, "max")


def test_generation_moves_with_every_write_and_runs_are_visible(
    indexed, tiny_model: Path, tmp_path: Path
) -> None:
    data, _ = indexed
    library = Library(data, tiny_model)
    watcher = Library(data, tiny_model)
    try:
        before = watcher.generation()
        new = tmp_path / "new"
        new.mkdir()
        (new / "n.txt").write_text("The cat sat on the mat.")
        busy: list[bool] = []
        library.index([new], progress=lambda _p: busy.append(watcher.indexing_elsewhere()))
        assert busy and all(busy)  # seen from the other handle while the run lasts
        assert not watcher.indexing_elsewhere()
        assert watcher.generation() > before
        assert str(new) in watcher.roots()
    finally:
        watcher.close()
        library.close()


def test_nothing_embedded_means_no_model_bound(tmp_path: Path, tiny_model: Path) -> None:
    library = Library(tmp_path / "data", tiny_model)
    try:
        assert library.search("anything") == []
        assert library.counts() == Counts()
    finally:
        library.close()


def test_following_links_out_of_a_folder_is_asked_for_and_remembered(
    tmp_path: Path, tiny_model: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "elsewhere.txt").write_text("The cat sat on the mat.")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "own.txt").write_text("Water the garden.")
    (notes / "link.txt").symlink_to(outside / "elsewhere.txt")
    library = Library(tmp_path / "data", tiny_model)
    try:
        summary = library.index([notes])
        assert summary.indexed == 1 and summary.skipped == 1
        assert "outside the folder" in summary.problems[0].reason
        assert library.index([notes], follow_links=True).indexed == 1
        assert library.refresh().unchanged == 2  # remembered: the link is still followed
        assert library.counts().indexed == 2
    finally:
        library.close()


def test_what_a_limit_left_out_is_recorded_on_the_document(
    tmp_path: Path, tiny_model: Path, monkeypatch
) -> None:
    from core.extract import limits

    monkeypatch.setattr(limits, "MARKDOWN_MAX_CHARS", 100)
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "big.md").write_text("# Garden\n\nWater the *tomato* garden.\n" * 20)
    library = Library(tmp_path / "data", tiny_model)
    try:
        assert library.index([notes]).indexed == 1
        [doc] = library.documents()
        assert doc.status is Status.INDEXED
        assert doc.reason and "indexed as plain text" in doc.reason
    finally:
        library.close()


def test_warming_up_opens_the_indexes_while_the_query_model_loads(
    indexed, tiny_model: Path
) -> None:
    """A window's first result by meaning waits for both; one after the other, it waits for
    their sum."""
    data, _ = indexed
    library = Library(data, tiny_model)
    opened = threading.Event()
    really_open = library.catalog.open_indexes

    def open_indexes() -> None:
        really_open()
        opened.set()

    def load() -> object:
        assert opened.wait(10), "the indexes waited for the query model"
        return object()  # a query model answers: torch is not loaded

    library.catalog.open_indexes = open_indexes  # type: ignore[method-assign]
    library.queries.load = load  # type: ignore[method-assign]
    try:
        library.warm_up()
        assert library.catalog.index_of("sentences") is not None
    finally:
        library.close()
