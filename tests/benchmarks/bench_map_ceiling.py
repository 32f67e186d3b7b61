"""How far any grouping of a library's documents could agree with written-down subjects.

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_map_ceiling.py DATA_DIR --subjects tests/data/sample_subjects.tsv

For each way of describing a document (the map's vector, `core.map.atlas.document_profiles`; its
opening passage; the whole text embedded at once by the library's model; TF-IDF of its words),
with the true number of subjects given: the share of documents whose nearest document is on their
subject, and the adjusted Rand index of k-means (five seeds: mean and best) against the subjects.
What no clusterer choosing its own count can beat by much. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # this checkout's core, not an installed one

from core.library import Library  # noqa: E402
from core.map.atlas import document_profiles  # noqa: E402
from core.records import Status  # noqa: E402

SEEDS = 5


def main() -> int:
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import adjusted_rand_score

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--subjects", type=Path, required=True, help="TSV: file name, subject")
    args = parser.parse_args()
    rows = [line.split("\t") for line in args.subjects.read_text().splitlines()[1:] if line]
    named = dict(rows)
    library = Library(args.data_dir)
    store = library.catalog.store
    documents = [d for d in store.documents() if d.status == Status.INDEXED]
    truth = np.array([named[Path(d.path).name] for d in documents])
    count = len(set(truth))
    ids = [d.id for d in documents]
    profiles, _ = document_profiles(library.catalog, documents)
    heads = store.head_vectors(ids, library.catalog.dimension)
    texts = store.texts(ids)
    whole = [texts[i] for i in ids]
    described = {
        "map_vector": profiles,
        "opening_passage": np.stack([heads[i] for i in ids]),
        "whole_text_embedded": library.encoder.encode(whole),
        "tfidf": TfidfVectorizer(stop_words="english", sublinear_tf=True)
        .fit_transform(whole)
        .toarray(),
    }
    report: dict = {"documents": len(documents), "subjects": count}
    for name, x in described.items():
        x = np.asarray(x, np.float64)
        x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        near = x @ x.T
        np.fill_diagonal(near, -np.inf)
        scores = [
            adjusted_rand_score(truth, KMeans(count, n_init=10, random_state=s).fit_predict(x))
            for s in range(SEEDS)
        ]
        report[name] = {
            "nearest_on_subject": round(float(np.mean(truth[near.argmax(1)] == truth)), 3),
            "kmeans_true_count_ari_mean": round(float(np.mean(scores)), 3),
            "kmeans_true_count_ari_best": round(float(np.max(scores)), 3),
        }
        print(json.dumps({name: report[name]}), flush=True)
    library.close()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
