"""Whether Qt can open a window here, checked before the QApplication exists.

Without a display, or without one of the system libraries its xcb platform plugin links, Qt
prints several lines and aborts the process (exit 134). Checking first turns either into one
`ponder: error:` line that says what to do, and exit 1.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys
from collections.abc import Mapping
from pathlib import Path

NO_DISPLAY = "no display: run Ponder from a desktop session (or set QT_QPA_PLATFORM=offscreen)"

# What Qt's xcb platform plugin (plugins/platforms/libqxcb.so) and libQt6XcbQpa link beyond the
# C runtime, read with `ldd` from PySide6 6.x, and the Debian package that ships each soname.
XCB_LIBRARIES: Mapping[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}


def _platform(env: Mapping[str, str]) -> str:
    """The first platform plugin QT_QPA_PLATFORM names ("xcb:opt;wayland" -> "xcb"), or ""."""
    return env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()


def _bundled_dirs() -> list[Path]:
    """Where a bundle or the Qt wheel may carry its own copies of system libraries."""
    dirs = [Path(getattr(sys, "_MEIPASS", "") or "."), Path(sys.executable).parent]
    try:
        from PySide6.QtCore import QLibraryInfo

        dirs.append(Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.LibrariesPath)))
    except ImportError:
        pass
    return [d for d in dirs if str(d) != "."]


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
        return True
    except OSError:
        return any((d / soname).is_file() for d in _bundled_dirs())


def missing_packages(libraries: Mapping[str, str] = XCB_LIBRARIES) -> list[str]:
    """Debian packages, in order and once each, for the libraries the dynamic loader cannot find."""
    missing: list[str] = []
    for soname, package in libraries.items():
        if package not in missing and not _loads(soname):
            missing.append(package)
    return missing


def display_problem(
    env: Mapping[str, str] | None = None,
    system: str | None = None,
    libraries: Mapping[str, str] = XCB_LIBRARIES,
) -> str | None:
    """Why Qt would abort instead of opening a window, or None when it should open one."""
    env = os.environ if env is None else env
    if (system or platform.system()) != "Linux":
        return None
    chosen = _platform(env)
    if chosen not in ("", "xcb"):
        return None  # offscreen, wayland, vnc...: their own business
    if chosen == "" and env.get("WAYLAND_DISPLAY"):
        return None  # a Wayland session: Qt may use its wayland plugin, not xcb
    if not env.get("DISPLAY"):
        return NO_DISPLAY
    missing = missing_packages(libraries)
    if missing:
        return "Qt needs these system packages: apt-get install " + " ".join(missing)
    return None
