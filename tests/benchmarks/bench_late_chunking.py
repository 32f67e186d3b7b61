"""Late chunking against separate sentence passes: ranking quality and encoder time, measured.

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_late_chunking.py [--set manpages|python-faq] [--queries 400]
                                                   [--documents 550]

Ponder embeds every sentence alone, plus each document's opening passage. Late chunking runs the
transformer once over each passage (sentences packed up to the model's window, one sentence shared
by neighbours, as `core.model.passages.pack` does) and pools each sentence's vector from its own
tokens there, so every token is embedded once and each sentence's vector sees its neighbours.

The documents are a seeded sample: the relevant files of `--queries` queries plus other files up
to `--documents`, split by Ponder's own sentence splitter. Both variants score a document as
search does without keywords (half the opening passage's cosine, half the best sentence's); the
script prints semantic file-level MRR@10 for each, the best sentence alone for each, and the
encoder seconds of each variant's sentence vectors (the opening passages are the same work in
both, and come free in the late variant's first window).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT.parent / "shared" / "eval"
sys.path.insert(0, str(ROOT))

from core.ingest import chunking  # noqa: E402
from core.ingest.tokenise import CHARS_PER_TOKEN  # noqa: E402
from core.model import passages  # noqa: E402
from core.model.encoder import Encoder  # noqa: E402

TOKEN_BUDGET = 4096  # padded tokens per batch, as the encoder fills its own


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="manpages", help="a notes set under ../shared/eval")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--documents", type=int, default=550)
    args = parser.parse_args()
    notes = EVAL / args.set / "notes"
    if not notes.is_dir():
        print(f"no {notes}: the shared evaluation data is needed")
        return 1

    pairs, texts = sample(notes, args.queries, args.documents)
    encoder = Encoder()
    budget = encoder.spec.max_seq_length - 2
    sentences = {
        name: [
            s.text
            for s in chunking.split_sentences(
                text, max_chars=encoder.spec.max_seq_length * CHARS_PER_TOKEN
            )
        ]
        for name, text in texts.items()
    }
    sentences = {name: found for name, found in sentences.items() if found}
    print(f"{len(sentences)} documents, {sum(map(len, sentences.values()))} sentences")

    started = time.perf_counter()
    alone = split(encoder.encode([s for found in sentences.values() for s in found]), sentences)
    alone_s = time.perf_counter() - started
    tokens = {n: [t[1:-1][:budget] for t in encoder.tokenize(f)] for n, f in sentences.items()}
    heads = {}
    for name, found in sentences.items():
        first = passages.opening([len(t) for t in tokens[name]], budget)
        heads[name] = encoder.encode([" ".join(found[first.first : first.last + 1])])[0]
    started = time.perf_counter()
    late = late_vectors(encoder, tokens)
    late_s = time.perf_counter() - started

    queries = encoder.encode([q for q, _ in pairs])
    names = list(sentences)
    opening = np.stack([heads[n] for n in names])
    for label, vectors in (("alone", alone), ("late", late)):
        both = mrr(pairs, queries, names, opening, vectors, 0.5)
        best = mrr(pairs, queries, names, opening, vectors, 0.0)
        print(f"{label:5s}  MRR@10 {both:.4f}  (best sentence only {best:.4f})")
    print(f"opening passage only  MRR@10 {mrr(pairs, queries, names, opening, alone, 1.0):.4f}")
    print(f"encoder seconds for the sentence vectors: alone {alone_s:.1f}, late {late_s:.1f}")
    return 0


def sample(notes: Path, queries: int, documents: int) -> tuple[list[tuple[str, str]], dict]:
    with (notes / "queries.tsv").open(newline="") as handle:
        pairs = [tuple(r) for r in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)][1:]
    rng = random.Random(0)
    rng.shuffle(pairs)
    pairs = pairs[:queries]
    files = sorted(p.name for p in (notes / "files").iterdir())
    chosen = list(dict.fromkeys(f for _, f in pairs))
    rest = [f for f in files if f not in set(chosen)]
    rng.shuffle(rest)
    chosen += rest[: max(0, documents - len(chosen))]
    return pairs, {f: (notes / "files" / f).read_text(errors="replace") for f in chosen}


def split(vectors: np.ndarray, sentences: dict[str, list[str]]) -> dict[str, np.ndarray]:
    out, at = {}, 0
    for name, found in sentences.items():
        out[name] = vectors[at : at + len(found)]
        at += len(found)
    return out


def late_vectors(encoder: Encoder, tokens: dict[str, list[list[int]]]) -> dict[str, np.ndarray]:
    """Each sentence's mean token state inside its passage (a sentence in two passages: the
    mean of both), unit length."""
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(encoder.spec.path)).eval()
    cls_id, *_, sep_id = encoder.tokenize(["a"])[0]  # the special tokens around a text
    budget = encoder.spec.max_seq_length - 2
    windows = []  # (document, token ids, [(sentence, first token, end token)])
    for name, found in tokens.items():
        for window in passages.pack([len(t) for t in found], budget):
            ids, spans = [cls_id], []
            for s in range(window.first, window.last + 1):
                spans.append((s, len(ids), len(ids) + len(found[s])))
                ids += found[s]
            windows.append((name, ids + [sep_id], spans))
    sums = {n: np.zeros((len(f), encoder.dimension), np.float32) for n, f in tokens.items()}
    order = sorted(range(len(windows)), key=lambda i: -len(windows[i][1]))
    with torch.inference_mode():
        begin = 0
        while begin < len(order):
            width = len(windows[order[begin]][1])
            batch = [windows[i] for i in order[begin : begin + max(1, TOKEN_BUDGET // width)]]
            begin += len(batch)
            ids = torch.zeros((len(batch), width), dtype=torch.long)
            mask = torch.zeros_like(ids)
            for row, (_, seq, _) in enumerate(batch):
                ids[row, : len(seq)] = torch.tensor(seq)
                mask[row, : len(seq)] = 1
            states = model(input_ids=ids, attention_mask=mask).last_hidden_state.numpy()
            for row, (name, _, spans) in enumerate(batch):
                for s, first, end in spans:
                    if end > first:
                        v = states[row, first:end].mean(0)
                        sums[name][s] += v / np.linalg.norm(v)
    return {
        n: v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9) for n, v in sums.items()
    }


def mrr(pairs, queries, names, opening, sentences, head_weight: float) -> float:
    total = 0.0
    for (_, wanted), q in zip(pairs, queries, strict=True):
        best = np.array([(sentences[n] @ q).max() for n in names])
        scores = head_weight * (opening @ q) + (1 - head_weight) * best
        for rank, j in enumerate(np.argsort(-scores, kind="stable")[:10]):
            if names[j] == wanted:
                total += 1 / (rank + 1)
                break
    return total / len(pairs)


if __name__ == "__main__":
    raise SystemExit(main())
