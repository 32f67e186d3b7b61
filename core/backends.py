"""Which backend holds a library: a folder (SQLite + FAISS, the default) or a PostgreSQL server.

A library location is either a folder or a `postgresql://` address (`core.team`); this is the
one place that tells them apart. Everything above it speaks to the catalog's interface.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from core.keys.paths import default_data_dir

if TYPE_CHECKING:
    from core.index.interface import Catalog

LIBRARY_ENV = "PONDER_LIBRARY"


def is_server(location: str | Path) -> bool:
    from core.team.connection import is_server_location

    return is_server_location(str(location)) if isinstance(location, str) else False


def default_location() -> str | Path:
    """$PONDER_LIBRARY (a folder or an address), else $PONDER_DATA_DIR, else the platform's."""
    value = os.environ.get(LIBRARY_ENV)
    if value:
        return value if is_server(value) else Path(value).expanduser()
    return default_data_dir()


def normalise(location: str | Path) -> str | Path:
    """An address as given, a folder as an expanded `Path`."""
    return location if is_server(location) else Path(location).expanduser()


def open_catalog(location: str | Path, approximate_above: int | None = None) -> Catalog:
    """The catalog of the library at `location` (created if it is a new folder)."""
    if is_server(location):
        from core.team.catalog import TeamCatalog

        return TeamCatalog(str(location))
    from core.index.catalog import LocalCatalog

    return LocalCatalog(Path(location), approximate_above)
