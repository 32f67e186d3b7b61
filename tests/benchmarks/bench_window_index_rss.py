"""The window's memory while it indexes a folder, in a child process or in its own.

Not a test (pytest does not collect it). Run from the repository root:

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_window_index_rss.py \
        LIBRARY FOLDER (apart|in-process)

The window opens on LIBRARY (offscreen; an existing library, so that opening it needs no model),
waits until its query model is ready, then indexes FOLDER as if it were dropped on it, with its
index jobs run apart or in-process. Every 100 ms it samples its own resident memory and, apart,
the child's. When the job ends it prints, as one JSON line: the window's resident memory before,
its peak and at the end, the child's peak, how long the job took, what it indexed, and whether
torch is in the window's process.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # this checkout's desktop and core

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop.window.app import create_window  # noqa: E402
from desktop.window.settings import Settings  # noqa: E402

SAMPLE_MS = 100


def _rss_mb(pid: str | int = "self") -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # the child has just gone
        return 0
    for line in text.splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024
    return 0


def _children() -> list[str]:
    """This process's child processes, as the kernel lists them per thread."""
    pids: list[str] = []
    for listing in Path("/proc/self/task").glob("*/children"):
        try:
            pids += listing.read_text().split()
        except OSError:  # the thread has just ended
            pass
    return pids


def main() -> int:
    library, folder, how = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="ponder-rss-") as scratch:
        settings = Settings.at(Path(scratch) / "settings.ini")
        window = create_window(library, settings=settings, index_apart=how == "apart")
        window.show()
        if not window.session.model_ready:
            loop = QEventLoop()
            window.session.ready.connect(loop.quit)
            loop.exec()
        peaks = {"window": _rss_mb(), "child": 0}
        before = peaks["window"]

        def sample() -> None:
            peaks["window"] = max(peaks["window"], _rss_mb())
            for pid in _children():
                peaks["child"] = max(peaks["child"], _rss_mb(pid))

        timer = QTimer()
        timer.setInterval(SAMPLE_MS)
        timer.timeout.connect(sample)
        timer.start()
        done = QEventLoop()
        result: dict[str, object] = {}
        window.session.jobs.finished.connect(
            lambda _job, summary: (result.update(summary=summary), done.quit())
        )
        started = time.perf_counter()
        window.drops.dropped.emit([folder])
        done.exec()
        seconds = time.perf_counter() - started
        timer.stop()
        summary = result["summary"]
        out = {
            "how": how,
            "window_before_mb": before,
            "window_peak_mb": peaks["window"],
            "window_after_mb": _rss_mb(),
            "child_peak_mb": peaks["child"],
            "seconds": round(seconds, 1),
            "indexed": getattr(summary, "indexed", None),
            "torch_imported": "torch" in sys.modules,
        }
        window.close()
        app.processEvents()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
