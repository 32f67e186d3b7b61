"""Ponder's engine: extraction, sentence splitting, encoding, pooling, storage and search.

No Qt, no printing, no exiting: callers get return values or `core.errors.PonderError`. Nothing
runs at import: the native libraries' settings are applied when a library or an encoder is made
(`core.model.native.start`).
"""

from __future__ import annotations

__version__ = "0.1.0"
