"""The one query parser the command line and the window share."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import QueryError
from core.query import parse, strip_filters


def test_free_text_phrases_exclusions_and_filters() -> None:
    q = parse('how to "reap a child" -zombie -"process group" type:pdf,MD in:notes after:2025-01')
    assert q.text == "how to reap a child"
    assert q.words == ("reap", "child")  # stop words say nothing to the keyword index
    assert q.phrases == ("reap a child",)
    assert q.excluded == ("zombie", "process group")
    assert q.filters.kinds == ("pdf", "md")
    assert q.filters.folders == ("notes",)
    assert q.filters.after == dt.datetime(2025, 1, 1).timestamp()
    assert q.filters.before is None
    assert q.narrowed


def test_plain_query_is_not_narrowed_and_keeps_identifiers_whole() -> None:
    q = parse("O_NONBLOCK st_mtime")
    assert (q.text, q.words, q.narrowed) == (
        "O_NONBLOCK st_mtime",
        ("o_nonblock", "st_mtime"),
        False,
    )


def test_folder_paths_become_absolute_and_unknown_prefixes_stay_words(tmp_path) -> None:
    assert parse(f"in:{tmp_path}/").filters.folders == (str(tmp_path),)
    assert parse("see http://example.org").text == "see http://example.org"
    assert parse("before:2024-12-31").filters.before == dt.datetime(2024, 12, 31).timestamp()


@pytest.mark.parametrize("bad", ["after:yesterday", "before:2025-13-01", "type:"])
def test_bad_filters_say_how_to_write_them(bad: str) -> None:
    with pytest.raises(QueryError):
        parse(bad)


def test_a_negative_number_is_text_not_an_exclusion() -> None:
    query = parse("Why does -22 // 10 return -3? -foo")
    assert query.text == "Why does -22 // 10 return -3?"
    assert query.excluded == ("foo",)


def test_filters_can_be_stripped_from_the_text_and_the_query() -> None:
    raw = 'bread "rye loaf" -type:x type:pdf,md in:"/my notes" after:2024 type: before:2030-01-01'
    assert strip_filters(raw) == 'bread "rye loaf" -type:x'
    kept = 'bread "rye loaf" -type:x in:"/my notes" after:2024 before:2030-01-01'
    assert strip_filters(raw, ("type",)) == kept
    q = parse(raw.replace("type: ", ""))
    assert q.filters and not q.without_filters().filters
    assert q.without_filters().text == q.text and q.without_filters().phrases == ("rye loaf",)
