"""The Compare tab shows a bar per pooling strategy; bag-of-words pooling ignores word order.
It computes only while it shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt

from core.library import Library
from core.model.pooling import POOLING_STRATEGIES
from desktop.views.compare_model import Role
from desktop.window.main_window import COMPARE_TAB, SEARCH_TAB


def test_compare_two_sentences(make_window, gui, qtbot, tmp_path: Path):
    window = make_window(tmp_path / "data")
    window.show_tab(COMPARE_TAB)
    tab = window.compare_tab
    tab.set_texts("The dog chased the cat.", "The cat chased the dog.")
    with qtbot.waitSignal(tab.compared, timeout=20_000) as blocker:
        qtbot.mouseClick(tab.button, Qt.MouseButton.LeftButton)
    cosines = blocker.args[0]
    assert set(cosines) == set(POOLING_STRATEGIES)
    assert cosines["static_mean"] > 0.9999  # same words, same bag
    contextual = {n: c for n, c in cosines.items() if n != "static_mean"}
    assert max(contextual.values()) < 0.9995  # the transformer reads the order
    assert tab.status.text() == "static_mean rates the two as identical."
    shown = {
        tab.model.index(r).data(Role.NAME): tab.model.index(r).data(Role.COSINE)
        for r in range(tab.model.rowCount())
    }
    assert shown == cosines
    assert tab.model.index(0).data(Role.IN_USE)  # "mean": what this library searches with
    # the heat map of the library's own pooling is on display, its cells adding up to the bar
    shown_map = tab.heatmap.explanation
    assert shown_map is not None and shown_map.pooling == "mean"
    assert shown_map.matrix.sum() == pytest.approx(cosines["mean"], abs=1e-6)
    assert "add up to the score exactly" in tab.why.text()
    assert "all-MiniLM-L6-v2 · mean" in window.library_label.text()  # its own name, not a package's
    gui.screenshot(window, "compare.png")
    with qtbot.waitSignal(tab.explained, timeout=5_000):
        tab.select("static_mean")
    bag = tab.heatmap.explanation
    assert bag is not None and bag.pooling == "static_mean"
    assert "[CLS]" not in bag.tokens_a  # a bag of words has no special tokens
    assert sorted(bag.shares_a.round(6)) == sorted(bag.shares_b.round(6))  # same words, same bag
    gui.screenshot(window, "compare-static.png")
    with qtbot.waitSignal(tab.explained, timeout=5_000):
        tab.select("cls")
    assert "approximation" in tab.why.text().lower()

    with qtbot.waitSignal(tab.compared, timeout=20_000) as blocker:
        tab.set_texts("A cheap flight to Lisbon", "Bread rises overnight in the fridge")
        qtbot.keyClick(tab.second, Qt.Key.Key_Return)
    assert blocker.args[0]["mean"] < 0.5


def test_the_heat_map_names_the_cell_under_the_pointer(make_window, gui, qtbot, tmp_path: Path):
    window = make_window(tmp_path / "data")
    window.show_tab(COMPARE_TAB)
    tab = window.compare_tab
    with qtbot.waitSignal(tab.compared, timeout=20_000):
        tab.set_texts("The dog chased the cat.", "The cat chased the dog.")
        tab.compare_now()
    heatmap = tab.heatmap
    heatmap.resize(600, 400)
    left, top = heatmap._margins()
    size = heatmap._cell()
    assert heatmap.cell_at(QPoint(left + size // 2, top + size // 2)) == (0, 0)
    assert heatmap.cell_at(QPoint(left - 1, top + 1)) is None


def test_the_first_pair_shown_is_one_the_strategies_disagree_on(make_window, qtbot, tmp_path):
    window = make_window(tmp_path / "data")
    tab = window.compare_tab
    with qtbot.waitSignal(tab.compared, timeout=20_000) as blocker:
        tab.compare_now()
    cosines = blocker.args[0]
    assert max(cosines.values()) - min(cosines.values()) > 0.2


def test_nothing_is_compared_until_the_tab_shows(make_window, qtbot, tmp_path, monkeypatch):
    calls: list[tuple[str, str]] = []
    real = Library.explain

    def counted(self: Library, a: str, b: str, poolings):
        calls.append((a, b))
        return real(self, a, b, poolings)

    monkeypatch.setattr(Library, "explain", counted)
    window = make_window(tmp_path / "data")  # its Compare tab holds the last pair typed
    tab = window.compare_tab
    with qtbot.assertNotEmitted(tab.compared, wait=600):  # past the typing pause
        pass
    assert calls == [] and tab.first.text() and tab.second.text()

    with qtbot.waitSignal(tab.compared, timeout=20_000):
        window.show_tab(COMPARE_TAB)  # first shown: the pair on it is compared
    assert calls == [(tab.first.text(), tab.second.text())]
    with qtbot.waitSignal(tab.compared, timeout=20_000):
        tab.second.setText("A cat sat on the mat")  # typed while shown: compared after a pause
    assert calls[-1][1] == "A cat sat on the mat"

    window.show_tab(SEARCH_TAB)
    tab.second.setText("The train leaves at night")  # hidden again: nothing runs...
    with qtbot.assertNotEmitted(tab.compared, wait=600):
        pass
    assert len(calls) == 2
    with qtbot.waitSignal(tab.compared, timeout=20_000):
        window.show_tab(COMPARE_TAB)  # ...until it shows
    assert calls[-1][1] == "The train leaves at night"
    window.show_tab(SEARCH_TAB)
    window.show_tab(COMPARE_TAB)  # nothing changed: the bars shown are current
    with qtbot.assertNotEmitted(tab.compared, wait=600):
        pass
    assert len(calls) == 3
