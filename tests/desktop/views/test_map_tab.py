"""The Map tab in the real window: computed on a pool thread and brought up to date after
indexing (at once while it is on screen, on opening it otherwise); hover, click to read a
document in the preview, the query's star; and the window keeps ticking while a 10,000-document
map is computed and drawn."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from map_support import dot_at
from PySide6.QtCore import Qt

from core.control import RunControl
from core.library import Library
from core.map.atlas import LibraryMap, MapPoint, Topic
from core.map.projection import project
from core.map.topics import find_topics
from desktop.window.main_window import LIBRARY_TAB, MAP_TAB, SEARCH_TAB

MAX_GAP_S = 0.100
BIG_MAP_TIMEOUT_MS = 560_000


def record_calls(monkeypatch) -> list[tuple[threading.Thread, LibraryMap | None]]:
    """Wrap the real `Library.library_map`, noting the thread and the map it was given."""
    calls: list[tuple[threading.Thread, LibraryMap | None]] = []
    real = Library.library_map

    def wrapper(
        self: Library, previous: LibraryMap | None = None, control: RunControl | None = None
    ) -> LibraryMap:
        calls.append((threading.current_thread(), previous))
        return real(self, previous, control)

    monkeypatch.setattr(Library, "library_map", wrapper)
    return calls


def write_extra_notes(folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    notes = {
        "kayak.txt": "Paddling a sea kayak along the fjord: keep the bow into the waves.",
        "kayak-gear.txt": "A spray skirt, a paddle float and a pump belong in every kayak.",
        "chess.txt": "Open with the king's pawn and fight for the centre of the board.",
        "chess-endgame.txt": "In a rook endgame put the rook behind the passed pawn.",
    }
    for name, text in notes.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
    return [folder / name for name in notes]


def test_the_map_is_computed_off_the_window_thread_and_follows_indexing(
    make_window, sample_data: Path, gui, qtbot, monkeypatch, tmp_path: Path
):
    calls = record_calls(monkeypatch)
    window = make_window(sample_data)
    tab = window.map_tab
    assert not calls  # nothing is computed while the tab is hidden
    gui.show_map(window)
    indexed = window.session.library.counts().indexed
    assert calls and all(thread is not threading.main_thread() for thread, _ in calls)
    assert calls[0][1] is None
    first = tab.shown_map()
    assert len(first.points) == indexed >= 30
    assert first.topics and tab.stack.currentWidget() is tab.view
    assert sum(len(item.data) for item in tab.view.scatters) == indexed
    assert tab.status.text() == f"{indexed} documents · {len(first.topics)} topics"

    # indexing while the map is on screen: it is brought up to date by itself
    before = len(calls)
    with gui.job_done(window):
        window.index_paths([str(p) for p in write_extra_notes(tmp_path / "more")[:2]])
    gui.show_map(window)  # already the current tab: waits for the recomputation
    assert len(calls) > before
    assert all(thread is not threading.main_thread() for thread, _ in calls)
    assert calls[-1][1] is first  # handed the map on screen, to extend it
    second = tab.shown_map()
    assert len(second.points) == indexed + 2
    assert {"kayak.txt", "kayak-gear.txt"} <= {Path(p.path).name for p in second.points}

    # indexing while another tab is shown only marks the map stale
    window.show_tab(LIBRARY_TAB)
    before = len(calls)
    with gui.job_done(window):
        window.index_paths([str(tmp_path / "more")])
    assert len(calls) == before and not tab.up_to_date()
    gui.show_map(window)
    assert len(calls) == before + 1
    assert len(tab.shown_map().points) == indexed + 4
    # opening the tab again with nothing changed computes nothing
    window.show_tab(SEARCH_TAB)
    gui.show_map(window)
    assert len(calls) == before + 1


def test_the_empty_map_says_it_is_being_computed_or_why_it_is_not_there(
    make_window, sample_data: Path, gui, qtbot, monkeypatch
):
    from core.errors import PonderError
    from desktop.views.map_tab import MAPPING, NOT_MAPPED

    release, outcome = threading.Event(), {"fail": True}
    real = Library.library_map

    def slow_map(
        self: Library, previous: LibraryMap | None = None, control: RunControl | None = None
    ) -> LibraryMap:
        release.wait(60)
        if outcome["fail"]:
            raise PonderError("computing the map failed (exit code -9)")
        return real(self, previous, control)

    monkeypatch.setattr(Library, "library_map", slow_map)
    window = make_window(sample_data)
    tab = window.map_tab
    window.show_tab(MAP_TAB)
    qtbot.waitUntil(lambda: tab._running, timeout=10_000)
    # a first map on its way: not "once the library has documents" (it has them)
    assert tab.stack.currentWidget() is tab.placeholder
    assert tab.placeholder.text() == MAPPING
    gui.screenshot(window, "map-computing.png")
    with qtbot.waitSignal(tab.settled, timeout=30_000):
        release.set()
    assert tab.placeholder.text() == NOT_MAPPED
    assert "computing the map failed" in window.notifier.history[-1].text
    outcome["fail"] = False
    with qtbot.waitSignal(tab.settled, timeout=120_000):
        tab.refresh()
    assert tab.stack.currentWidget() is tab.view and tab.shown_map().points


def test_hover_click_and_the_query_star(make_window, sample_data: Path, gui, qtbot):
    window = make_window(sample_data)
    tab, view = window.map_tab, window.map_tab.view
    results = gui.search(window, "how do I keep my plants alive")
    gui.show_map(window)
    shown = tab.shown_map()
    expected = shown.locate([(h.document_id, h.score) for h in results.hits[:10]])
    assert expected is not None and view.query_at == expected
    assert view.query_label.isVisible()

    best = view.data.row_of[results.hits[0].document_id]
    point = view.data.point(best)
    at = dot_at(view, best)
    with qtbot.waitSignal(view.hovered, timeout=5000, check_params_cb=lambda p: p is point):
        qtbot.mouseMove(view.graph.viewport(), at)
    assert view.hover_label.textItem.toPlainText().startswith(point.title)
    gui.screenshot(window, "map-sample.png")

    with qtbot.waitSignal(tab.open_requested, timeout=5000):
        qtbot.mouseClick(view.graph.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert window.tabs.currentIndex() == SEARCH_TAB
    preview = window.search_tab.preview
    assert preview.title.text() == point.title
    assert preview.text.toPlainText() == window.session.library.text(point.document_id)
    related = window.search_tab.related
    assert related.question is not None and related.question.document_id == point.document_id

    search = window.session.search
    with qtbot.waitSignal(
        search.results_ready, timeout=20_000, check_params_cb=lambda r: not r.query
    ):
        window.search_tab.field.clear()
    assert view.query_at is None and not view.query_label.isVisible()


def synthetic_map(count: int) -> LibraryMap:
    """The engine's own projection and topic naming over `count` clustered unit vectors: the
    real work of a 10,000-document map, without indexing 10,000 documents first."""
    rng = np.random.default_rng(7)
    words = "garden compost tomato python regex train lisbon budget sleep bread git cats".split()
    centres = rng.normal(size=(24, 384))
    cluster = rng.integers(0, len(centres), count)
    vectors = centres[cluster] + rng.normal(scale=0.9, size=(count, 384))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    xy, method = project(vectors)
    texts = [" ".join(words[(c + k) % len(words)] for k in range(3)) for c in cluster]
    clusters = find_topics(xy, texts)
    topic_of = np.full(count, -1)
    topics = []
    for number, found in enumerate(clusters):
        topic_of[found.members] = number
        middle = np.median(xy[found.members], axis=0)
        topics.append(Topic(found.label, float(middle[0]), float(middle[1]), len(found.members)))
    folders = [f"/notes/{name}" for name in ("work", "home", "mail", "books", "wiki")]
    points = [
        MapPoint(
            i + 1,
            f"{folders[i % 5]}/{i}.md",
            f"Document {i}",
            folders[i % 5],
            "md",
            float(xy[i, 0]),
            float(xy[i, 1]),
            int(topic_of[i]),
        )
        for i in range(count)
    ]
    return LibraryMap(points, topics, generation=10**9, method=method, refitted=True)


@pytest.mark.slow(seconds=200)
@pytest.mark.timeout(600)  # t-SNE of 10,000 vectors: one to four minutes on a busy two-core machine
def test_the_window_keeps_ticking_while_a_10000_document_map_is_computed_and_drawn(
    make_window, gui, qtbot, gap_meter, monkeypatch, tmp_path: Path
):
    threads: list[threading.Thread] = []

    def library_map(
        self: Library, previous: LibraryMap | None = None, control: RunControl | None = None
    ) -> LibraryMap:
        threads.append(threading.current_thread())
        return synthetic_map(10_000)

    monkeypatch.setattr(Library, "library_map", library_map)
    window = make_window(tmp_path / "data")
    tab = window.map_tab
    started = time.perf_counter()
    gap_meter.start()
    gui.show_map(window, timeout=BIG_MAP_TIMEOUT_MS)
    gap_meter.stop()
    elapsed = time.perf_counter() - started
    assert threads and all(thread is not threading.main_thread() for thread in threads)
    assert len(tab.shown_map().points) == 10_000
    assert sum(len(item.data) for item in tab.view.scatters) == 10_000
    print(
        f"\n10,000-document map computed and drawn in {elapsed:.1f} s "
        f"(drawing {tab.draw_ms:.0f} ms, longest slice {tab.view.longest_slice_ms:.0f} ms); "
        f"{gap_meter.ticks} ticks; longest event-loop gap {gap_meter.max_gap * 1000:.0f} ms"
    )
    gui.screenshot(window, "map-10000.png")
    assert gap_meter.max_gap < MAX_GAP_S
    assert window.tabs.currentIndex() == MAP_TAB
