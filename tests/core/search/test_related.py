"""Related notes: the documents closest in meaning to one, from stored vectors only."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import numpy as np
import pytest

from core.errors import PonderError
from core.library import Library
from core.search.related import _link_pair
from desktop.cli.main import main

NOTES = {
    "tomatoes.txt": "Tomatoes split when they get too much water after a dry spell. "
    "Water the tomato plants evenly in the morning.",
    "garden.md": "# Garden\n\nThe vegetable garden needs compost in spring. "
    "Water the beans and the tomatoes every other day.",
    "bread.txt": "Knead the dough, let it rise overnight and bake the bread hot.",
    "cake.txt": "Bake the cake at 180 degrees until a knife comes out clean.",
    "train.txt": "The night train to Paris was late because of a signal failure.",
}


@pytest.fixture
def library(tmp_path: Path, real_encoder):
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, text in NOTES.items():
        (notes / name).write_text(text + "\n")
    library = Library(tmp_path / "data")
    library.use_encoder(real_encoder)
    library.index([notes])
    yield library, notes
    library.close()


def test_the_closest_documents_come_first_with_the_sentences_that_connect_them(library) -> None:
    lib, notes = library
    calls = lib.encoder.stats.calls
    hits = lib.related(notes / "tomatoes.txt", k=4)
    assert lib.encoder.stats.calls == calls  # nothing embedded again
    names = [Path(h.path).name for h in hits]
    assert "tomatoes.txt" not in names and names[0] == "garden.md"
    assert names.index("garden.md") < names.index("train.txt")
    assert "tomato" in hits[0].here.text.lower() and "tomatoes" in hits[0].there.text.lower()
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:], strict=False))
    baking = [Path(h.path).name for h in lib.related(notes / "bread.txt", k=1)]
    assert baking == ["cake.txt"]


def test_a_file_outside_the_library_is_an_error(library, tmp_path: Path) -> None:
    lib, _ = library
    with pytest.raises(PonderError, match="not indexed"):
        lib.related(tmp_path / "elsewhere.txt")


def test_a_deleted_file_is_no_longer_related(library) -> None:
    lib, notes = library
    assert "cake.txt" in {Path(h.path).name for h in lib.related(notes / "bread.txt", k=4)}
    (notes / "cake.txt").unlink()
    lib.refresh()
    assert "cake.txt" not in {Path(h.path).name for h in lib.related(notes / "bread.txt", k=4)}


def test_ponder_related_prints_json_without_loading_the_model(
    library, tmp_path: Path, monkeypatch
) -> None:
    lib, notes = library

    def no_model(*_args, **_kwargs):
        raise AssertionError("ponder related loaded the model")

    monkeypatch.setattr("core.library.load_encoder", no_model)
    out = tmp_path / "out.txt"
    args = ["--data-dir", str(lib.data_dir), "-q", "related", str(notes / "bread.txt")]
    with open(out, "w") as handle, contextlib.redirect_stdout(handle):
        assert main([*args, "-k", "2", "--json"]) == 0
    result = json.loads(out.read_text())
    assert result["path"] == str(notes / "bread.txt") and len(result["related"]) == 2
    first = result["related"][0]
    assert set(first) == {"path", "title", "score", "here", "there"}
    assert set(first["here"]) == {"text", "line", "page", "start", "end"}
    assert Path(first["path"]).name == "cake.txt"
    with open(out, "w") as handle, contextlib.redirect_stdout(handle):
        assert main(args) == 0
    assert out.read_text().startswith(" 1. ")


def test_a_selected_passage_finds_what_it_alone_is_about(tmp_path: Path, real_encoder) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, text in NOTES.items():
        (notes / name).write_text(text + "\n")
    mixed = "Bake the cake at 180 degrees. The night train to Paris was late again.\n"
    (notes / "mixed.txt").write_text(mixed)
    lib = Library(tmp_path / "data")
    lib.use_encoder(real_encoder)
    lib.index([notes])
    doc = next(d for d in lib.catalog.store.documents() if d.path.endswith("mixed.txt"))
    calls = lib.encoder.stats.calls
    start = mixed.index("The night")
    hits = lib.related_by_id(doc.id, k=2, span=(start, start + 10))
    assert lib.encoder.stats.calls == calls
    assert Path(hits[0].path).name == "train.txt"
    assert hits[0].here.text.startswith("The night train")  # only the selection links
    cake = lib.related_by_id(doc.id, k=1, span=(0, 5))
    assert Path(cake[0].path).name == "cake.txt"
    assert lib.related_by_id(doc.id, k=2, span=(len(mixed) + 5, len(mixed) + 9)) == []
    lib.close()


def test_a_document_of_nothing_but_boilerplate_does_not_let_the_other_show_its_own() -> None:
    """Each side leaves out its boilerplate where it has another sentence: the closest pair
    here is the asking document's licence line and the other's, yet its own sentence shows."""
    mine = np.array([[1.0, 0.0], [0.6, 0.8]], np.float32)  # a licence line, then its own
    theirs = np.array([[1.0, 0.0]], np.float32)  # nothing but the licence line
    i, j = _link_pair(mine, theirs, np.array([False, True]), np.array([False]))
    assert (i, j) == (1, 0)
    # Both sides with sentences of their own: both leave the licence out.
    i, j = _link_pair(mine, mine, np.array([False, True]), np.array([False, True]))
    assert (i, j) == (1, 1)


def test_copies_are_not_related_notes_and_count_once(library) -> None:
    """A copy of the file asked about is the same note, not a related one; two copies of another
    note are one related note (as they are one search result, `core.search.copies`)."""
    lib, notes = library
    for folder in ("one", "two"):
        (notes / folder).mkdir()
        (notes / folder / "tomatoes.txt").write_text(NOTES["tomatoes.txt"] + "\n")
        (notes / folder / "garden.md").write_text(NOTES["garden.md"] + "\n")
    lib.index([notes])
    hits = lib.related(notes / "tomatoes.txt", k=4)
    paths = [Path(h.path) for h in hits]
    assert not any(p.name == "tomatoes.txt" for p in paths)
    assert [p.name for p in paths].count("garden.md") == 1 and paths[0].name == "garden.md"
    assert len(hits) == 4  # the four other notes, each once
