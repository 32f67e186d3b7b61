"""Copies of one file are one search result: the best ranked, carrying the others' paths, so a
search for `k` documents still returns `k` distinct ones (`core.search.copies`)."""

from __future__ import annotations

from pathlib import Path

from test_two_phase import _words_only

from core.library import Library
from core.records import DocumentRow, Status
from core.search.copies import _distinct

CHANGELOG = (
    "curl (7.88.1-10) bookworm; urgency=medium\n"
    "Add patches from upstream to restore the sftp host behaviour of the curl tool.\n"
)
NOTES = {
    "bread.txt": "The curl of the sourdough crust shows the oven was hot enough.\n",
    "hair.txt": "A curl iron shapes the hair; let the curl cool before brushing.\n",
}
PACKAGES = ("curl", "libcurl4", "libcurl3-gnutls", "libcurl3-nss")


def _library(tmp_path: Path) -> tuple[Path, list[Path]]:
    """Four packages shipping one changelog, and two other notes naming curl."""
    folder = tmp_path / "doc"
    changelogs = []
    for package in PACKAGES:
        (folder / package).mkdir(parents=True)
        changelogs.append(folder / package / "changelog.Debian")
        changelogs[-1].write_text(CHANGELOG)
    for name, text in NOTES.items():
        (folder / name).write_text(text)
    return folder, changelogs


def _check(hits, changelogs: list[Path]) -> None:
    """Three distinct documents; the changelog once, naming its three copies."""
    assert len(hits) == 3
    shown = [h for h in hits if Path(h.path).name == "changelog.Debian"]
    assert len(shown) == 1
    found = {shown[0].path, *shown[0].copies}
    assert found == {str(p) for p in changelogs} and len(shown[0].copies) == 3
    assert shown[0].to_json()["copies"] == list(shown[0].copies)
    assert all(h.copies == () for h in hits if h is not shown[0])


def test_copies_are_one_hit_and_k_hits_stay_distinct(tmp_path: Path, tiny_model: Path) -> None:
    folder, changelogs = _library(tmp_path)
    library = Library(tmp_path / "data", tiny_model)
    _words_only(library, folder)  # nothing embedded: the search by keywords alone
    _check(library.search("curl", k=3), changelogs)
    _check(library.keyword_search("curl", k=3), changelogs)
    library.refresh()  # embedded: the search by meaning and keywords
    _check(library.search("curl", k=3, keep_weak=True), changelogs)
    library.close()


def _row(doc_id: int, digest: str | None, title: str = "") -> DocumentRow:
    return DocumentRow(
        doc_id, f"/d/{doc_id}", None, 1, 0.0, digest, Status.INDEXED, None, None, title
    )


def test_only_the_same_content_and_title_is_a_copy() -> None:
    rows = {
        1: _row(1, "aa"),
        2: _row(2, "bb"),
        3: _row(3, "aa"),  # a copy of 1
        4: _row(4, "aa", "Another title"),  # same bytes read as another title: kept apart
        5: _row(5, None),  # no hash (not read yet): never a copy
        6: _row(6, None),
        7: _row(7, "bb"),  # a copy of 2, found after the first k
    }
    found = _distinct(rows, [1, 2, 3, 4, 5, 6, 7, 8], 4)
    assert found.ids == [1, 2, 4, 5]
    assert found.copies == {1: [3], 2: [7]}
    assert _distinct(rows, [1, 3, 8, 9], 3).ids == [1, 8, 9]  # unread rows are taken as they are
