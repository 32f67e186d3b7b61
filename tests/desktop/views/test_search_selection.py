"""Which result the Search tab selects and previews: a new query its first close result, never a
weaker match, a refresh of the same query the user's own choice, a dot clicked on the map its own
document; and the summary quotes the query once."""

from __future__ import annotations

from pathlib import Path

from map_support import dot_at
from PySide6.QtCore import QModelIndex, Qt

from desktop.background.search_controller import SearchResults
from desktop.views.results_model import Role
from desktop.views.search_summary import quoted

SHOTS = Path("/tmp/shots-results")


def shot(widget, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    assert widget.grab().save(str(SHOTS / name))


def click_row(qtbot, tab, row: int) -> None:
    index = tab.model.index(row, 0)
    tab.view.scrollTo(index)
    qtbot.mouseClick(
        tab.view.viewport(), Qt.MouseButton.LeftButton, pos=tab.view.visualRect(index).center()
    )
    assert tab.view.currentIndex().row() == row


def close_rows(hits) -> list[int]:
    return [row for row, hit in enumerate(hits) if not hit.weak]


def test_a_new_query_selects_and_shows_its_own_first_result(make_window, sample_data, gui, qtbot):
    window = make_window(sample_data)
    tab = window.search_tab
    later = gui.search(window, "saving money").hits
    titles = ["A budget that actually works", "Compound interest", "Why keep an emergency fund"]
    assert [h.title for h in later] == titles and close_rows(later) == [0, 1, 2]
    lower = later[close_rows(later)[-1]]  # a close result, but not the first
    gui.search(window, lower.title)  # a query that surely lists it
    row = tab.model.row_of(lower.document_id)
    assert row == 0  # its own title finds it first
    click_row(qtbot, tab, row)  # the user reads this one...
    tab.field.setFocus()
    with qtbot.waitSignal(
        window.session.search.results_ready,
        timeout=20_000,
        check_params_cb=lambda r: r.query == "saving money",
    ):
        qtbot.keyClick(tab.field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(tab.field, "saving money")  # ...then asks something else
    assert tab.view.currentIndex().row() == 0
    assert tab.preview.hit is not None and tab.preview.hit.document_id == later[0].document_id
    assert tab.view.verticalScrollBar().value() == 0
    shot(window, "new-query-first-result.png")


def test_results_after_keyword_results_select_their_own_first(make_window, sample_data, gui):
    """`--search` at start: keyword results come first, those by meaning once the model loads."""
    window = make_window(sample_data)
    tab = window.search_tab
    full = gui.search(window, "saving money")
    assert close_rows(full.hits) == [0, 1, 2]  # budgeting, compound interest, emergency fund
    last = 2
    keywords = [full.hits[last], full.hits[0]]
    tab.show_results(SearchResults(full.serial, full.query, keywords, 0.0, keywords_only=True))
    assert tab.preview.hit == full.hits[last]
    tab.show_results(full)
    assert tab.view.currentIndex().row() == 0
    assert tab.preview.hit == full.hits[0]


def test_a_refresh_of_the_same_query_keeps_the_users_choice(make_window, sample_data, gui, qtbot):
    window = make_window(sample_data)
    tab = window.search_tab
    results = gui.search(window, "saving money")
    qtbot.keyClick(tab.field, Qt.Key.Key_Down)
    chosen = results.hits[1]
    with qtbot.waitSignal(window.session.search.results_ready, timeout=20_000):
        window.session.search.search_now()  # as after a change to the library
    assert tab.current_hit().document_id == chosen.document_id
    assert tab.preview.hit.document_id == chosen.document_id


def test_weaker_matches_are_never_selected_nor_highlighted(make_window, sample_data, gui, qtbot):
    window = make_window(sample_data)
    tab = window.search_tab
    results = gui.search(window, "xyzzyplugh")
    assert results.hits and all(h.weak for h in results.hits)
    assert not tab.view.currentIndex().isValid()
    assert not tab.view.selectionModel().hasSelection()
    assert tab.preview.hit is None and tab.preview.highlighted() == []
    rows = range(tab.model.rowCount())
    assert all(tab.model.index(r, 0).data(Role.HIGHLIGHT) == (0, 0) for r in rows)
    shot(window, "all-weak-nothing-selected.png")
    click_row(qtbot, tab, 0)  # one the user asks to read is shown, with nothing marked
    assert tab.preview.hit == results.hits[0]
    assert tab.preview.highlighted() == []
    assert tab.preview.text.verticalScrollBar().value() == 0


def test_the_summary_quotes_the_query_once(make_window, sample_data, gui):
    window = make_window(sample_data)
    results = gui.search(window, '"Gutenberg"')
    n = len(results.hits)
    assert n >= 1
    text = window.search_tab.summary.text()
    assert text.startswith(f"{n} result{'s' if n != 1 else ''} for “Gutenberg” · "), text
    assert quoted(' stop "tomatoes" ') == '“stop "tomatoes"”'
    assert quoted('"a" or "b"') == '“"a" or "b"”'


def test_a_dot_on_the_map_selects_its_row_or_none(make_window, sample_data, gui, qtbot):
    window = make_window(sample_data)
    tab, view = window.search_tab, window.map_tab.view
    results = gui.search(window, "saving money")
    listed = results.hits[close_rows(results.hits)[-1]]
    assert tab.view.currentIndex().row() == 0 and listed != results.hits[0]
    ids = {h.document_id for h in results.hits}
    gui.show_map(window)
    unlisted = next(p for p in view.data.map.points if p.document_id not in ids)

    def click(document_id: int):
        gui.show_map(window)
        at = dot_at(view, view.data.row_of[document_id])
        with qtbot.waitSignal(window.map_tab.open_requested, timeout=5000) as blocker:
            qtbot.mouseClick(view.graph.viewport(), Qt.MouseButton.LeftButton, pos=at)
        point = blocker.args[0]
        assert point.document_id == document_id
        return point

    click(listed.document_id)
    assert tab.view.currentIndex().row() == tab.model.row_of(listed.document_id)
    assert tab.preview.document_id == listed.document_id
    assert tab.preview.hit is not None and tab.preview.hit.document_id == listed.document_id
    point = click(unlisted.document_id)
    assert tab.view.currentIndex() == QModelIndex()
    assert not tab.view.selectionModel().hasSelection()
    assert tab.preview.document_id == unlisted.document_id
    assert tab.preview.title.text() == point.title
    shot(window, "map-dot-not-in-results.png")
