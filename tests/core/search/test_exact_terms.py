"""Exact terms: a sentence holds a term when the term's tokens occur in it as a run of whole
tokens, case and diacritics folded, as the keyword index splits text."""

from __future__ import annotations

import re
import unicodedata

import pytest

from core.search.exact_terms import held, tokens


def _reference_tokens(text: str) -> list[str]:
    """The folding spelled out in full, for every text (no shortcut for ASCII)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return re.findall(r"\w+", "".join(c for c in folded if not unicodedata.combining(c)))


TEXTS = [
    "Set O_NONBLOCK on the descriptor.",
    "CVE-2023-1234 was fixed; CVE-2021 was not.",
    "Café CRÈME and naïve résumé",
    "Straße, STRASSE and strasse",
    "ﬁle ligatures and Ⅻ numerals",
    "the sqlite WAL journal (SQLite's write-ahead log)",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_tokens_fold_case_and_diacritics(text: str) -> None:
    assert tokens(text) == _reference_tokens(text)


@pytest.mark.parametrize(
    ("text", "terms", "count"),
    [
        ("Set O_NONBLOCK on the descriptor.", ["o_nonblock", "O_NONBLOCK"], 2),
        ("Set O_NONBLOCKING on it.", ["O_NONBLOCK"], 0),  # a substring is not a whole token
        ("CVE-2023-1234 was fixed", ["CVE-2023", "CVE-2021"], 1),
        ("CVE-2021 2023", ["CVE-2023"], 0),  # the tokens, but not in a run
        ("Café CRÈME", ["cafe creme", "CAFÉ"], 2),
        ("Straße", ["STRASSE"], 1),
        ("SQLite WAL", ["", "sqlite", "wal mode"], 1),
    ],
)
def test_held_counts_terms_as_runs_of_whole_tokens(text: str, terms: list[str], count: int) -> None:
    assert held(text, terms) == count
