"""Related notes' linking sentences: how many of those shown are boilerplate.

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_boilerplate_links.py DATA_DIR [--documents 20] [--top 5]
        [--share 0.01] [--seed 11]

For `--documents` documents drawn at random from a library (a data folder indexed by `ponder
index`, e.g. a copy of part of `/usr/share/doc`), the related notes panel's top `--top` hits are
asked for, and each hit's two linking sentences (one in the document, one in the related one)
are counted. A sentence is boilerplate when more than `--share` of the library's documents hold
it. Its document frequency is counted here, from the stored sentences, with a normalisation of
its own (case, spacing and digits set aside), not with Ponder's `core.search.boilerplate` keys, so
the figure does not grade Ponder by its own rule.

A boilerplate link is unavoidable when its document has no other sentence: every one of its
sentences is boilerplate. Those are counted apart (`unavoidable`); `avoidable` is the figure to
bring to nothing. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # this checkout's core, not an installed one

from core.library import Library  # noqa: E402

_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Frequencies:
    """Each document's normalised sentences, and in how many documents each occurs."""

    sentences: dict[int, set[str]]
    documents: Counter

    def boilerplate(self, text: str, limit: float) -> bool:
        return self.documents[normalise(text)] > limit

    def all_boilerplate(self, document_id: int, limit: float) -> bool:
        return all(self.documents[s] > limit for s in self.sentences.get(document_id, ()))


def normalise(text: str) -> str:
    return _SPACE.sub(" ", _DIGITS.sub("0", text.lower())).strip()


def frequencies(data_dir: Path) -> Frequencies:
    """Read straight from the library's SQLite file, read-only."""
    db = sqlite3.connect(f"file:{data_dir / 'library.sqlite3'}?mode=ro", uri=True)
    try:
        ids = [r[0] for r in db.execute("SELECT id FROM documents WHERE status = 'indexed'")]
        sentences: dict[int, set[str]] = {}
        for doc in ids:
            rows = db.execute("SELECT text FROM sentences WHERE document_id = ?", (doc,))
            sentences[doc] = {normalise(t) for (t,) in rows}
    finally:
        db.close()
    documents: Counter = Counter()
    for found in sentences.values():
        documents.update(found)
    return Frequencies(sentences, documents)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--share", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--show", action="store_true", help="print each boilerplate link")
    args = parser.parse_args()
    counted = frequencies(args.data_dir)
    ids = sorted(counted.sentences)
    limit = args.share * len(ids)
    chosen = np.random.default_rng(args.seed).choice(ids, min(args.documents, len(ids)), False)
    library = Library(args.data_dir)
    shown = avoidable = unavoidable = 0
    examples: Counter = Counter()
    started = time.perf_counter()
    try:
        for doc in (int(d) for d in chosen):
            for hit in library.related_by_id(doc, args.top):
                for owner, text in ((doc, hit.here.text), (hit.document_id, hit.there.text)):
                    shown += 1
                    if not counted.boilerplate(text, limit):
                        continue
                    if counted.all_boilerplate(owner, limit):
                        unavoidable += 1
                    else:
                        avoidable += 1
                        examples[text[:60]] += 1
                    if args.show:
                        print(f"{doc} -> {hit.document_id}: {text[:70]!r}", flush=True)
    finally:
        library.close()
    print(
        json.dumps(
            {
                "library": str(args.data_dir),
                "documents": len(ids),
                "limit_documents": limit,
                "sampled": len(chosen),
                "linking_sentences": shown,
                "boilerplate": avoidable + unavoidable,
                "avoidable": avoidable,
                "unavoidable": unavoidable,
                "seconds": round(time.perf_counter() - started, 1),
                "most_common_avoidable": examples.most_common(5),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
