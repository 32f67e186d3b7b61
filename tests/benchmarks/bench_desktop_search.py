"""How fast the desktop's own search gets Ponder's answers (not a test).

Starts a private session bus, installs the desktop integration into a temporary
$XDG_DATA_HOME, then asks GNOME Shell's question (`GetInitialResultSet`) the way the shell does:
the first call activates `ponder serve` (its start, the library, the query engine), the next
ones find it running. Prints the cold answer and the warm answers' median and p95, and the same
for KRunner's `Match`.

    python tests/benchmarks/bench_desktop_search.py --library DIR [--repeats 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GNOME = ["--dest", "org.ponder.Ponder.SearchProvider", "--object-path",
         "/org/ponder/Ponder/SearchProvider"]  # fmt: skip
KRUNNER = ["--dest", "org.ponder.Ponder.KRunner", "--object-path", "/runner"]
QUERIES = ["wait for a child process", "bread rising overnight", "save money", "python list copy"]


def _call(env: dict[str, str], target: list[str], method: str, arg: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        ["gdbus", "call", "--session", "--timeout", "120", *target, "--method", method, arg],
        capture_output=True, env=env, text=True,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"gdbus: {done.stderr.strip()}")
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", required=True, type=Path)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    if not (shutil.which("dbus-daemon") and shutil.which("gdbus")):
        print("needs dbus-daemon and gdbus", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        xdg = Path(tmp) / "xdg"
        env = {**os.environ, "XDG_DATA_HOME": str(xdg), "PYTHONPATH": str(ROOT)}
        env["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")  # its environment.d drop-in too
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        config = Path(tmp) / "bus.conf"
        config.write_text(
            "<busconfig><type>session</type>"
            f"<listen>unix:path={tmp}/bus</listen>"
            f"<servicedir>{xdg}/dbus-1/services</servicedir>"
            '<policy context="default"><allow send_destination="*" eavesdrop="true"/>'
            '<allow eavesdrop="true"/><allow own="*"/></policy></busconfig>'
        )
        bus = subprocess.Popen(
            ["dbus-daemon", "--config-file", str(config), "--nofork", "--print-address"],
            stdout=subprocess.PIPE, env=env, text=True,
        )  # fmt: skip
        try:
            assert bus.stdout is not None
            env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().strip()
            subprocess.run(
                [sys.executable, "-m", "desktop.cli.main", "--library", str(args.library),
                 "desktop-integration", "install", "--user"],
                check=True, capture_output=True, env=env, cwd=ROOT,
            )  # fmt: skip
            method = "org.gnome.Shell.SearchProvider2.GetInitialResultSet"
            cold = _call(env, GNOME, method, repr(QUERIES[0].split()))
            warm = [
                _call(env, GNOME, method, repr(QUERIES[i % len(QUERIES)].split()))
                for i in range(1, args.repeats + 1)
            ]
            runner = [
                _call(env, KRUNNER, "org.kde.krunner1.Match", QUERIES[i % len(QUERIES)])
                for i in range(args.repeats)
            ]
        finally:
            bus.terminate()
            bus.wait(timeout=10)
    for name, times in (("GNOME warm", warm), ("KRunner warm", runner)):
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(f"{name}: median {1000 * statistics.median(times):.0f} ms, p95 {1000 * p95:.0f} ms")
    print(f"GNOME cold (activation + first answer): {1000 * cold:.0f} ms")
    print("(each figure includes starting gdbus, about 10-20 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
