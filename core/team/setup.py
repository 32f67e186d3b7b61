"""Creating a team library on a server: run once by the database's owner.

The model (and so the vectors' dimension), pooling and precision are fixed here: the encoder is
loaded to learn them, as a client will when it indexes.
"""

from __future__ import annotations

import json
from pathlib import Path

from core.errors import IndexMismatchError
from core.records import IndexInfo
from core.team import schema
from core.team.connection import Connections


def create_team_library(
    url: str,
    model: Path | str | None = None,
    pooling: str | None = None,
    precision: str | None = None,
    writers: str | None = None,
    readers: str | None = None,
) -> bool:
    """Create the library's tables at `url` (or, if they exist, only grant the roles); returns
    whether it was created. Refuses a model other than the one an existing library has."""
    from core.model.folder import default_model_folder
    from core.model.loading import index_info, load_encoder
    from core.model.precision import default_precision

    folder = Path(model).expanduser().resolve() if model else default_model_folder()
    encoder = load_encoder(folder, pooling, precision=precision or default_precision())
    return create_tables(url, index_info(encoder), writers, readers)


def create_tables(url: str, info: IndexInfo, writers: str | None, readers: str | None) -> bool:
    connections = Connections(url, vectors=False)
    try:
        with connections.transaction() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('ponder-setup'))")
            if schema.exists(cur):
                cur.execute("SELECT value FROM ponder.meta WHERE key = 'index'")
                current = IndexInfo(**json.loads(cur.fetchone()[0]))
                if current != info:
                    raise IndexMismatchError(
                        f"{url} already holds a team library built with model {current.model!r}"
                        f", pooling {current.pooling!r}; it cannot switch to {info.model!r}"
                    )
                schema.grant(cur, writers, readers)
                return False
            schema.create(cur, info, writers, readers)
            return True
    finally:
        connections.close()
