"""The window's filters and relevance floor: type/folder/date controls, typed filters, and
"no close match" for nonsense."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, Qt

from desktop.views.filter_bar import ANYWHERE
from desktop.views.results_model import Role

SHOTS = Path("/tmp/shots-results")


def _rerun(window, qtbot, change) -> list:
    """Apply a change to the filter controls and wait for the search it starts."""
    with qtbot.waitSignal(window.session.search.results_ready, timeout=20_000) as blocker:
        change()
    return blocker.args[0].hits


def test_nonsense_shows_no_close_match(make_window, sample_data: Path, gui, qtbot):
    window = make_window(sample_data)
    tab = window.search_tab
    results = gui.search(window, "xqzzv blorp")
    rows = len(results.hits)
    assert rows == tab.model.rowCount() > 0 and all(h.weak for h in results.hits)
    assert tab.summary.text().startswith("No close match for “xqzzv blorp”")
    first_weak = [tab.model.index(row, 0).data(Role.FIRST_WEAK) for row in range(rows)]
    assert first_weak == [True] + [False] * (rows - 1)  # one heading, above them all
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
    query = "how do I stop my tomatoes from splitting"
    results = gui.search(window, query)
    assert [h.weak for h in results.hits] == [False]  # a close match leaves the weaker out
    assert tab.summary.text().startswith("1 result")
    assert not tab.model.index(0, 0).data(Role.FIRST_WEAK)
    # given weaker matches too, the heading stands once, above the first of them
    mixed = window.session.library.search(query, k=5, keep_weak=True)
    tab.model.set_hits(query, mixed)
    rows = range(tab.model.rowCount())
    assert [tab.model.index(row, 0).data(Role.FIRST_WEAK) for row in rows] == [
        False, True, False, False, False
    ]  # fmt: skip
    tab.view.scrollTo(tab.model.index(1, 0))
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
    assert window.search_tab.summary.text().startswith("No close match for")
    assert window.search_tab.stack.currentWidget() is window.search_tab.filtered_out
    _rerun(window, qtbot, lambda: bar.after_on.setChecked(False))
    bar.before.setDate(QDate.currentDate().addDays(1))
    assert _rerun(window, qtbot, lambda: bar.before_on.setChecked(True))
    # filters typed into the box work the same way, and a bad one is explained, not raised
    hits = gui.search(window, "how to save money type:txt").hits
    assert hits and {Path(h.path).suffix for h in hits} == {".txt"}
    assert gui.search(window, "money after:someday").problem
    assert "is not a date" in window.search_tab.summary.text()


def test_a_filter_that_leaves_out_close_documents_says_so_and_offers_to_clear_it(
    make_window, sample_data: Path, gui, qtbot
):
    window = make_window(sample_data)
    tab = window.search_tab
    for query in ("bread after:2030-01-01", "bread in:nonexistentfolder"):
        results = gui.search(window, query)
        assert results.hits == []
        assert results.filtered_out == 1  # sourdough.md, outside the filter
        assert tab.stack.currentWidget() is tab.filtered_out and tab.filtered_out.isVisible()
        assert "Nothing in the library" not in tab.summary.text()
        assert "outside" in tab.filtered_out.text.text()
    SHOTS.mkdir(exist_ok=True)
    assert window.grab().save(str(SHOTS / "filtered-out.png"))
    with qtbot.waitSignal(
        window.session.search.results_ready,
        timeout=20_000,
        check_params_cb=lambda r: r.query == "bread",
    ) as blocker:
        qtbot.mouseClick(tab.filtered_out.clear_button, Qt.MouseButton.LeftButton)
    assert tab.field.text() == "bread"
    hits = blocker.args[0].hits
    assert hits[0].path.endswith("sourdough.md") and not hits[0].weak
    assert tab.stack.currentWidget() is tab.splitter
    assert tab.preview.hit is not None and tab.preview.hit.path.endswith("sourdough.md")
    # nothing close anywhere is still said plainly, filters or not
    assert gui.search(window, "xyzzyplugh after:2030-01-01").filtered_out == 0
    assert tab.summary.text().startswith("Nothing in the library is close to")


def test_typed_filters_show_in_the_controls_and_the_controls_edit_the_query(
    make_window, sample_data: Path, gui, qtbot
):
    window = make_window(sample_data)
    tab = window.search_tab
    bar, field = tab.filter_bar, tab.field
    gui.search(window, "bread type:md in:samples after:2024-01-31")
    assert bar.kind.currentText() == "Markdown"
    assert bar.folder.currentText() == "samples"  # a bare folder name: an entry of its own
    assert bar.after_on.isChecked() and bar.after.date() == QDate(2024, 1, 31)
    assert not bar.before_on.isChecked()
    SHOTS.mkdir(exist_ok=True)
    assert window.grab().save(str(SHOTS / "typed-filters-in-controls.png"))
    # and back: a control rewrites its own filter in the text, leaving the rest as typed
    _rerun(window, qtbot, lambda: bar.kind.setCurrentIndex(bar.kind.findText("PDF")))
    assert field.text() == "bread in:samples after:2024-01-31 type:pdf"
    _rerun(window, qtbot, lambda: bar.after_on.setChecked(False))
    assert field.text() == "bread in:samples type:pdf"
    bar.before.setDate(QDate(2031, 2, 3))
    _rerun(window, qtbot, lambda: bar.before_on.setChecked(True))
    assert field.text() == "bread in:samples type:pdf before:2031-02-03"
    root = window.session.library.roots()[0]
    _rerun(window, qtbot, lambda: bar.folder.setCurrentIndex(bar.folder.findText(root)))
    assert field.text() == f"bread type:pdf before:2031-02-03 in:{root}"
    assert bar.folder.findText("samples") < 0  # the typed entry went with its filter
    hits = _rerun(window, qtbot, lambda: bar.kind.setCurrentIndex(0))
    assert field.text() == f"bread before:2031-02-03 in:{root}"
    assert hits[0].path.endswith("sourdough.md")
    _rerun(window, qtbot, lambda: bar.folder.setCurrentIndex(bar.folder.findText(ANYWHERE)))
    assert field.text() == "bread before:2031-02-03"
    before = dt.datetime(2031, 2, 3).timestamp()
    assert bar.filters().before == before  # the controls say what the text says
    field.clear()  # a control chosen before any words: the filter waits for them
    _rerun(window, qtbot, lambda: bar.kind.setCurrentIndex(bar.kind.findText("PDF")))
    assert field.text() == "type:pdf"
    assert tab.summary.text() == "Add words to search for: type:pdf only narrows a search."


def test_the_type_control_lists_every_format_ponder_reads() -> None:
    from core.extract.registry import FORMATS
    from desktop.views.filter_bar import TYPES

    listed = {kind for _label, kinds in TYPES for kind in kinds}
    assert listed == {f.kind for f in FORMATS}
    assert all(label != kinds[0] for label, kinds in TYPES[1:]), "a kind without a label"
