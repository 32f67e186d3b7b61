"""Indexing throughput: `ponder index` end to end against sentence-transformers' `encode`.

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_index.py [--files 150] [--repeats 3]

Both sides get the same real sentences (man pages from ../shared/eval): Ponder indexes the files
(extraction, splitting, embedding sentences and each opening passage, SQLite, FAISS) in a fresh
library,
then sentence-transformers encodes exactly the sentences Ponder stored, and so does Ponder's encoder
alone (no passages, no storage) to show where the time goes; tokens/s count the sentences'
tokens, special tokens included, and the peak RSS is the largest `ponder index` process's.
Each figure is the median
of several runs on this machine in this one process, and the ratio is what to compare across
machines, never the absolute numbers.
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
CORPUS = ROOT.parent / "shared" / "eval" / "manpages" / "notes" / "files"
sys.path.insert(0, str(ROOT))  # this checkout's core, not an installed one


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=150)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ponder-bench-"))
    notes = work / "notes"
    notes.mkdir()
    for path in sorted(p for p in args.corpus.iterdir() if p.is_file())[: args.files]:
        shutil.copy(path, notes / path.name)

    ponder_times, sentences = [], []
    for run in range(args.repeats):
        data = work / f"data-{run}"
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "desktop.cli.main", "--data-dir", str(data), "-q", "index",
             str(notes)],
            check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        ponder_times.append(time.perf_counter() - start)
        with sqlite3.connect(data / "library.sqlite3") as db:
            sentences = [r[0] for r in db.execute("SELECT text FROM sentences ORDER BY id")]
            passages = db.execute("SELECT count(*) FROM passages").fetchone()[0]

    from sentence_transformers import SentenceTransformer

    from core.modelspec import default_model_folder

    model = SentenceTransformer(str(default_model_folder()), device="cpu")
    model.encode(sentences[:64])  # warm up
    st_times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        model.encode(sentences, batch_size=32, normalize_embeddings=True)
        st_times.append(time.perf_counter() - start)

    from core.encoder import Encoder

    encoder = Encoder()  # the encoder alone, on the same sentences: no passages, no storage
    encoder.encode(sentences[:64])
    tokens = sum(len(ids) for ids in encoder.tokenize(sentences))
    encoder_times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        encoder.encode(sentences)
        encoder_times.append(time.perf_counter() - start)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    ponder_rate = len(sentences) / statistics.median(ponder_times)
    encoder_rate = len(sentences) / statistics.median(encoder_times)
    st_rate = len(sentences) / statistics.median(st_times)
    report = {
        "corpus": str(args.corpus),
        "files": args.files,
        "sentences": len(sentences),
        "tokens": tokens,
        "passages": passages,
        "ponder_index_seconds": [round(t, 2) for t in ponder_times],
        "st_encode_seconds": [round(t, 2) for t in st_times],
        "ponder_index_sentences_per_s": round(ponder_rate, 1),
        "st_encode_sentences_per_s": round(st_rate, 1),
        "ratio_ponder_over_st": round(ponder_rate / st_rate, 3),
        "ponder_encoder_only_sentences_per_s": round(encoder_rate, 1),
        "ratio_encoder_only_over_st": round(encoder_rate / st_rate, 3),
        "ponder_index_tokens_per_s": round(tokens / statistics.median(ponder_times)),
        "ponder_encoder_only_tokens_per_s": round(tokens / statistics.median(encoder_times)),
        "st_encode_tokens_per_s": round(tokens / statistics.median(st_times)),
        "ponder_index_peak_rss_mb": round(peak_mb),
    }
    print(json.dumps(report, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
