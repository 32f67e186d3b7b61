"""A result whose meaning is still pending, and a file shipped in several places, in the real
window: the row says "meaning pending" and "also in N other places", the preview says both, and
Why This Result? is disabled for the pending result, with no error."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from core import activity
from core.control import RunControl
from core.ingest.indexer import EMBEDDING, Progress
from core.library import Library
from desktop.views.results_model import Role

CHANGELOG = (
    "curl (7.88.1-10) bookworm; urgency=medium\n"
    "Security fixes for CVE-2025-30698 in the tool.\n"
    "Add debian/patches/fix-CVE-2023-27534-regression.patch to restore the sftp host.\n"
)
PACKAGES = ("curl", "libcurl4", "libcurl3-gnutls")
SCREENSHOT = Path(__file__).resolve().parents[3] / "resources" / "screenshots"


def _words_only(data: Path, folder: Path) -> None:
    """The sample library, and three copies of a changelog whose meaning is not computed yet
    (a run stopped as its embedding phase began)."""
    for package in PACKAGES:
        (folder / package).mkdir(parents=True)
        (folder / package / "changelog.Debian").write_text(CHANGELOG)
    control = RunControl()

    def stop_at_embedding(p: Progress) -> None:
        if p.stage == EMBEDDING:
            control.cancel()

    library = Library(data)
    library.index([folder], progress=stop_at_embedding, control=control)
    assert library.counts().meaning_pending == len(PACKAGES)
    library.close()


def test_a_pending_result_is_marked_and_not_explained(
    make_window, sample_data, gui, qtbot, tmp_path: Path
) -> None:
    folder = tmp_path / "doc"
    _words_only(sample_data, folder)
    # A terminal's run is embedding them: the window finishes pending work only after it.
    with activity.indexing(sample_data):
        window = make_window(sample_data)
        tab = window.search_tab
        results = gui.search(window, "CVE-2023")
        first = tab.model.index(0, 0)
        hit = first.data(Role.HIT)
        assert hit is results.hits[0] and hit.pending
        # the row says it, once for three copies
        assert first.data(Role.PENDING) is True
        assert sorted(Path(p).parent.name for p in [hit.path, *first.data(Role.COPIES)]) == sorted(
            PACKAGES
        )
        assert sum(Path(h.path).name == "changelog.Debian" for h in results.hits) == 1
        assert "also in 2 other places" in first.data(Qt.ItemDataRole.AccessibleTextRole)
        assert "CVE-2023" in hit.sentence.text
        # so does the preview, under the path
        assert tab.current_hit() is hit and tab.preview.hit is hit
        note = tab.preview.note
        assert note.isVisible() and "Meaning pending" in note.text()
        assert "Also in 2 other places" in note.text()
        # nothing is explained: no worker asked, no error said; the action says why it is off
        qtbot.waitUntil(lambda: window.session.pool.active() == 0, timeout=20_000)
        said = [m.text for m in window.session.notifier.history]
        assert not any("Cannot explain" in text for text in said), said
        assert tab.why.latest is None
        action = window.why_action
        assert not action.isEnabled()
        assert "still being computed" in action.toolTip()
        assert "still being computed" in action.statusTip()
        assert tab.why_current() is None
        window.resize(1280, 800)
        SCREENSHOT.mkdir(parents=True, exist_ok=True)
        assert window.grab().save(str(SCREENSHOT / "pending-result.png"))
        # an embedded result can be explained again
        results = gui.search(window, "how do I stop my tomatoes from splitting")
        assert not results.hits[0].pending and tab.preview.hit == results.hits[0]
        assert action.isEnabled() and "still being computed" not in action.toolTip()
        assert not tab.preview.note.isVisible()
