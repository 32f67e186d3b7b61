"""Search at scale: latency, recall against exact search, memory and disk on N sentences.

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_scale.py --sentences 1000000 --data-dir /tmp/ponder-1m

The library is built through the engine's own write path (`Store.write_document`) from real
text: the documents of the evaluation corpora (man pages, Python FAQ), copied with variations
(sentences dropped and reordered) until N sentences are stored. Embedding a million sentences
would take a day here, so only a sample of real sentences is embedded with the real model; every
other vector is DERIVED from them (a real vector mixed with another and a little noise,
renormalised), and each document's opening passage is the normalised mean of its first sentences.
Queries are the corpora's real query texts, embedded by the real model on every search.

The library is then opened as Ponder opens it (its index is built from SQLite, timed as
training), and a fresh process with the model loaded runs `core.search.search` (query embedding,
ANN, SQL, hits) to time queries and read its resident memory. Recall@10 compares each query's ten
documents with the ten that exact search (a flat index over the same vectors) ranks first. The
last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from concurrent.futures import Future
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT.parent / "shared" / "eval"
CORPORA = ("manpages", "python-faq")
sys.path.insert(0, str(ROOT))  # this checkout's core, not an installed one

from core import search as search_module  # noqa: E402
from core.catalog import DB_NAME, Catalog  # noqa: E402
from core.chunking import split_sentences  # noqa: E402
from core.encoder import Encoder  # noqa: E402
from core.library import Library, _info  # noqa: E402
from core.modelspec import default_model_folder  # noqa: E402
from core.precision import default_precision  # noqa: E402
from core.records import NewDocument, NewSentence, Window  # noqa: E402
from core.search import search  # noqa: E402
from core.store import VECTOR_TABLES, Store  # noqa: E402

OPENING = 8  # sentences averaged into a document's opening passage


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--embed", type=int, default=20_000, help="real sentences embedded")
    parser.add_argument(
        "--real-cache", type=Path, default=None, help="keep the real embeddings here for reuse"
    )
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--no-recall", action="store_true", help="skip the exact comparison")
    parser.add_argument(
        "--keywords-after",
        action="store_true",
        help="run the keyword statement after the query's embedding, not beside it (to compare)",
    )
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    data = args.data_dir or Path(f"/tmp/ponder-scale-{args.sentences}")
    queries = _queries(args.queries)
    if args.measure:
        if args.keywords_after:
            search_module._keyword_thread = _Inline
        print(json.dumps(_measure(data, queries)))
        return 0
    report: dict = {"sentences": args.sentences}
    built = data / "bench-build.json"  # the build's figures, kept for a reused library
    if not (data / DB_NAME).exists():
        built.parent.mkdir(parents=True, exist_ok=True)
        built.write_text(json.dumps(_build(data, args.sentences, args.embed, args.real_cache)))
    if built.exists():
        report |= json.loads(built.read_text())
    start = time.perf_counter()
    catalog = Catalog(data)
    catalog.open_indexes()  # loads, or builds and trains the index from SQLite
    catalog.close()
    report["open_or_train_s"] = round(time.perf_counter() - start, 2)
    child = subprocess.run(
        [sys.executable, __file__, "--measure", "--data-dir", str(data),
         "--queries", str(args.queries), *(["--keywords-after"] if args.keywords_after else [])],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    measured = json.loads(child.stdout.strip().splitlines()[-1])
    top = measured.pop("top")
    exact = [] if args.no_recall else _exact(data, queries)
    recalls = [len(set(a) & set(e)) / len(e) for a, e in zip(top, exact, strict=False) if e]
    db = data / DB_NAME
    disk = sum(p.stat().st_size for p in data.iterdir() if p.is_file())
    store = Store(db)
    counts = store.counts()
    store.close()
    report |= measured | {
        "stored_sentences": counts.sentences,
        "passages": counts.passages,
        "documents": counts.indexed,
        "recall_at_10": round(statistics.fmean(recalls), 4) if recalls else None,
        "disk_bytes_per_sentence": round(disk / max(counts.sentences, 1), 1),
        "sqlite_bytes_per_sentence": round(db.stat().st_size / max(counts.sentences, 1), 1),
        "load_average": [round(x, 1) for x in os.getloadavg()],  # others' work slows timings
    }
    print(
        "vectors: real MiniLM embeddings of a sample of real sentences; the rest DERIVED by "
        "mixing real vectors (see the docstring)"
    )
    print(json.dumps(report))
    return 0


def _queries(limit: int) -> list[str]:
    texts = []
    for name in CORPORA:
        with open(EVAL / name / "queries.jsonl", encoding="utf-8") as handle:
            texts.extend(json.loads(line)["text"] for line in handle)
    random.Random(7).shuffle(texts)
    return texts[:limit]


def _sources() -> list[tuple[str, list[str]]]:
    """(title, sentences) of every real document."""
    docs = []
    for name in CORPORA:
        with open(EVAL / name / "corpus.jsonl", encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                text = f"{row.get('title') or ''}\n\n{row['text']}"
                sentences = [s.text for s in split_sentences(text)]
                if len(sentences) >= 2:
                    docs.append((row.get("title") or row["_id"], sentences))
    return docs


def _build(data: Path, target: int, embed: int, cache: Path | None) -> dict:
    started = time.perf_counter()
    sources = _sources()
    unique = sorted({s for _, sentences in sources for s in sentences})
    rng = np.random.default_rng(0)
    picked = rng.choice(len(unique), size=min(embed, len(unique)), replace=False)
    encoder = Encoder(default_model_folder(), None, precision=default_precision())
    if cache is not None and cache.exists():
        real = np.load(cache)
    else:
        real = encoder.encode([unique[i] for i in picked])
        if cache is not None:
            np.save(cache, real)
    row_of = {unique[i]: n for n, i in enumerate(picked)}
    embedded_s = time.perf_counter() - started
    data.mkdir(parents=True, exist_ok=True)
    store = Store(data / DB_NAME)
    store.bind_index(_info(encoder))
    written, copy, write_s = 0, 0, 0.0
    while written < target:
        for title, sentences in sources:
            if written >= target:
                break
            if copy:
                keep = [s for s in sentences if rng.random() > 0.1] or sentences[:1]
                head, tail = keep[:1], keep[1:]
                rng.shuffle(tail)
                sentences = head + tail
            sentences = sentences[: target - written]
            vectors = _vectors(sentences, row_of, real, rng, copy)
            doc = _document(f"/bench/copy{copy:04d}/{title}.txt", title, sentences)
            opening = vectors[:OPENING].mean(axis=0, keepdims=True)
            opening /= np.linalg.norm(opening)
            t = time.perf_counter()
            store.write_document(doc, vectors, opening)
            write_s += time.perf_counter() - t
            written += len(sentences)
        copy += 1
    store.close()
    return {
        "embedded_real": len(real),
        "embed_s": round(embedded_s, 1),
        "write_s": round(write_s, 1),
        "build_s": round(time.perf_counter() - started, 1),
    }


def _vectors(sentences, row_of, real, rng, copy) -> np.ndarray:
    """Real vectors where the sentence was embedded (the first copy), else derived ones."""
    base = np.array([row_of.get(s, hash(s) % len(real)) for s in sentences], dtype=np.int64)
    out = real[base].copy()
    derived = np.array([copy > 0 or s not in row_of for s in sentences])
    if derived.any():
        other = real[rng.integers(0, len(real), int(derived.sum()))]
        noise = rng.standard_normal(other.shape).astype(np.float32) * 0.02
        out[derived] = 0.75 * out[derived] + 0.25 * other + noise
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def _document(path: str, title: str, sentences: list[str]) -> NewDocument:
    rows, pos = [], 0
    for line, s in enumerate(sentences):
        rows.append(NewSentence(pos, pos + len(s), line, None, s))
        pos += len(s) + 1
    text = "\n".join(sentences)
    return NewDocument(
        path=path, root="/bench", size=len(text), mtime=0.0, digest=str(hash(text)),
        kind="text", title=title, text=text, page_starts=(), sentences=tuple(rows),
        windows=(Window(0, min(OPENING, len(sentences)) - 1),),
    )  # fmt: skip


class _Inline:
    """An executor that runs what it is given at once, on the calling thread."""

    def submit(self, fn, *args) -> Future:
        done: Future = Future()
        done.set_result(fn(*args))
        return done


def _measure(data: Path, queries: list[str]) -> dict:
    """In a fresh process: open the library as Ponder does, load the model, time searches."""
    start = time.perf_counter()
    library = Library(data)
    library.warm_up()  # the model and the indexes, as the window's warm-up loads them
    encoder = library.encoder
    opened = time.perf_counter() - start
    for q in queries[:5]:
        search(library.catalog, encoder, q, 10)  # warm up
    times, cpu, top = [], [], []
    for q in queries:
        t, c = time.perf_counter(), time.process_time()
        hits = search(library.catalog, encoder, q, 10)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)  # all threads: CPU spent, not waited
        top.append([h.document_id for h in hits])
    rss = _rss_mb()
    kinds = {t: type(library.catalog.index_of(t)).__name__ for t in VECTOR_TABLES}
    library.close()
    times.sort()
    cpu.sort()
    return {
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "cpu_p95_ms": round(cpu[int(0.95 * (len(cpu) - 1))], 2),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
        "queries": len(times),
        "rss_mb": round(rss, 1),
        "open_with_model_s": round(opened, 2),
        "indexes": kinds,
        "top": top,
    }


def _exact(data: Path, queries: list[str]) -> list[list[int]]:
    """Each query's ten documents under exact search (flat indexes built from SQLite, never
    saved: this catalog's store is closed without writing index files)."""
    catalog = Catalog(data, approximate_above=10**12)
    catalog.sync()  # the saved file is approximate: this starts the exact build...
    catalog.wait_for_builds()  # ...and this waits for it
    kinds = {type(catalog.index_of(t)).__name__ for t in VECTOR_TABLES}
    assert kinds == {"FlatIndex"}, kinds
    assert catalog.info is not None
    encoder = Encoder(
        default_model_folder(), catalog.info.pooling, precision=catalog.info.precision
    )
    top = [[h.document_id for h in search(catalog, encoder, q, 10)] for q in queries]
    catalog.store.close()
    return top


def _rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    sys.exit(main())
