"""The id digest that tells a vector index file from its table: SQLite and numpy agree on it,
and sets with the same count and sum still differ by it."""

from __future__ import annotations

import sqlite3

import numpy as np

from core.records import IdDigest
from core.store import digest


def _in_sql(ids: list[int]) -> IdDigest:
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        db.executemany("INSERT INTO t VALUES (?)", [(i,) for i in ids])
        return IdDigest(*db.execute(digest.sql("t")).fetchone())
    finally:
        db.close()


def test_sqlite_and_numpy_give_the_same_digest() -> None:
    ids = np.random.default_rng(3).choice(2**31 - 1, size=5_000, replace=False) + 1
    assert _in_sql(ids.tolist()) == digest.of_ids(ids)
    assert _in_sql([]) == digest.of_ids(np.empty(0, np.int64)) == IdDigest(0, 0, 0)


def test_sets_with_the_same_count_and_sum_differ() -> None:
    one, other = digest.of_ids(np.array([1, 4])), digest.of_ids(np.array([2, 3]))
    assert (one.count, one.total) == (other.count, other.total)
    assert one != other
    assert _in_sql([2, 3]) == other
