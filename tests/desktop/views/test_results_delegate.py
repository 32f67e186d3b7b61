"""A result's context is one clean line: no doubled spaces where lines broke, no underline."""

from __future__ import annotations

from desktop.views.results_delegate import LEAD_IN, trimmed_context


def test_a_heading_and_its_underline_read_as_one_line() -> None:
    context = "Git v2.31.7 Release Notes\n=========================\n\nThis release merges fixes."
    best = context.index("This")
    text, start, end = trimmed_context(context, best, len(context))
    assert text == "Git v2.31.7 Release Notes This release merges fixes."
    assert text[start:end] == "This release merges fixes."


def test_spaces_within_a_line_stay_and_offsets_follow() -> None:
    context = "Keep  this.\n\n\n   Then the answer is here."
    best = context.index("Then")
    text, start, end = trimmed_context(context, best, len(context))
    assert text == "Keep  this. Then the answer is here."
    assert text[start:end] == "Then the answer is here."


def test_a_long_lead_in_is_cut_before_the_best_sentence() -> None:
    context = "word " * 40 + "The best sentence."
    best = context.index("The")
    text, start, end = trimmed_context(context, best, len(context))
    assert text.startswith("…") and start <= LEAD_IN
    assert text[start:end] == "The best sentence."
