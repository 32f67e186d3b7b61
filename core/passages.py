"""Group a document's sentences into passages that fit the model's window.

A sentence alone loses its context ("It does." means little), so every document is also embedded
as consecutive runs of sentences packed up to the model's `max_seq_length`. Consecutive passages
share one sentence, so no sentence boundary is ever the only place a thought is cut.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.records import Window

OVERLAP = 1  # sentences shared by consecutive passages


def pack(token_lengths: Sequence[int], budget: int) -> list[Window]:
    """The first and last sentence ordinals, inclusive, of passages of at most `budget` tokens.

    `token_lengths` count each sentence's word pieces without special tokens; a sentence longer
    than the budget becomes a passage of its own (the encoder truncates it).
    """
    passages: list[Window] = []
    first, n = 0, len(token_lengths)
    while first < n:
        last, used = first, token_lengths[first]
        while last + 1 < n and used + token_lengths[last + 1] <= budget:
            last += 1
            used += token_lengths[last]
        passages.append(Window(first, last))
        if last + 1 >= n:
            break
        first = max(last + 1 - OVERLAP, first + 1)
    return passages


def opening(token_lengths: Sequence[int], budget: int) -> Window:
    """The document's opening passage: as many leading sentences as fit `budget` tokens.

    It is the only passage the indexer embeds (search scores a document by it; see
    core/search.py): packing every passage embedded each token a second time and bought no
    ranking quality (README, "Indexing").
    """
    last, used = 0, token_lengths[0] if token_lengths else 0
    while last + 1 < len(token_lengths) and used + token_lengths[last + 1] <= budget:
        last += 1
        used += token_lengths[last]
    return Window(0, last)
