"""Where the files shipped in `resources/` live: a source checkout, a frozen bundle, or an
installed wheel (which puts them under `<prefix>/share/ponder/resources`)."""

from __future__ import annotations

import sys
from pathlib import Path

APP_ID = "org.ponder.Ponder"


def resource_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    checkout = Path(__file__).resolve().parents[2] / "resources"
    if (checkout / "icons").is_dir():
        return checkout
    return _installed_resource_dir() or checkout


def _installed_resource_dir() -> Path | None:
    """Found through the distribution's file list, so `--user` and venv installs both work."""
    from importlib.metadata import PackageNotFoundError, files

    try:
        entries = files("ponder") or []
    except PackageNotFoundError:
        return None
    for entry in entries:
        if entry.as_posix().endswith(f"share/ponder/resources/icons/{APP_ID}.svg"):
            return Path(str(entry.locate())).resolve().parent.parent
    return None


def icon_path() -> Path:
    return resource_dir() / "icons" / f"{APP_ID}.svg"


def samples_dir() -> Path:
    """The small sample library offered on first run."""
    return resource_dir() / "samples"
