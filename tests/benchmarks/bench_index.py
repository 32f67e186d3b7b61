"""Indexing throughput: `ponder index` end to end against sentence-transformers' `encode`.

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_index.py [--corpus manpages|python-faq|DIR] [--files 150]
                                           [--repeats 3] [--context late|alone]

Both sides get the same real sentences (a folder of notes from ../shared/eval). Ponder indexes the
files in a fresh library with a fresh process (start-up, model load, extraction, splitting,
embedding (each passage once with late chunking, else each sentence and each opening passage),
SQLite, FAISS: process start to exit), then sentence-transformers encodes exactly the sentences
Ponder stored (batch 32, normalised, model already loaded), and so does Ponder's encoder on each
sentence alone at the library's precision (no passages, no storage, model loaded) to show where
the time goes. Tokens/s count the sentences' tokens, special
tokens included; the peak RSS is the largest `ponder index` process's.

The three are measured in turn within each repeat (interleaved), so a change in the machine's load
hits all of them alike; each figure is the median over the repeats, and the ratios are what to
compare across machines, never the absolute numbers.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT.parent / "shared" / "eval"
sys.path.insert(0, str(ROOT))  # this checkout's core, not an installed one


def corpus_folder(name: str) -> Path:
    named = EVAL / name / "notes" / "files"
    return named if named.is_dir() else Path(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="manpages", help="manpages, python-faq or a folder")
    parser.add_argument("--files", type=int, default=150, help="first N files (0: all)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--context", choices=("late", "alone"), help="the library's (default: Ponder's own)"
    )
    args = parser.parse_args()
    context = ["--context", args.context] if args.context else []

    corpus = corpus_folder(args.corpus)
    work = Path(tempfile.mkdtemp(prefix="ponder-bench-"))
    notes = work / "notes"
    notes.mkdir()
    files = sorted(p for p in corpus.iterdir() if p.is_file())
    for path in files[: args.files or None]:
        shutil.copy(path, notes / path.name)

    from sentence_transformers import SentenceTransformer

    from core.model.encoder import Encoder
    from core.model.folder import default_model_folder

    model = SentenceTransformer(str(default_model_folder()), device="cpu")
    ponder_times, st_times, encoder_times = [], [], []
    sentences: list[str] = []
    encoder = None
    for run in range(args.repeats):
        data = work / f"data-{run}"
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "desktop.cli.main", "--data-dir", str(data), "-q", *context,
             "index", str(notes)],
            check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        ponder_times.append(time.perf_counter() - start)
        with sqlite3.connect(data / "library.sqlite3") as db:
            sentences = [r[0] for r in db.execute("SELECT text FROM sentences ORDER BY id")]
            passages = db.execute("SELECT count(*) FROM passages").fetchone()[0]
            info = json.loads(db.execute("SELECT value FROM meta WHERE key='index'").fetchone()[0])
        if encoder is None:
            model.encode(sentences[:64])  # warm up
            encoder = Encoder(precision=info.get("precision", "fp32"))
            encoder.encode(sentences[:64])
        start = time.perf_counter()
        model.encode(sentences, batch_size=32, normalize_embeddings=True)
        st_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        encoder.encode(sentences)
        encoder_times.append(time.perf_counter() - start)
        shutil.rmtree(data, ignore_errors=True)
    assert encoder is not None
    tokens = sum(len(ids) for ids in encoder.tokenize(sentences))
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    ponder_s = statistics.median(ponder_times)
    st_s = statistics.median(st_times)
    encoder_s = statistics.median(encoder_times)
    report = {
        "corpus": str(corpus),
        "files": len(list(notes.iterdir())),
        "sentences": len(sentences),
        "tokens": tokens,
        "passages": passages,
        "precision": encoder.precision,
        "context": info.get("context", "alone"),
        "ponder_index_seconds": [round(t, 2) for t in ponder_times],
        "st_encode_seconds": [round(t, 2) for t in st_times],
        "encoder_only_seconds": [round(t, 2) for t in encoder_times],
        "ponder_index_sentences_per_s": round(len(sentences) / ponder_s, 1),
        "st_encode_sentences_per_s": round(len(sentences) / st_s, 1),
        "ratio_ponder_over_st": round(st_s / ponder_s, 3),
        "ponder_encoder_only_sentences_per_s": round(len(sentences) / encoder_s, 1),
        "ratio_encoder_only_over_st": round(st_s / encoder_s, 3),
        "ponder_index_tokens_per_s": round(tokens / ponder_s),
        "ponder_encoder_only_tokens_per_s": round(tokens / encoder_s),
        "st_encode_tokens_per_s": round(tokens / st_s),
        "ponder_index_peak_rss_mb": round(peak_mb),
    }
    print(json.dumps(report, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
