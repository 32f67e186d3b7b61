"""Related notes quality: does Ponder's document similarity agree with the man pages' own links?

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_related.py [--data-dir D]

The reference is the man pages' SEE ALSO sections (`../shared/eval/manpages/corpus.jsonl`): two
pages are related when either names the other there. Nobody here wrote those links. The library is
the man pages folder indexed as a user would (`--data-dir` reuses one, else it is built in a
temporary folder). Compared, from the same stored vectors:

- `head`: cosine of the opening passages, i.e. each page embedded as one mean-pooled text (the
  model's window, 256 tokens): the plain whole-document baseline;
- `centroid`: cosine of the mean of each page's sentence vectors, each weighed by how rare it is
  across the pages (`core.search.boilerplate`);
- `ponder`: what `core.search.related` ranks by (`core.search.profiles.similarity`: both blended).

Reported: ROC AUC of linked pairs against every other pair (the rank correlation of the
similarity with the binary reference), and, per page with links, MRR@10 and recall@10 of its
linked pages among all others. `related_agreement` is the share of `core.search.related`'s top 10
(its candidates come from the vector indexes) that the exhaustive `ponder` ranking also puts in its
top 10.

Second reference, human judgements: the STS-B test pairs. Every distinct sentence is written as a
file and indexed; the Spearman correlation (x 100) of each similarity above with the human score
of each pair. A one-sentence document's opening passage is the sentence itself, so there the
three agree closely by construction; the figure shows the document similarity keeps the encoder's
quality. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT.parent / "shared" / "eval" / "manpages"
STSB = ROOT.parent / "shared" / "eval" / "sts" / "stsb-test.tsv"
sys.path.insert(0, str(ROOT))  # this checkout's core, not an installed one

from core.evaluate import load_sts, spearman  # noqa: E402
from core.library import Library  # noqa: E402
from core.search.boilerplate import sentence_counts  # noqa: E402
from core.search.profiles import profile, profiles_of, similarities, similarity  # noqa: E402
from core.search.related import related  # noqa: E402

REFERENCE = re.compile(r"([A-Za-z0-9_.:+-]+)\s?\((\d)[a-z]*\)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--sample", type=int, default=200, help="pages asked through related()")
    args = parser.parse_args()
    links = _links()
    with tempfile.TemporaryDirectory(prefix="ponder-related-") as tmp:
        data = args.data_dir or Path(tmp)
        library = Library(data)
        if args.data_dir is None or library.counts().indexed == 0:
            library.index([EVAL / "notes" / "files"])
        report = _measure(library, links, args.sample)
        library.close()
        report["sts_b_spearman"] = _sts(Path(tmp) / "sts")
    print(json.dumps(report))
    return 0


def _links() -> dict[str, set[str]]:
    """Page id -> the pages of the corpus it names under SEE ALSO, symmetrised."""
    rows = [json.loads(line) for line in open(EVAL / "corpus.jsonl", encoding="utf-8")]
    ids = {r["_id"] for r in rows}
    links: dict[str, set[str]] = {i: set() for i in ids}
    for row in rows:
        at = row["text"].find("SEE ALSO")
        if at < 0:
            continue
        named = {f"{a}.{b}" for a, b in REFERENCE.findall(row["text"][at : at + 2000])}
        for other in named & ids - {row["_id"]}:
            links[row["_id"]].add(other)
            links[other].add(row["_id"])
    return links


def _measure(library: Library, links: dict[str, set[str]], sample: int) -> dict:
    store, dim = library.catalog.store, library.dimension
    docs = [d for d in store.documents() if d.status == "indexed"]
    page = {d.id: Path(d.path).name.removesuffix(".txt") for d in docs}
    ids = [d.id for d in docs]
    profiles = profiles_of(store, ids, dim, sentence_counts(library.catalog))
    ids = [i for i in ids if i in profiles and profiles[i].head is not None]
    head = np.stack([profiles[i].head for i in ids])
    centroid = np.stack([profiles[i].centroid for i in ids])
    names = [page[i] for i in ids]
    at = {n: k for k, n in enumerate(names)}
    truth = np.zeros((len(ids), len(ids)), dtype=bool)
    for n, others in links.items():
        for o in others:
            if n in at and o in at:
                truth[at[n], at[o]] = True
    sims = {"head": head @ head.T, "centroid": centroid @ centroid.T}
    sims["ponder"] = similarities([profiles[i] for i in ids])
    report: dict = {"pages": len(ids), "linked_pairs": int(truth.sum() // 2)}
    for name, sim in sims.items():
        report[name] = _scores(sim, truth)
    report["related_agreement"] = _agreement(library, ids, sims["ponder"], sample)
    return report


def _sts(folder: Path) -> dict:
    first, second, gold = load_sts(STSB)
    files = folder / "files"
    files.mkdir(parents=True)
    name: dict[str, str] = {}
    for sentence in dict.fromkeys(first + second):
        name[sentence] = f"s{len(name):05d}"
        (files / f"{name[sentence]}.txt").write_text(sentence + "\n", encoding="utf-8")
    library = Library(folder / "data")
    library.index([files])
    store, dim = library.catalog.store, library.dimension
    docs = {Path(d.path).stem: d.id for d in store.documents() if d.status == "indexed"}
    ids = list(docs.values())
    heads, vectors = store.head_vectors(ids, dim), store.sentence_vectors(ids, dim)
    library.close()

    def of(sentence: str):
        doc = docs[name[sentence]]
        return profile(heads[doc], vectors[doc], np.ones(len(vectors[doc])))

    pairs = [(of(a), of(b)) for a, b in zip(first, second, strict=True)]
    head = np.array([a.head @ b.head for a, b in pairs])
    centroid = np.array([a.centroid @ b.centroid for a, b in pairs])
    sims = {"head": head, "centroid": centroid}
    sims["ponder"] = np.array([similarity(a, b) for a, b in pairs])
    return {k: round(100 * spearman(v, gold), 2) for k, v in sims.items()}


def _scores(sim: np.ndarray, truth: np.ndarray) -> dict:
    upper = np.triu_indices(len(sim), 1)
    values, labels = sim[upper], truth[upper]
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    positives = labels.sum()
    auc = (ranks[labels].sum() - positives * (positives + 1) / 2) / (
        positives * (len(values) - positives)
    )
    rr, recall = [], []
    for row in range(len(sim)):
        if not truth[row].any():
            continue
        scores = sim[row].copy()
        scores[row] = -np.inf
        top = np.argsort(-scores)[:10]
        hits = truth[row][top]
        rr.append(1 / (int(np.argmax(hits)) + 1) if hits.any() else 0.0)
        recall.append(hits.sum() / truth[row].sum())
    return {
        "auc": round(float(auc), 4),
        "mrr_at_10": round(float(np.mean(rr)), 4),
        "recall_at_10": round(float(np.mean(recall)), 4),
    }


def _agreement(library: Library, ids: list[int], sim: np.ndarray, sample: int) -> float:
    rng = np.random.default_rng(7)
    chosen = rng.choice(len(ids), size=min(sample, len(ids)), replace=False)
    shares = []
    for row in chosen:
        scores = sim[row].copy()
        scores[row] = -np.inf
        want = {ids[i] for i in np.argsort(-scores)[:10]}
        got = {h.document_id for h in related(library.catalog, ids[row], 10)}
        shares.append(len(want & got) / 10)
    return round(float(np.mean(shares)), 4)


if __name__ == "__main__":
    raise SystemExit(main())
