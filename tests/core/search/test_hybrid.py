"""Keyword + meaning with the real model: phrases, exclusions, filters, the relevance floor."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from core.library import Library
from core.search.fusion import Mode

NOTES = {
    "kite.txt": "We watched the red kite circling over the valley for an hour.",
    "kites.txt": "Red kites are birds of prey that nest in tall trees.",
    "toy.md": "# Toy\n\nA kite that is red flew from the beach on a windy day.",
    "sockets/flags.txt": "Set O_NONBLOCK on the socket so a read returns at once.",
    "sockets/wait.txt": "A read on a socket can block until data arrives or return early.",
    "sockets/close.txt": "Close the socket when the reads are done to free the descriptor.",
    "bread.txt": "Knead the dough, let it rise overnight and bake the bread hot.",
    "db.txt": "Databases store tables of rows. The app keeps its index in SQLite, a file on disk. "
    "Backups copy that file each night.",
    "changelog.txt": "Release notes. Fixed CVE-2021-44228 in the logger. Fixed CVE-2022-22965 in "
    "the web framework. Each CVE fix is listed here with its CVE number.",
    "advisory.txt": "The image servers were patched on Monday. They had CVE-2023-4863, a heap "
    "overflow in decoding. Nothing was lost.",
}


@pytest.fixture(scope="module")
def library(tmp_path_factory, real_encoder):
    root = tmp_path_factory.mktemp("hybrid")
    notes = root / "notes"
    for name, text in NOTES.items():
        path = notes / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        when = dt.datetime(2024, 6, 1) if name == "bread.txt" else dt.datetime(2025, 3, 1)
        os.utime(path, (when.timestamp(), when.timestamp()))
    library = Library(root / "data")
    library.use_encoder(real_encoder)
    library.index([notes])
    yield library, notes
    library.close()


def _names(hits) -> list[str]:
    return [Path(h.path).name for h in hits]


def test_a_quoted_phrase_returns_only_documents_that_contain_it(library) -> None:
    lib, _ = library
    hits = lib.search('"red kite"', 10)
    assert _names(hits) == ["kite.txt"]  # not "red kites", not "a kite that is red"
    assert set(_names(lib.search("red kite bird", 10))) >= {"kite.txt", "kites.txt", "toy.md"}
    assert not any(h.unquoted for h in hits)


def test_a_phrase_no_document_contains_is_read_as_words_and_says_so(library) -> None:
    lib, _ = library
    hits = lib.search('where do "birds of the valley" nest', 3)
    assert hits and all(h.unquoted for h in hits)
    assert _names(hits)[0] in {"kites.txt", "kite.txt"}  # by meaning, not an empty page
    # A filter still holds when the phrase is dropped.
    assert set(_names(lib.search('"birds of the valley" type:md', 3))) == {"toy.md"}


def test_a_minus_word_excludes_the_documents_that_have_it(library) -> None:
    lib, _ = library
    names = _names(lib.search("socket read -O_NONBLOCK", 10))
    assert "flags.txt" not in names and "wait.txt" in names


def test_type_folder_and_date_filters(library) -> None:
    lib, notes = library
    assert _names(lib.search("red kite type:md", 10)) == ["toy.md"]
    assert set(_names(lib.search("kite type:txt", 10))) <= {
        "kite.txt", "kites.txt", "flags.txt", "wait.txt", "close.txt", "bread.txt", "db.txt",
        "changelog.txt", "advisory.txt",
    }  # fmt: skip
    assert set(_names(lib.search("reading data in:sockets", 10, keep_weak=True))) == {
        "flags.txt", "wait.txt", "close.txt"
    }  # fmt: skip
    assert set(_names(lib.search(f"bake in:{notes / 'sockets'}", 10))) <= {
        "flags.txt", "wait.txt", "close.txt"
    }  # fmt: skip
    assert _names(lib.search("bread before:2025-01-01", 10)) == ["bread.txt"]
    assert "bread.txt" not in _names(lib.search("bread after:2025-01-01", 10))


def test_an_identifier_finds_the_one_document_that_names_it(library) -> None:
    lib, _ = library
    assert _names(lib.search("O_NONBLOCK", 3))[0] == "flags.txt"
    assert _names(lib.search("O_NONBLOCK", 3, Mode.KEYWORD)) == ["flags.txt"]


def test_nonsense_has_no_close_match_and_a_real_query_does(library) -> None:
    lib, _ = library
    assert all(h.weak for h in lib.search("xqzzv blorp", 10))
    best = lib.search("bird of prey nesting in trees", 3)[0]
    assert Path(best.path).name == "kites.txt" and not best.weak
    assert best.to_json()["weak"] is False


def test_keyword_search_answers_without_the_model(library) -> None:
    lib = Library(library[0].data_dir)  # another process's view of it: no model loaded
    try:
        hits = lib.keyword_search("socket read", 5)
        assert not lib.model_loaded  # nothing was embedded, not even the query
        names = _names(hits)
        assert set(names) <= {"flags.txt", "wait.txt", "close.txt"} and "wait.txt" in names
        wait = hits[names.index("wait.txt")]
        assert "socket" in wait.sentence.text and not wait.weak
        assert _names(lib.keyword_search('"red kite"', 5)) == ["kite.txt"]
        assert lib.keyword_search("xqzzv blorp", 5) == []
    finally:
        lib.close()


def test_a_query_that_names_something_puts_the_documents_holding_it_first(library) -> None:
    lib, _ = library
    # The one document naming the flag leads and is a match, whatever its cosine.
    hits = lib.search("O_NONBLOCK", 3)
    assert _names(hits)[0] == "flags.txt" and not hits[0].weak
    assert len(lib.search("O_NONBLOCK", 3, keep_weak=True)) == 3  # the rest follow, by meaning
    # A described need is not a name: ranked by meaning as before.
    assert _names(lib.search("make a socket read return at once", 1)) == ["flags.txt"]


def test_an_exact_term_ranks_the_documents_holding_it_first(library) -> None:
    lib, _ = library
    hits = lib.search("CVE-2023", 10)
    assert _names(hits)[0] == "advisory.txt" and not hits[0].weak
    assert "CVE-2023-4863" in hits[0].sentence.text  # the sentence holding it is highlighted
    assert "changelog.txt" not in _names(hits)[:1]  # CVE-2021 and CVE-2022 are not CVE-2023
    hits = lib.search("SQLite", 10)
    assert _names(hits) == ["db.txt"]  # not padded with weaker, unrelated notes
    assert [m.text for m in hits[0].matches] == [hits[0].sentence.text]
    assert "SQLite" in hits[0].sentence.text


def test_weaker_matches_stay_when_nothing_is_better(library) -> None:
    lib, _ = library
    hits = lib.search("xqzzv blorp", 10)
    assert len(hits) == 10 and all(h.weak and not h.matches for h in hits)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("O_NONBLOCK", True),
        ("__getattr__", True),
        ("MEMBARRIER_", True),
        ("ValueError", True),
        ("PATHEXT", True),
        ("trepan3k", True),
        ("getaddrinfo_a()", True),
        ("tomatoes", False),
        ("Python", False),
        ("how do I stop a thread", False),
        ("main()", False),
        ("_", False),
    ],
)
def test_which_queries_name_something(text: str, named: bool) -> None:
    from core.search.fusion import names_something

    assert names_something(text) is named
