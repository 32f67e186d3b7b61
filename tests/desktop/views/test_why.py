"""Why a result matched: the preview tints its sentence's words by their share of the match,
and "Why this result?" shows the query × sentence heat map whose cells add up to it."""

from __future__ import annotations

import pytest

QUERY = "how do I stop my tomatoes from splitting"


def test_the_best_sentence_is_tinted_word_by_word(make_window, sample_data, gui, qtbot) -> None:
    window = make_window(sample_data)
    tab = window.search_tab
    results = gui.search(window, QUERY)
    hit = results.hits[0]
    assert hit.path.endswith("tomatoes.md") and not results.keywords_only
    qtbot.waitUntil(lambda: bool(tab.preview.tinted()), timeout=20_000)
    hit_shown, why = tab.why.latest
    assert hit_shown == hit and why.sentence.ordinal == hit.sentence.ordinal
    # every tinted word lies inside the highlighted best sentence, and they are its words
    sentence = (hit.sentence.start, hit.sentence.end)
    text = tab.preview.text.toPlainText()
    for start, end in tab.preview.tinted():
        assert sentence[0] <= start < end <= sentence[1]
    words = [text[a:b].lower() for a, b in tab.preview.tinted()]
    assert "split" in words  # the word the sentence answers the query with
    # the explanation is of the score that ranked the sentence
    assert why.explanation.exact
    assert why.explanation.score == pytest.approx(hit.sentence.score, abs=2e-3)
    gui.screenshot(window, "why-tinted.png")

    dialog = tab.why_current()
    assert dialog is not None and dialog.isVisible()
    shown = dialog.heatmap.explanation
    assert shown is why.explanation
    assert shown.matrix.sum() == pytest.approx(shown.score, abs=1e-6)
    assert shown.tokens_a[0] == "[CLS]"  # the query, as the model saw it
    dialog.resize(900, 560)
    assert dialog.grab().save(str(gui.screenshot(window, "why-dialog.png")))
    dialog.close()


def test_a_weaker_match_is_not_explained(make_window, sample_data, gui, qtbot) -> None:
    window = make_window(sample_data)
    tab = window.search_tab
    results = gui.search(window, "xyzzyplugh")
    assert all(h.weak for h in results.hits)
    assert tab.preview.tinted() == [] and tab.why.latest is None
