"""`ponder self-test`: prove an installation works, end to end, without a screen or a network.

Opens the real window (offscreen unless a display is chosen), indexes the bundled sample notes
through the window's own background job, types a query, and checks that the expected note comes
first. Prints one JSON line with the timings and exits 0 on success. Used by the frozen bundle's
smoke test and by anyone checking an install.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

QUERY = "how do I keep my tomato plants healthy"
EXPECTED = "tomatoes.md"
TIMEOUT_MS = 300_000


def _seconds_since_process_start() -> float | None:
    """Wall time since this process started (Linux), so start-up imports are counted too."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return uptime - started
    except (OSError, ValueError, IndexError):
        return None


class SelfTestFailed(Exception):
    """Why the self-test stopped: an error the window reported, or a step that never ended."""


def _wait(
    signal, what: str, notifier, timeout_ms: int = TIMEOUT_MS, until=lambda *args: True
) -> tuple:
    """Run the event loop until `signal` fires with arguments accepted by `until`; stop at once
    if the window has reported an error (`notifier`: before the wait or during it) or a crash
    reaches `sys.excepthook`, so that a broken install says why in seconds, not after the
    timeout."""
    from PySide6.QtCore import QEventLoop, QTimer

    from desktop.window.notify import Level

    loop, got = QEventLoop(), []
    failed = [m.text for m in notifier.history if m.level is Level.ERROR]

    def on_signal(*args) -> None:
        if until(*args):
            got.append(args)
            loop.quit()

    def on_message(message) -> None:
        if message.level is Level.ERROR:
            failed.append(message.text)
            loop.quit()

    def on_crash(kind, value, traceback) -> None:
        hook(kind, value, traceback)
        failed.append(f"{kind.__name__}: {value}")
        loop.quit()

    hook, sys.excepthook = sys.excepthook, on_crash
    signal.connect(on_signal)
    notifier.posted.connect(on_message)
    QTimer.singleShot(timeout_ms, loop.quit)
    try:
        if not failed:
            loop.exec()
    finally:
        sys.excepthook = hook
        signal.disconnect(on_signal)
        notifier.posted.disconnect(on_message)
    if failed:
        raise SelfTestFailed(f"{what}: {failed[0]}")
    if not got:
        raise SelfTestFailed(f"{what}: nothing after {timeout_ms / 1000:.0f} s")
    return got[0]


def run_self_test(data_dir: Path | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.perf_counter()
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    # The offscreen platform says it cannot do window size hints; that is not news here.
    qInstallMessageHandler(
        lambda _mode, _context, message: (
            None if "propagateSizeHints" in message else print(message, file=sys.stderr)
        )
    )

    from desktop.window.app import configure_application, create_window
    from desktop.window.main_window import MAP_TAB
    from desktop.window.resources import samples_dir
    from desktop.window.settings import Settings

    report: dict[str, object] = {"ok": False}
    with tempfile.TemporaryDirectory(prefix="ponder-self-test-") as tmp:
        app = QApplication.instance() or QApplication(sys.argv[:1])
        configure_application(app)
        settings = Settings.at(Path(tmp) / "settings.ini")
        window = create_window(data_dir or Path(tmp), settings=settings)
        window.resize(1280, 800)
        window.show()
        app.processEvents()
        report["window_visible_s"] = round(time.perf_counter() - started, 3)
        since_start = _seconds_since_process_start()
        if since_start is not None:
            report["window_visible_since_process_start_s"] = round(since_start, 3)
        try:
            notifier = window.notifier
            _wait(window.session.ready, "loading the model", notifier)
            report["model_ready_s"] = round(time.perf_counter() - started, 3)
            window.session.index([str(samples_dir())])
            _, summary = _wait(window.session.jobs.finished, "indexing the samples", notifier)
            report["indexed"] = getattr(summary, "indexed", None)
            typed = time.perf_counter()
            window.search_tab.field.setText(QUERY)
            (results,) = _wait(
                window.session.search.results_ready,
                "searching",
                notifier,
                until=lambda r: r.query == QUERY,
            )
            report["search_s"] = round(time.perf_counter() - typed, 3)
            top = Path(results.hits[0].path).name if results.hits else None
            report["top_result"] = top
            drawing = time.perf_counter()  # the map: scikit-learn in a spawned child process
            window.show_tab(MAP_TAB)
            if not window.map_tab.up_to_date():
                _wait(window.map_tab.settled, "drawing the map", notifier)
            shown = window.map_tab.shown_map()
            report["map_documents"] = len(shown.points) if shown is not None else 0
            report["map_s"] = round(time.perf_counter() - drawing, 3)
            report["ok"] = top == EXPECTED and report["map_documents"] == report["indexed"]
        except SelfTestFailed as exc:
            report["error"] = str(exc)
        finally:
            window.close()
            app.processEvents()
    print(json.dumps(report))
    return 0 if report["ok"] else 1
