"""The window's memory after a search and its explanation, and whether torch was imported.

Not a test (pytest does not collect it). Run from the repository root:

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_window_rss.py LIBRARY "QUERY"

The window opens on LIBRARY (offscreen), searches QUERY, waits for its first result by meaning
and that result's explanation, lets any other worker it started finish, then prints its resident
memory, its peak and whether torch is in the process, as one JSON line. Run it from two checkouts
(each with its own `PONDER_CACHE_DIR` where their ONNX cache formats differ) to compare them.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # this checkout's desktop and core

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop.window.app import create_window  # noqa: E402
from desktop.window.settings import Settings  # noqa: E402


def _status_mb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) // 1024
    return -1


def _wait(signal, accept: Callable[..., bool] = lambda *a: True, ms: int = 300_000) -> tuple:
    loop, seen = QEventLoop(), []

    def on(*args) -> None:
        if accept(*args):
            seen.append(args)
            loop.quit()

    signal.connect(on)
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    signal.disconnect(on)
    if not seen:
        raise SystemExit("timed out waiting for the window")
    return seen[0]


def main() -> int:
    library, query = Path(sys.argv[1]), sys.argv[2]
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="ponder-rss-") as scratch:
        window = create_window(library, settings=Settings.at(Path(scratch) / "settings.ini"))
        window.show()
        if not window.session.model_ready:
            _wait(window.session.ready)
        window.search_tab.field.setText(query)
        _wait(
            window.session.search.results_ready,
            lambda r: r.query == query and not r.keywords_only,
        )
        _, why = _wait(window.search_tab.why.explained)
        settle = QEventLoop()
        QTimer.singleShot(5000, settle.quit)
        settle.exec()
        out = {
            "rss_mb": _status_mb("VmRSS"),
            "peak_mb": _status_mb("VmHWM"),
            "torch_imported": "torch" in sys.modules,
            "explained": why.path,
            "engine": window.session.library.query_engine(),
        }
        window.close()
        app.processEvents()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
