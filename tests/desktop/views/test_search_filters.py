"""The window's filters and relevance floor: type/folder/date controls, typed filters, and
"no close match" for nonsense."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate

from desktop.views.results_model import Role


def _rerun(window, qtbot, change) -> list:
    """Apply a change to the filter controls and wait for the search it starts."""
    with qtbot.waitSignal(window.session.search.results_ready, timeout=20_000) as blocker:
        change()
    return blocker.args[0].hits


def test_nonsense_shows_no_close_match(make_window, sample_data: Path, gui, qtbot):
    window = make_window(sample_data)
    tab = window.search_tab
    results = gui.search(window, "xqzzv blorp")
    assert all(h.weak for h in results.hits)
    assert tab.summary.text().startswith("No close match for “xqzzv blorp”")
    if results.hits:
        assert tab.model.index(0, 0).data(Role.FIRST_WEAK)
    gui.screenshot(window, "no-close-match.png")


def test_a_phrase_found_nowhere_is_searched_by_meaning_and_the_summary_says_so(
    make_window, sample_data: Path, gui
):
    window = make_window(sample_data)
    results = gui.search(window, 'stop "tomatoes from zzsplitting"')
    assert results.hits and all(h.unquoted for h in results.hits)
    assert window.search_tab.summary.text().startswith(
        "No document contains the quoted words as written"
    )


def test_close_matches_come_before_a_weaker_matches_heading(
    make_window, sample_data: Path, gui, qtbot
):
    window = make_window(sample_data)
    tab = window.search_tab
    results = gui.search(window, "how do I stop my tomatoes from splitting")
    weak = [h.weak for h in results.hits]
    assert not weak[0] and weak == sorted(weak)  # close ones first
    assert tab.summary.text().startswith(f"{len(results.hits)} result")
    if any(weak):
        first = weak.index(True)
        assert tab.model.index(first, 0).data(Role.FIRST_WEAK)
        assert not tab.model.index(first + 1, 0).data(Role.FIRST_WEAK)
        tab.view.scrollTo(tab.model.index(first, 0))
    gui.screenshot(window, "weaker-matches.png")


def test_type_folder_and_date_controls_narrow_the_results(
    make_window, sample_data: Path, gui, qtbot
):
    window = make_window(sample_data)
    bar = window.search_tab.filter_bar
    results = gui.search(window, "how to save money")
    assert {Path(h.path).suffix for h in results.hits} == {".md", ".txt"}
    hits = _rerun(window, qtbot, lambda: bar.kind.setCurrentIndex(bar.kind.findText("Markdown")))
    assert hits and {Path(h.path).suffix for h in hits} == {".md"}
    gui.screenshot(window, "filter-markdown.png")
    hits = _rerun(window, qtbot, lambda: bar.kind.setCurrentIndex(0))
    assert {Path(h.path).suffix for h in hits} == {".md", ".txt"}
    # the library's folder is offered; choosing it keeps everything (all samples are in it)
    assert bar.folder.count() == 2
    hits = _rerun(window, qtbot, lambda: bar.folder.setCurrentIndex(1))
    assert hits and all(h.path.startswith(bar.folder.currentData()) for h in hits)
    # nothing was changed after tomorrow; everything was changed before it
    bar.after.setDate(QDate.currentDate().addDays(1))
    assert _rerun(window, qtbot, lambda: bar.after_on.setChecked(True)) == []
    assert window.search_tab.summary.text().startswith("Nothing in the library")
    _rerun(window, qtbot, lambda: bar.after_on.setChecked(False))
    bar.before.setDate(QDate.currentDate().addDays(1))
    assert _rerun(window, qtbot, lambda: bar.before_on.setChecked(True))
    # filters typed into the box work the same way, and a bad one is explained, not raised
    hits = gui.search(window, "how to save money type:txt").hits
    assert hits and {Path(h.path).suffix for h in hits} == {".txt"}
    assert gui.search(window, "money after:someday").problem
    assert "is not a date" in window.search_tab.summary.text()
