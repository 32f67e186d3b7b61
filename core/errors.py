"""Every exception the engine raises on purpose.

The desktop and command line catch `PonderError` at their edge and show its message; anything
else reaching them is a bug.
"""

from __future__ import annotations


class PonderError(Exception):
    """Base of all expected engine errors; the message is meant for the user."""


class ModelError(PonderError):
    """A model folder is missing, malformed or asks for something we refuse to do."""


class PoolingError(PonderError):
    """An unknown pooling strategy was requested."""


class IndexMismatchError(PonderError):
    """The index was built with another model, pooling or dimension than requested."""


class StoreError(PonderError):
    """The library database is unreadable or from an unknown schema version."""


class FileProblem(PonderError):
    """A single file could not be indexed; the run goes on with the next one."""


class SkipFile(FileProblem):
    """The file is deliberately not indexed (unsupported type, empty, too large, binary...)."""


class ExtractionFailed(FileProblem):
    """The file looked indexable but reading it failed (broken, encrypted, unreadable...)."""


class QueryError(PonderError):
    """A search query's syntax is wrong (an unknown date in `after:`, an unclosed quote...)."""


class Cancelled(PonderError):
    """A long computation was stopped because its owner asked (the window is closing, say)."""
