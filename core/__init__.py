"""Ponder's engine: extraction, sentence splitting, encoding, pooling, storage and search.

No Qt, no printing, no exiting: callers get return values or `core.errors.PonderError`.
"""

from __future__ import annotations

__version__ = "0.1.0"

import core.model.native  # noqa: E402, F401  (native-library settings, before anything loads torch)
