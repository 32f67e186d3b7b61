"""A team library: documents, sentences and vectors on a PostgreSQL server with pgvector.

The same interfaces as the embedded library (`core.store.Store`, `core.index.interface.Catalog`), so
the engine above them never asks which one it has. Needs the `team` extra (psycopg, pgvector).
"""
