"""The library database (SQLite): schema, connections and every query the engine makes."""

from __future__ import annotations

from core.store.schema import SCHEMA_VERSION, VECTOR_TABLES
from core.store.store import Store, VectorChanges

__all__ = ["SCHEMA_VERSION", "VECTOR_TABLES", "Store", "VectorChanges"]
