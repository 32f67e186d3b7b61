"""Where the files shipped in `resources/` live, from a source checkout or a frozen bundle."""

from __future__ import annotations

import sys
from pathlib import Path

APP_ID = "org.ponder.Ponder"


def resource_dir() -> Path:
    """`resources/` beside the packages from source; `_MEIPASS/resources` when frozen."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def icon_path() -> Path:
    return resource_dir() / "icons" / f"{APP_ID}.svg"


def samples_dir() -> Path:
    """The small sample library offered on first run."""
    return resource_dir() / "samples"
