"""The embedded library's catalog: SQLite and the vector indexes that mirror it."""
