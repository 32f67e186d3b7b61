"""The "Related notes" panel: the documents closest to the previewed one (or to a passage selected
in it), from stored vectors only, each with its connecting pair of sentences; rows preview in
place, the newest question wins, and the panel follows the library's contents."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from core.errors import PonderError
from core.search.related import Link, RelatedHit
from desktop.background.library_jobs import RemoveJob
from desktop.background.workers import WorkerPool
from desktop.views.hit_list import display_title
from desktop.views.preview import PreviewPane
from desktop.views.related_lookup import Question, RelatedAnswer, RelatedLookup
from desktop.views.related_model import RelatedModel, Role
from desktop.views.related_panel import (
    FAILED,
    HEADING,
    NOTHING_SELECTED,
    PASSAGE_HEADING,
)
from desktop.views.text_offsets import utf16_mapper

TIMEOUT_MS = 20_000
TOMATOES = "how do I stop my tomatoes from splitting"
SEVERAL = "saving money"  # several close results: a second one to select


def searched(window, gui, qtbot, query: str = SEVERAL):
    """Search the sample library, once its model is loaded, and wait until the related panel
    answered for the first result."""
    tab = window.search_tab
    # Until the model is loaded a search answers by keywords and runs again once it is ready:
    # wait, so that the results are the ones by meaning. (The window may still embed on other
    # threads meanwhile, the sample library's own indexing among them: tests count only what
    # embeds on the panel's thread.)
    qtbot.waitUntil(lambda: window.session.model_ready, timeout=TIMEOUT_MS)
    # What the panel says the moment the first result is made current (connected after the
    # tab, this runs right after it), before any answer can arrive.
    said: list[str] = []
    window.session.search.results_ready.connect(
        lambda found: said.append(tab.related.placeholder.text()) if found.hits else None
    )
    with qtbot.waitSignal(tab.related.answered, timeout=TIMEOUT_MS):
        results = gui.search(window, query)
    assert said and said[0] != NOTHING_SELECTED  # a result is selected, its notes on their way
    qtbot.waitUntil(lambda: not tab.related.lookup.busy, timeout=TIMEOUT_MS)
    assert tab.related.question == Question(results.hits[0].document_id)
    return results


def wait_for(qtbot, panel, document_id: int, span: tuple[int, int] | None = None):
    def matches(answer: RelatedAnswer) -> bool:
        return answer.question == Question(document_id, span)

    return qtbot.waitSignal(panel.answered, timeout=TIMEOUT_MS, check_params_cb=matches)


def embeddings_while_relating(library, monkeypatch) -> list[int]:
    """Record how many texts each model pass embeds while `related_by_id` runs on its thread
    (other views may embed meanwhile on other threads; that is not the panel's doing)."""
    relating = threading.local()
    passes: list[int] = []
    related_by_id, encode_ids = library.related_by_id, library.encoder.encode_ids

    def related(*args: object, **kw: object) -> list[RelatedHit]:
        relating.on = True
        try:
            return related_by_id(*args, **kw)
        finally:
            relating.on = False

    def encode(ids, *args: object, **kw: object):
        if getattr(relating, "on", False):
            passes.append(len(ids))
        return encode_ids(ids, *args, **kw)

    def encode_passages(passages, *args: object, **kw: object):
        if getattr(relating, "on", False):
            passes.append(len(passages))
        return encode_late(passages, *args, **kw)

    encode_late = library.encoder.encode_passages
    monkeypatch.setattr(library, "related_by_id", related)
    monkeypatch.setattr(library.encoder, "encode_ids", encode)
    monkeypatch.setattr(library.encoder, "encode_passages", encode_passages)
    return passes


def test_a_selected_result_fills_the_panel_without_embedding(
    make_window, sample_data: Path, gui, qtbot, monkeypatch
):
    window = make_window(sample_data)
    tab, panel = window.search_tab, window.search_tab.related
    assert panel.placeholder.text() == NOTHING_SELECTED
    results = searched(window, gui, qtbot)
    library = window.session.library
    passes = embeddings_while_relating(library, monkeypatch)

    second = results.hits[1]
    with wait_for(qtbot, panel, second.document_id):
        tab.select_row(1)
    assert passes == []  # nothing embedded to relate it

    hits = panel.hits()
    assert hits and panel.heading.text() == HEADING
    assert panel.stack.currentWidget() is panel.view
    assert second.document_id not in {h.document_id for h in hits}
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    mine = library.text(second.document_id)
    for row, hit in enumerate(hits):
        index = panel.model.index(row, 0)
        assert index.data(Role.TITLE) == display_title(hit)
        assert mine[hit.here.start : hit.here.end] == hit.here.text
        assert library.text(hit.document_id)[hit.there.start : hit.there.end] == hit.there.text
        assert index.data(Role.HERE) == " ".join(hit.here.text.split())
        assert index.data(Role.THERE) == " ".join(hit.there.text.split())

    # back to the best result; the screenshot shows the panel filled under the preview
    with wait_for(qtbot, panel, results.hits[0].document_id):
        tab.select_row(0)
    assert passes == []
    gui.screenshot(window, "related-panel.png")


def test_a_selected_passage_asks_about_that_passage(make_window, sample_data: Path, gui, qtbot):
    window = make_window(sample_data)
    tab, panel = window.search_tab, window.search_tab.related
    results = searched(window, gui, qtbot, TOMATOES)
    best = results.hits[0]
    text = window.session.library.text(best.document_id)
    first = "Use a pot of twenty litres or more"
    start = text.index(first)
    end = text.index("what makes the fruit split.") + len("what makes the fruit split.")
    to_qt = utf16_mapper(text)
    editor = tab.preview.text
    cursor = QTextCursor(editor.document())
    cursor.setPosition(to_qt(start))
    cursor.setPosition(to_qt(end), QTextCursor.MoveMode.KeepAnchor)
    with wait_for(qtbot, panel, best.document_id, (start, end)):
        editor.setTextCursor(cursor)
    assert panel.heading.text() == PASSAGE_HEADING
    hits = panel.hits()
    assert hits and best.document_id not in {h.document_id for h in hits}
    for hit in hits:
        assert start <= hit.here.start and hit.here.end <= end
        assert text[hit.here.start : hit.here.end] == hit.here.text
    gui.screenshot(window, "related-passage.png")

    # clearing the selection goes back to the whole document
    cursor.clearSelection()
    with wait_for(qtbot, panel, best.document_id):
        editor.setTextCursor(cursor)
    assert panel.heading.text() == HEADING


def test_a_related_row_previews_in_place_and_enter_opens_it(
    make_window, sample_data: Path, gui, qtbot
):
    window = make_window(sample_data)
    tab, panel, preview = window.search_tab, window.search_tab.related, window.search_tab.preview
    results = searched(window, gui, qtbot)
    rows = panel.hits()
    target = rows[1]
    index = panel.model.index(1, 0)
    qtbot.mouseClick(
        panel.view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=panel.view.visualRect(index).center(),
    )
    assert preview.document_id == target.document_id and preview.hit is None
    assert preview.title.text() == display_title(target)
    text = preview.text.toPlainText()
    [(start, end, _alpha)] = preview.highlighted()
    to_qt = utf16_mapper(window.session.library.text(target.document_id))
    assert (start, end) == (to_qt(target.there.start), to_qt(target.there.end))
    assert text[start:end] == target.there.text
    assert preview.text.textCursor().position() == start
    # the list stays, so the other related notes are one click away; the result stays selected
    assert panel.hits() == rows and tab.current_hit() == results.hits[0]

    # Enter (or a double-click) opens the file, like a result
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_Return)
    assert window.opened_urls[-1] == target.path

    # the arrow keys move through the related notes, previewing each
    qtbot.keyClick(panel.view, Qt.Key.Key_Down)
    assert preview.document_id == rows[2].document_id

    # clicking the result goes back to it
    qtbot.mouseClick(
        tab.view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=tab.view.visualRect(tab.model.index(0, 0)).center(),
    )
    assert preview.hit == results.hits[0]


def test_the_newest_selection_wins(make_window, sample_data: Path, gui, qtbot):
    window = make_window(sample_data)
    tab, panel = window.search_tab, window.search_tab.related
    results = searched(window, gui, qtbot)
    delivered: list[RelatedAnswer] = []
    panel.answered.connect(delivered.append)
    last = results.hits[2].document_id
    with wait_for(qtbot, panel, last):
        tab.select_row(1)
        tab.select_row(2)
    qtbot.waitUntil(lambda: not panel.lookup.busy, timeout=TIMEOUT_MS)
    assert [a.question.document_id for a in delivered] == [last]
    expected = window.session.library.related_by_id(last, 10)
    assert [h.document_id for h in panel.hits()] == [h.document_id for h in expected]


def _hit(document_id: int) -> RelatedHit:
    link = Link(f"sentence {document_id}", 1, None, 0, 10)
    return RelatedHit(document_id, f"/notes/{document_id}.txt", "", 0.5, link, link)


class SlowLibrary:
    """Answers at once, except about document 1, which waits until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.asked: list[int] = []

    def related_by_id(self, doc_id: int, k: int = 10, span=None) -> list[RelatedHit]:
        self.asked.append(doc_id)
        if doc_id == 1:
            self.release.wait(10)
        if doc_id == 4:
            raise PonderError("the index is being rebuilt")
        return [_hit(doc_id * 100)]


def test_a_stale_answer_is_never_delivered(qtbot):
    pool = WorkerPool(2)
    library = SlowLibrary()
    lookup = RelatedLookup(pool, lambda: library)  # type: ignore[arg-type, return-value]
    delivered: list[RelatedAnswer] = []
    failures: list[object] = []
    lookup.answered.connect(delivered.append)
    lookup.failed.connect(failures.append)
    lookup.ask(Question(1))  # slow: still running while the user moves on
    lookup.ask(Question(2))  # replaced before it ever runs
    lookup.ask(Question(3, (5, 9)))
    assert lookup.busy
    with qtbot.waitSignal(lookup.answered, timeout=TIMEOUT_MS):
        library.release.set()
    qtbot.waitUntil(lambda: not lookup.busy, timeout=TIMEOUT_MS)
    assert [a.question for a in delivered] == [Question(3, (5, 9))]
    assert delivered[0].hits[0].document_id == 300
    assert library.asked == [1, 3]

    # a failure is reported only for the newest question, and forgetting drops what is in flight
    library.release.clear()
    lookup.ask(Question(1))
    lookup.ask(Question(4))
    lookup.forget()
    library.release.set()
    qtbot.waitUntil(lambda: not lookup.busy, timeout=TIMEOUT_MS)
    pool.wait()
    assert len(delivered) == 1 and failures == [] and lookup.question is None
    with qtbot.waitSignal(lookup.failed, timeout=TIMEOUT_MS):
        lookup.ask(Question(4))
    pool.wait()


def test_an_engine_error_is_shown_and_the_panel_cleared(
    make_window, sample_data: Path, gui, qtbot, monkeypatch
):
    window = make_window(sample_data)
    tab, panel = window.search_tab, window.search_tab.related
    searched(window, gui, qtbot)

    def broken(*_args: object, **_kw: object) -> list[RelatedHit]:
        raise PonderError("the sentence index is missing")

    monkeypatch.setattr(window.session.library, "related_by_id", broken)
    with qtbot.waitSignal(panel.lookup.failed, timeout=TIMEOUT_MS):
        tab.select_row(1)
    assert panel.model.rowCount() == 0 and panel.placeholder.text() == FAILED
    assert window.notifier.history[-1].text.endswith("the sentence index is missing")


def test_a_removed_note_drops_out_of_the_panel(make_window, sample_data: Path, gui, qtbot):
    window = make_window(sample_data)
    panel = window.search_tab.related
    searched(window, gui, qtbot)
    gone = panel.hits()[0]
    with gui.job_done(window, RemoveJob):
        window.session.remove([gone.path])
    qtbot.waitUntil(
        lambda: (
            not panel.lookup.busy and gone.document_id not in {h.document_id for h in panel.hits()}
        ),
        timeout=TIMEOUT_MS,
    )
    assert panel.hits()


def test_related_model(qapp, qtmodeltester) -> None:
    model = RelatedModel()
    qtmodeltester.check(model)
    model.set_hits([_hit(1), _hit(2)])
    qtmodeltester.check(model)
    assert model.index(0, 0).data(Role.TITLE) == "1.txt"
    assert model.row_of(200) == -1 and model.row_of(2) == 1
    assert "sentence 2" in model.index(1, 0).data(Qt.ItemDataRole.ToolTipRole)
    model.set_hits([])
    qtmodeltester.check(model)


def test_a_selection_after_an_emoji_maps_to_python_offsets(qtbot) -> None:
    preview = PreviewPane()
    qtbot.addWidget(preview)
    text = "Ripe 🍅 tomatoes 🍅🍅 split.\nWater them in the morning. Feed weekly."
    start = text.index("Water")
    end = start + len("Water them in the morning.")
    preview.show_passage(7, "Tomatoes", "/notes/t.txt", text, start, end)
    to_qt = utf16_mapper(text)
    assert preview.passage == (start, end)
    [(qt_start, qt_end, _alpha)] = preview.highlighted()
    assert (qt_start, qt_end) == (to_qt(start), to_qt(end)) == (start + 3, end + 3)
    cursor = QTextCursor(preview.text.document())
    cursor.setPosition(to_qt(start))
    cursor.setPosition(to_qt(end), QTextCursor.MoveMode.KeepAnchor)
    with qtbot.waitSignal(preview.passage_selected, timeout=2_000):
        preview.text.setTextCursor(cursor)
    assert preview.selected_span() == (start, end)
    assert text[start:end] == "Water them in the morning."
