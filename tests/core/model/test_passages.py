"""Packing sentences into passages that fit the model's window, sharing one sentence."""

from __future__ import annotations

from core.model.passages import OVERLAP, pack
from core.records import Window


def test_passages_fit_the_budget_and_overlap() -> None:
    lengths = [10, 10, 10, 10, 10]
    windows = pack(lengths, 25)
    assert windows == [Window(0, 1), Window(1, 2), Window(2, 3), Window(3, 4)]
    for w in windows:
        assert sum(lengths[w.first : w.last + 1]) <= 25
    assert OVERLAP == 1


def test_one_passage_when_everything_fits_and_long_sentences_stand_alone() -> None:
    assert pack([3, 4, 5], 100) == [Window(0, 2)]
    assert pack([50, 300, 50], 100) == [Window(0, 0), Window(1, 1), Window(2, 2)]
    assert pack([], 100) == []


def test_the_opening_passage_is_the_leading_sentences_that_fit() -> None:
    from core.model.passages import opening

    assert opening([10, 10, 10, 10], 25) == Window(0, 1)
    assert opening([300, 10], 100) == Window(0, 0)  # a long first sentence alone
    assert opening([3, 4, 5], 100) == Window(0, 2)
