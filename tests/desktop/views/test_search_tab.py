"""Typing a query finds the right document first, explains why, and is driven by the keyboard."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from desktop.background.search_controller import SearchResults


def test_query_finds_the_expected_document_first(make_window, sample_data: Path, gui, qtbot):
    window = make_window(sample_data)
    tab = window.search_tab
    qtbot.waitUntil(tab.field.hasFocus)  # the search field has focus on start
    results = gui.search(window, "how do I stop my tomatoes from splitting")
    best = results.hits[0]
    assert best.path.endswith("tomatoes.md")
    assert tab.model.rowCount() == len(results.hits)
    assert tab.summary.text().startswith(f"{len(results.hits)} result")

    # the best result is selected and previewed, scrolled to its best sentence
    assert tab.view.currentIndex().row() == 0
    assert tab.preview.hit is not None and tab.preview.hit.document_id == best.document_id
    text = tab.preview.text.toPlainText()
    highlights = tab.preview.highlighted()
    # every matching sentence is highlighted (with late chunking, here only the answer itself:
    # its neighbours score 0.56 and under against its 0.69, past MATCH_MARGIN)
    assert len(highlights) == len(best.matches) >= 1
    start, end, strongest = max(highlights, key=lambda h: h[2])
    assert text[start:end] == best.sentence.text
    assert all(alpha <= strongest for _s, _e, alpha in highlights)
    assert tab.preview.text.textCursor().position() == start
    gui.screenshot(window, "results.png")

    # keyboard: arrows move from the field, Enter opens, Ctrl+Shift+O reveals the folder
    results = gui.search(window, "saving money")  # several close matches to move between
    best = results.hits[0]
    qtbot.keyClick(tab.field, Qt.Key.Key_Down)
    assert tab.view.currentIndex().row() == 1
    assert tab.preview.hit.document_id == results.hits[1].document_id
    qtbot.keyClick(tab.field, Qt.Key.Key_Up)
    assert tab.view.currentIndex().row() == 0
    qtbot.keyClick(tab.field, Qt.Key.Key_Return)
    assert window.opened_urls == [best.path]
    qtbot.keyClick(
        tab.field,
        Qt.Key.Key_O,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert window.opened_urls[-1] == str(Path(best.path).parent)
    tab.view.setFocus()
    qtbot.keyClick(tab.view, Qt.Key.Key_Down)
    qtbot.keyClick(tab.view, Qt.Key.Key_Return)
    assert window.opened_urls[-1] == results.hits[1].path

    # Escape clears the query and the results
    qtbot.keyClick(tab.field, Qt.Key.Key_Escape)
    assert tab.field.text() == "" and tab.model.rowCount() == 0


def test_typing_is_debounced_and_the_newest_query_wins(make_window, sample_data: Path, gui, qtbot):
    window = make_window(sample_data)
    controller = window.session.search
    delivered: list[SearchResults] = []
    controller.results_ready.connect(delivered.append)

    before = controller._serial
    gui.search(window, "tired after a long flight")
    assert controller._serial == before + 1  # a whole typed query runs one search

    # a query still running when a newer one arrives is dropped, never shown
    delivered.clear()
    controller.set_query("ancient trade routes")
    controller.search_now()
    with qtbot.waitSignal(controller.results_ready, timeout=20_000) as blocker:
        controller.set_query("fix a puncture")
        controller.search_now()
    assert blocker.args[0].query == "fix a puncture"
    assert [r.query for r in delivered] == ["fix a puncture"]
    assert window.search_tab.model.hits()[0].path.endswith("bike-repair.txt")
