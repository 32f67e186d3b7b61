"""Which sentences of a shown document match (`core.search.matches`): the same ones whether a long
document's text is searched or every sentence read, the best kept, all counted."""

from __future__ import annotations

import numpy as np
import pytest
from support_store import document, unit_vectors

from core.search import matches
from core.search.exact_terms import held
from core.store import Store, blocks

DIM = 8
TERM = "XZ_CHECK_CRC64"


def _vectors(count: int, seed: int) -> np.ndarray:
    return unit_vectors(count, seed, DIM)


def _pieces(count: int, holding: set[int], accent: str = "none") -> list[str]:
    """Sentences, those in `holding` naming the term; `accent`: "everywhere" puts a character
    outside ASCII in every sentence, "holder" spells one holder's term with one ("xz_chéck"
    folds to the term, so it holds it)."""
    word = "café" if accent == "everywhere" else "cafe"
    ending = {i: f" and {TERM.lower()} here." for i in holding}
    if accent == "holder":
        ending[min(holding)] = " and xz_chéck_crc64 here."
    return [f"Sentence {i} about the {word} buffer{ending.get(i, '.')}" for i in range(count)]


def _every_sentence(store: Store, scores, terms: tuple[str, ...]) -> matches.Matching:
    """What reading every sentence gives (the way before the text was searched)."""
    rows = store.sentences_by_id(scores.ids.tolist())
    counts = np.array([held(rows[int(i)].text, terms) for i in scores.ids])
    if not counts.max():
        return matches.by_meaning(scores.scores)
    holding = np.flatnonzero(counts == counts.max())
    holding = holding[np.argsort(-scores.scores[holding], kind="stable")]
    return matches.Matching(holding[: matches.MATCHES_KEPT], len(holding))


@pytest.mark.parametrize("accent", ["none", "everywhere", "holder"])
def test_a_long_documents_term_holders_are_found_in_its_text(store: Store, accent: str) -> None:
    count = blocks.BLOCK_FROM * 4
    holding = {3, 100, 201}
    own = {50: f"A cleaned-up sentence naming {TERM}.", 51: "Another of its own."}
    long_id = store.write_document(
        document("/r/long.txt", _pieces(count, holding, accent), own), _vectors(count, 1),
        _vectors(1, 2),
    )  # fmt: skip
    short_id = store.write_document(
        document("/r/short.txt", _pieces(6, {2})), _vectors(6, 3), _vectors(1, 4)
    )
    query = _vectors(1, 5)[0]
    scored = store.sentence_scores([long_id, short_id], query, DIM)
    read: list[int] = []
    by_id = store.sentences_by_id

    def counted(ids):
        read.extend(ids)
        return by_id(ids)

    store.sentences_by_id = counted
    found = matches.by_terms(store, scored, [long_id, short_id], (TERM,))
    store.sentences_by_id = by_id
    for doc in (long_id, short_id):
        want = _every_sentence(store, scored[doc], (TERM,))
        assert found[doc].positions.tolist() == want.positions.tolist()
        assert found[doc].count == want.count
    assert sorted(found[long_id].positions.tolist()) == sorted(holding | {50})
    long_ids = set(scored[long_id].ids.tolist())
    assert len(long_ids & set(read)) == len(own)  # only those, never all 256
    assert set(scored[short_id].ids.tolist()) <= set(read)  # a short note is read whole


def test_a_term_held_nowhere_in_the_sentences_matches_by_meaning(store: Store) -> None:
    count = blocks.BLOCK_FROM + 1
    doc_id = store.write_document(
        document("/r/long.txt", _pieces(count, set())), _vectors(count, 1), _vectors(1, 2)
    )
    scored = store.sentence_scores([doc_id], _vectors(1, 3)[0], DIM)
    found = matches.by_terms(store, scored, [doc_id], (TERM,))
    expected = matches.by_meaning(scored[doc_id].scores)
    assert found[doc_id].positions.tolist() == expected.positions.tolist()


def test_only_the_best_matches_are_kept_and_all_are_counted() -> None:
    scores = np.full(5 * matches.MATCHES_KEPT, 0.5, np.float32)
    scores[7] = 0.55
    found = matches.by_meaning(scores)
    assert len(found.positions) == matches.MATCHES_KEPT and found.positions[0] == 7
    assert found.count == len(scores)


@pytest.mark.parametrize("words", [["buffer", "xz_check_crc64"], ["sentenc"], ["nowhere"]])
def test_a_long_documents_word_namers_are_found_in_its_text(store: Store, words) -> None:
    """Without the model (keywords alone), the sentences naming the most of the query's words,
    as counting every sentence gives them; a long document's are found in its text."""
    count = blocks.BLOCK_FROM * 4
    own = {50: f"Its own text naming {TERM} and a buffer."}
    long_id = store.write_document(
        document("/r/long.txt", _pieces(count, {3, 100}), own), _vectors(count, 1), _vectors(1, 2)
    )
    short_id = store.write_document(
        document("/r/short.txt", _pieces(6, {2})), _vectors(6, 3), _vectors(1, 4)
    )
    texts = store.texts([long_id, short_id])
    found = matches.by_words(store, [long_id, short_id], texts, words, DIM)
    for doc, sentences in store.sentences_of([long_id, short_id], DIM).items():
        rows = sentences[0]
        counts = [matches.named(r.text, words) for r in rows]
        most = max(counts)
        want = [i for i, c in enumerate(counts) if c == most]
        assert found[doc].most == most and found[doc].count == len(want)
        assert found[doc].positions.tolist() == want[: matches.MATCHES_KEPT]
        assert found[doc].ids.tolist() == [r.id for r in rows]
