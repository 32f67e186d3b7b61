"""The library `bench_scale.py` measures: N sentences written through the engine's own write
path (`Store.write_document`) from the evaluation corpora's real documents, copied with variations.

Only a sample of real sentences is embedded with the real model; every other vector is DERIVED
from them (a real vector mixed with another and a little noise, renormalised), and each
document's opening passage is the normalised mean of its first sentences.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT.parent / "shared" / "eval"
CORPORA = ("manpages", "python-faq")
sys.path.insert(0, str(ROOT))  # this checkout's core, not an installed one

from core.index.catalog import DB_NAME  # noqa: E402
from core.ingest.chunking import split_sentences  # noqa: E402
from core.model.folder import default_model_folder  # noqa: E402
from core.model.loading import index_info  # noqa: E402
from core.model.precision import default_precision  # noqa: E402
from core.records import NewDocument, NewSentence, Window  # noqa: E402
from core.store import Store  # noqa: E402

OPENING = 8  # sentences averaged into a document's opening passage


def real_documents() -> list[tuple[str, list[str]]]:
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


def build(data: Path, target: int, embed: int, cache: Path | None) -> dict:
    from core.model.encoder import Encoder  # torch: only where the library is built

    started = time.perf_counter()
    sources = real_documents()
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
    store.bind_index(index_info(encoder))
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
