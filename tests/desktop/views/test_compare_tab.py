"""The Compare tab shows a bar per pooling strategy; bag-of-words pooling ignores word order."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from core.pooling import POOLING_STRATEGIES
from desktop.views.compare_model import Role
from desktop.window.main_window import COMPARE_TAB


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
    gui.screenshot(window, "compare.png")

    with qtbot.waitSignal(tab.compared, timeout=20_000) as blocker:
        tab.set_texts("A cheap flight to Lisbon", "Bread rises overnight in the fridge")
        qtbot.keyClick(tab.second, Qt.Key.Key_Return)
    assert blocker.args[0]["mean"] < 0.5
