"""Without a display, or without a library Qt's xcb plugin needs, `ponder` says so in one line.

Qt itself prints several lines and aborts (exit 134) in both cases.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.window import display
from desktop.window.display import XCB_LIBRARIES, display_problem, missing_packages

ROOT = Path(__file__).resolve().parents[3]
MISSING = {"libponder-not-installed.so.7": "libponder-not-installed7"}


@pytest.mark.skipif(sys.platform != "linux", reason="a display is an X11/Wayland notion")
def test_no_display_is_one_line_and_exit_1(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    done = subprocess.run(
        [sys.executable, "-m", "desktop.cli.main", "--data-dir", str(tmp_path / "data")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = done.stderr.splitlines()
    assert done.returncode == 1, done.stderr
    assert len(lines) == 1 and lines[0].startswith("ponder: error: no display"), done.stderr
    assert "QT_QPA_PLATFORM=offscreen" in lines[0]
    assert not (tmp_path / "data").exists()  # nothing was opened


def test_which_platform_needs_a_display() -> None:
    assert display_problem({}, "Linux") == display.NO_DISPLAY
    assert display_problem({"QT_QPA_PLATFORM": "xcb"}, "Linux") == display.NO_DISPLAY
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "Linux") is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "Linux") is None
    assert display_problem({}, "Darwin") is None and display_problem({}, "Windows") is None


def test_a_missing_xcb_library_names_its_package() -> None:
    libraries = {"libc.so.6": "libc6", **MISSING, "libm.so.6": "libc6"}
    assert missing_packages(libraries) == ["libponder-not-installed7"]
    problem = display_problem({"DISPLAY": ":0"}, "Linux", libraries)
    assert problem == "Qt needs these system packages: apt-get install libponder-not-installed7"
    # only when the platform will be xcb: offscreen and Wayland do not load the xcb plugin
    offscreen = {"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}
    assert display_problem(offscreen, "Linux", MISSING) is None
    assert display_problem({"DISPLAY": ":0", "WAYLAND_DISPLAY": "w"}, "Linux", MISSING) is None


def test_every_xcb_library_is_here() -> None:
    """The list names real sonames: on this machine the window opens, so all of them load."""
    assert missing_packages(XCB_LIBRARIES) == []
    assert {"libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libegl1"} <= set(
        XCB_LIBRARIES.values()
    )


def test_readme_and_ci_install_every_package_the_window_needs() -> None:
    """A plain Debian desktop gets the list from the README; CI installs the same."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for package in sorted(set(XCB_LIBRARIES.values())):
        assert package in readme.split(), f"README does not name {package}"
        assert package in ci.split(), f".ci/run does not install {package}"
