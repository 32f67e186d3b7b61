"""Time from launching Ponder to its main window being mapped on a real (virtual) X display.

    python packaging/measure_startup.py dist/ponder/ponder          # the frozen bundle
    python packaging/measure_startup.py .venv/bin/ponder --runs 5   # the console script

Needs Xvfb and xdotool (Debian: xvfb, xdotool). Each run gets a fresh HOME and data folder, so
it measures a first start with an empty library, and ends the app once the window shows.

    python packaging/measure_startup.py --first-result LIBRARY --runs 3

times instead, in a fresh process per run, the window (offscreen) opened on LIBRARY with a query
already typed: from the process's start to the window shown, to the first (keyword) result and to
the first result by meaning, once with each query engine (`PONDER_QUERY_ENGINE`), the engines
taking turns run by run. The ONNX engine's cached model must exist (`ponder search` makes it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def start_display() -> tuple[subprocess.Popen[bytes], str]:
    """An Xvfb server on the first free display number."""
    for number in range(90, 130):
        if Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
            continue
        display = f":{number}"
        server = subprocess.Popen(
            ["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                return server, display
            if server.poll() is not None:
                break
            time.sleep(0.05)
        server.kill()
    raise SystemExit("measure_startup: could not start Xvfb")


def window_visible(display: str, pid: int) -> bool:
    """True once the app has mapped a top-level window (xdotool matches by process id)."""
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--pid", str(pid)],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
    )
    return found.returncode == 0 and bool(found.stdout.strip())


def one_run(command: list[str], display: str, timeout: float) -> float:
    with tempfile.TemporaryDirectory(prefix="ponder-startup-") as scratch:
        home = Path(scratch)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "HOME": str(home),
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "PONDER_DATA_DIR": str(home / "data"),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_RUNTIME_DIR": str(home / "run"),
        }
        (home / "run").mkdir(mode=0o700)
        start = time.perf_counter()
        app = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        try:
            while time.perf_counter() - start < timeout:
                if app.poll() is not None:
                    raise SystemExit(
                        f"measure_startup: the app exited with {app.returncode}:\n"
                        + (app.stderr.read() if app.stderr else "")
                    )
                if window_visible(display, app.pid):
                    return time.perf_counter() - start
                time.sleep(0.02)
            raise SystemExit(f"measure_startup: no window after {timeout:.0f} s")
        finally:
            app.send_signal(signal.SIGTERM)
            try:
                app.wait(10)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait()


ENGINES = ("onnx", "torch")
QUERY = "how do I copy a list"


def first_result(library: Path, query: str) -> dict[str, float]:
    """In this process: the window on `library` with `query` typed; seconds from the process's
    start to the window shown, its first result, and its first result by meaning."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's desktop
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.window.app import configure_application, create_window
    from desktop.window.settings import Settings

    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="ponder-startup-") as scratch:
        app = QApplication.instance() or QApplication(sys.argv[:1])
        configure_application(app)
        settings = Settings.at(Path(scratch) / "settings.ini")
        loop = QEventLoop()

        def on_results(results) -> None:
            if results.query != query or not results.hits:
                return
            times.setdefault("first_result_s", since_start())
            if not results.keywords_only:
                times["by_meaning_s"] = since_start()
                loop.quit()

        window = create_window(library, settings=settings)
        window.session.search.results_ready.connect(on_results)
        window.show()
        app.processEvents()
        times["window_s"] = since_start()
        window.search_tab.field.setText(query)
        QTimer.singleShot(300_000, loop.quit)
        loop.exec()
        window.close()
        app.processEvents()
    return times


def since_start() -> float:
    """Seconds since this process started (Linux), so its imports are counted too."""
    fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    started = int(fields[19]) / os.sysconf("SC_CLK_TCK")
    return round(float(Path("/proc/uptime").read_text().split()[0]) - started, 3)


def first_results(library: Path, query: str, runs: int) -> dict[str, list[dict[str, float]]]:
    """`first_result` in a fresh process per run and engine, the engines taking turns."""
    out: dict[str, list[dict[str, float]]] = {e: [] for e in ENGINES}
    for run in range(runs):
        for engine in ENGINES[run % 2 :] + ENGINES[: run % 2]:
            child = subprocess.run(
                [sys.executable, __file__, "--child", str(library), "--query", query],
                env={**os.environ, "PONDER_QUERY_ENGINE": engine},
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            out[engine].append(json.loads(child.stdout.strip().splitlines()[-1]))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="*", help="how to start Ponder")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--first-result", type=Path, metavar="LIBRARY")
    parser.add_argument("--query", default=QUERY)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(first_result(args.child, args.query)))
        return 0
    if args.first_result:
        measured = first_results(args.first_result, args.query, args.runs)
        for engine, runs in measured.items():
            for key in ("window_s", "first_result_s", "by_meaning_s"):
                values = [r[key] for r in runs if key in r]
                print(f"{engine} {key}: {' '.join(f'{v:.2f}' for v in values)}")
        print(json.dumps(measured))
        return 0
    if not args.command:
        parser.error("how to start Ponder, or --first-result LIBRARY")
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            raise SystemExit(f"measure_startup: {tool} is not installed")

    server, display = start_display()
    try:
        times = [one_run(args.command, display, args.timeout) for _ in range(args.runs)]
    finally:
        server.terminate()
        server.wait()
    for i, seconds in enumerate(times, 1):
        print(f"run {i}: {seconds:.2f} s")
    print(f"median: {statistics.median(times):.2f} s over {len(times)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
