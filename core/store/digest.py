"""A set of row ids summed up in three numbers, computed alike by SQLite and numpy.

Opening a library checks that a loaded vector index holds exactly the rows of its table. Reading
a million ids into Python to compare them costs seconds under a busy GIL; SQLite sums them in C
over the smallest covering index with the GIL released. The count, the sum and the sum of a
hash of each id tell a truncated, stale or foreign file from the table's own.
"""

from __future__ import annotations

import numpy as np

from core.records import IdDigest

# Each id's hash is the square of a Lehmer step modulo 2**31 - 1 (squared: under a linear hash,
# any two sets with the same sum would have the same total too). Exact in 64-bit integers for ids
# below 2**31 and up to 2**31 rows, in SQL as in numpy.
_FACTOR = 48_271
_PRIME = 2_147_483_647
_STEP = f"((id * {_FACTOR}) % {_PRIME})"


def sql(table: str) -> str:
    """The statement giving `table`'s digest as one row (table checked by the caller)."""
    return (
        f"SELECT count(*), coalesce(sum(id), 0), "
        f"coalesce(sum({_STEP} * {_STEP} % {_PRIME}), 0) FROM {table}"
    )


def of_ids(ids: np.ndarray) -> IdDigest:
    """The digest of ids held in memory (a vector index's)."""
    ids = np.asarray(ids, dtype=np.int64)
    step = (ids * _FACTOR) % _PRIME
    return IdDigest(len(ids), int(ids.sum()), int((step * step % _PRIME).sum()))
