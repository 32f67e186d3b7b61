"""Search at scale: latency, recall against exact search, memory and disk on N sentences.

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_scale.py --sentences 1000000 --data-dir /tmp/ponder-1m

The library is built through the engine's own write path (`Store.write_document`) from real
text: the documents of the evaluation corpora (man pages, Python FAQ), copied with variations
(sentences dropped and reordered) until N sentences are stored. Embedding a million sentences
would take a day here, so only a sample of real sentences is embedded with the real model; every
other vector is DERIVED from them (a real vector mixed with another and a little noise,
renormalised), and each document's opening passage is the normalised mean of its first sentences
(`scale_library.py`); `--data-dir` keeps it for the next run. Queries are the corpora's real
query texts, embedded by the real model on every search.

The library is then opened as Ponder opens it (its index is built from SQLite, timed as
training). A fresh process runs `core.search.engine.search` (query embedding, keyword statement,
ANN, SQL, hits) with each query engine side by side, query by query in alternating order so that
other work on the machine weighs on both alike: ONNX Runtime (`core.onnx.engine`; its cached model
is made first if missing) and torch. `--before REV` adds this search module as it was at a git
revision, with the store's keyword ranking and rescoring as they were there too (its keyword
index, `sentence_scores` and the vector codec, swapped in before each of its searches),
interleaved the same way. Each variant reports p50/p95, recall@10 against exact search
(a flat index over the same vectors) and its phase timings (`scale_phases.py`); each engine's
resident memory is read in a process of its own that loads only that engine. The last line is one
JSON object.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from types import MethodType, ModuleType

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # this checkout's core, not an installed one
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_library import CORPORA, EVAL, build  # noqa: E402
from scale_phases import Phases, TimedEngine  # noqa: E402

from core.index.catalog import DB_NAME, LocalCatalog  # noqa: E402
from core.library import Library  # noqa: E402
from core.search import engine as search_module  # noqa: E402
from core.search.engine import search  # noqa: E402
from core.store import VECTOR_TABLES, Store  # noqa: E402

ENGINES = ("onnx", "torch")
ALONE_QUERIES = 60  # queries run by each engine's process of its own, for its memory


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
        "--engines", default=",".join(ENGINES), help="query engines side by side: onnx,torch"
    )
    parser.add_argument(
        "--before",
        default="",
        help="also time the search module, keyword ranking and rescoring at this revision",
    )
    parser.add_argument("--no-alone", action="store_true", help="skip each engine's own memory")
    parser.add_argument(
        "--keywords-after",
        action="store_true",
        help="run the keyword statement after the query's embedding, not beside it (to compare)",
    )
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    data = args.data_dir or Path(f"/tmp/ponder-scale-{args.sentences}")
    queries = _queries(args.queries)
    engines = [e for e in args.engines.split(",") if e]
    if args.measure:
        if args.keywords_after:
            search_module._keyword_thread = _Inline
        print(json.dumps(_measure(data, queries, engines, args.before)))
        return 0
    report: dict = {"sentences": args.sentences}
    built = data / "bench-build.json"  # the build's figures, kept for a reused library
    if not (data / DB_NAME).exists():
        built.parent.mkdir(parents=True, exist_ok=True)
        built.write_text(json.dumps(build(data, args.sentences, args.embed, args.real_cache)))
    if built.exists():
        report |= json.loads(built.read_text())
    start = time.perf_counter()
    catalog = LocalCatalog(data)
    catalog.open_indexes()  # loads, or builds and trains the index from SQLite
    catalog.close()
    report["open_or_train_s"] = round(time.perf_counter() - start, 2)
    if "onnx" in engines:
        library = Library(data)
        library.prepare_queries()  # the ONNX model, made once and cached for every process
        if not library.queries.ready:
            raise SystemExit(f"ONNX Runtime cannot answer: {library.query_engine()}")
        library.close()
    after = ["--keywords-after"] if args.keywords_after else []
    measured = _child(data, args.queries, engines, args.before, after)
    exact = [] if args.no_recall else _exact(data, queries)
    for variant in measured["variants"].values():
        top = variant.pop("top")
        recalls = [len(set(a) & set(e)) / len(e) for a, e in zip(top, exact, strict=False) if e]
        variant["recall_at_10"] = round(statistics.fmean(recalls), 4) if recalls else None
    if not args.no_alone:
        alone = {e: _child(data, ALONE_QUERIES, [e], "", after) for e in engines}
        measured["alone"] = {
            e: {k: m[k] for k in ("rss_mb", "torch_imported", "open_s")} | m["variants"][e]
            for e, m in alone.items()
        }
        for m in measured["alone"].values():
            m.pop("top")
            m.pop("phases")
    db = data / DB_NAME
    disk = sum(p.stat().st_size for p in data.iterdir() if p.is_file())
    store = Store(db)
    counts = store.counts()
    store.close()
    report |= measured | {
        "stored_sentences": counts.sentences,
        "passages": counts.passages,
        "documents": counts.indexed,
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


def _child(data: Path, queries: int, engines: list[str], before: str, more: list[str]) -> dict:
    """`_measure` in a fresh process (its memory is what a search process holds)."""
    child = subprocess.run(
        [sys.executable, __file__, "--measure", "--data-dir", str(data),
         "--queries", str(queries), "--engines", ",".join(engines),
         *(["--before", before] if before else []), *more],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(child.stdout.strip().splitlines()[-1])


def _queries(limit: int) -> list[str]:
    texts = []
    for name in CORPORA:
        with open(EVAL / name / "queries.jsonl", encoding="utf-8") as handle:
            texts.extend(json.loads(line)["text"] for line in handle)
    random.Random(7).shuffle(texts)
    return texts[:limit]


class _Inline:
    """An executor that runs what it is given at once, on the calling thread."""

    def submit(self, fn, *args) -> Future:
        done: Future = Future()
        done.set_result(fn(*args))
        return done


def _measure(data: Path, queries: list[str], engines: list[str], before: str) -> dict:
    """In a fresh process: open the library as Ponder does, load only the engines asked for,
    time searches with each variant query by query, in an order that turns with each query."""
    start = time.perf_counter()
    library = Library(data)
    library.catalog.open_indexes()
    phases = Phases()
    phases.wrap_module(search_module)
    phases.wrap_reads(library.catalog.store, library.catalog)
    chosen: dict[str, object] = {}
    for engine in engines:
        if engine == "torch":
            library.encoder.warm_up()  # the model, as the window's warm-up loads it
            chosen["torch"] = TimedEngine(library.encoder, phases)
        elif engine == "onnx":
            if library.queries.load() is None:
                raise SystemExit(f"ONNX Runtime cannot answer: {library.query_engine()}")
            chosen["onnx"] = TimedEngine(library.queries, phases)
        else:
            raise SystemExit(f"unknown engine {engine!r}: {', '.join(ENGINES)}")
    opened = time.perf_counter() - start
    searches: dict[str, Callable[..., list]] = {}
    store = library.catalog.store
    ours = {"keywords": store.keywords, "sentence_scores": store.sentence_scores}
    theirs = _old_store(before, store) if before else ours
    for engine in chosen:
        searches[engine] = search
        if before:
            old = _old_search(before)
            phases.wrap_module(old)
            searches[f"{engine}@{before}"] = old.search
    variants = list(searches)

    def use(name: str) -> None:  # the store as the variant's revision had it
        for attribute, value in (theirs if "@" in name else ours).items():
            setattr(store, attribute, value)

    for q in queries[:5]:  # warm up every variant
        for name in variants:
            use(name)
            searches[name](library.catalog, chosen[name.split("@")[0]], q, 10)
    times: dict[str, list[float]] = {name: [] for name in variants}
    top: dict[str, list[list[int]]] = {name: [] for name in variants}
    for n, q in enumerate(queries):
        turn = n % len(variants)
        for name in variants[turn:] + variants[:turn]:
            use(name)
            engine = chosen[name.split("@")[0]]
            hits, ms = phases.run(name, searches[name], library.catalog, engine, q, 10)
            times[name].append(ms)
            top[name].append([h.document_id for h in hits])
    rss = _rss_mb()
    kinds = {t: type(library.catalog.index_of(t)).__name__ for t in VECTOR_TABLES}
    library.close()
    report: dict[str, dict] = {}
    for name in variants:
        ordered = sorted(times[name])
        report[name] = {
            "p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
            "phases": phases.summary(name),
            "top": top[name],
        }
    return {
        "variants": report,
        "queries": len(queries),
        "rss_mb": round(rss, 1),
        "torch_imported": "torch" in sys.modules,
        "open_s": round(opened, 2),
        "indexes": kinds,
    }


def _old_search(revision: str) -> ModuleType:
    """`core/search/engine.py` as it was at `revision`, loaded beside this checkout's."""
    return _old_module(revision, "core/search/engine.py", "search_before")


def _old_store(revision: str, store: Store) -> dict[str, object]:
    """The keyword index and `sentence_scores` of `store` as `revision` had them (with that
    revision's vector codec), to set on the store before each of that revision's searches."""
    codec = _old_module(revision, "core/store/codec.py", "codec_before")
    keywords = _old_module(revision, "core/store/keywords.py", "keywords_before")
    old = _old_module(revision, "core/store/store.py", "store_before")
    old.codec = codec
    return {
        "keywords": keywords.Keywords(store._connections),
        "sentence_scores": MethodType(old.Store.sentence_scores, store),
    }


def _old_module(revision: str, path: str, name: str) -> ModuleType:
    """The module at `path` as it was at `revision`, loaded beside this checkout's as `name`."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{revision}:{path}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    exec(compile(source, f"{name}.py", "exec"), module.__dict__)
    return module


def _exact(data: Path, queries: list[str]) -> list[list[int]]:
    """Each query's ten documents under exact search (flat indexes built from SQLite, never
    saved: a view that writes no index files)."""
    catalog = LocalCatalog(data, approximate_above=10**12, writes_files=False)
    catalog.sync()  # the saved file is approximate: this starts the exact build...
    catalog.wait_for_builds()  # ...and this waits for it
    kinds = {type(catalog.index_of(t)).__name__ for t in VECTOR_TABLES}
    assert kinds == {"FlatIndex"}, kinds
    library = Library(data)  # its query engine only (ONNX Runtime where cached: faster)
    engine = library.queries if library.queries.load() is not None else library.encoder
    top = [[h.document_id for h in search(catalog, engine, q, 10)] for q in queries]
    library.close()
    catalog.close()
    return top


def _rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    sys.exit(main())
