"""What the library panel shows, read from the library in one go on a worker thread."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from core.library import Library
from core.records import DocumentRow


@dataclass(frozen=True)
class Snapshot:
    """The library's roots, documents and totals at one moment."""

    roots: list[str] = field(default_factory=list)  # real paths
    documents: list[DocumentRow] = field(default_factory=list)  # paths on this machine
    counts: dict[str, int] = field(default_factory=dict)
    bytes_on_disk: int = 0


def take_snapshot(library: Library) -> Snapshot:
    status = library.status()
    return Snapshot(
        roots=library.roots(),  # this machine's
        # each document under its path on this machine (a team library stores shared keys)
        documents=[replace(d, path=library.path_of(d.path)) for d in library.documents()],
        counts=status.counts.as_dict(),
        bytes_on_disk=status.bytes_on_disk,
    )
