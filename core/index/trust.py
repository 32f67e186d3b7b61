"""Whether a loaded index file can be trusted to mirror the store.

A file on disk may be truncated, garbled, foreign (another library's, restored from a backup) or
simply stale; the catalog catches it up from the store's change log and then asks this module
whether what it holds is what SQLite holds, before any search reads it. Otherwise it is rebuilt
from SQLite (`core.index.catalog`).
"""

from __future__ import annotations

import numpy as np

from core.index.vectors import VectorIndex
from core.records import IdDigest
from core.store import Store, digest

SAMPLE = 256  # stored vectors compared with a loaded index's own copies


def holds_the_store(
    store: Store, table: str, index: VectorIndex, held: IdDigest, dimension: int
) -> bool:
    """Whether `index` holds exactly the store's rows of `table` (compared by digest, which
    SQLite computes without handing a million ids to Python) and a sample of its vectors
    matches theirs (catches truncated, garbled or foreign files)."""
    if index.count() != held.count:
        return False
    ids = index.ids()
    if digest.of_ids(ids) != held:
        return False
    if not len(ids):
        return True
    sample = np.random.default_rng().choice(ids, size=min(SAMPLE, len(ids)), replace=False)
    # A writer (this process's first indexing phase, or another process) may take rows away
    # between the two reads: those are logged changes the catch-up applies next, not damage.
    found = store.vectors_found(table, sample, dimension)
    sample = np.array([i for i in sample if int(i) in found], dtype=np.int64)
    if not len(sample):
        return True
    stored = np.stack([found[int(i)] for i in sample])
    # By direction, within the index's own tolerance, not element by element: a code clips
    # or rounds a vector (8-bit codes clipped the odd component of 0.3% of a 1M library's,
    # so a sample of 256 failed half the time and every other open retrained for ten
    # minutes), yet every vector still points near where it should; a foreign or shuffled
    # file's do not.
    rebuilt = index.reconstruct(sample)
    norms = np.linalg.norm(rebuilt, axis=1) * np.linalg.norm(stored, axis=1)
    cosines = np.einsum("ij,ij->i", rebuilt, stored) / np.maximum(norms, 1e-12)
    return bool(np.all(cosines >= 1.0 - index.tolerance))
