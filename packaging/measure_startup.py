"""Time from launching Ponder to its main window being mapped on a real (virtual) X display.

    python packaging/measure_startup.py dist/ponder/ponder          # the frozen bundle
    python packaging/measure_startup.py .venv/bin/ponder --runs 5   # the console script

Needs Xvfb and xdotool (Debian: xvfb, xdotool). Each run gets a fresh HOME and data folder, so
it measures a first start with an empty library, and ends the app once the window shows.
"""

from __future__ import annotations

import argparse
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="+", help="how to start Ponder")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args(argv)
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
