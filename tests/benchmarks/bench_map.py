"""The library map: how well each projection keeps neighbours, and what a map costs.

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_map.py DATA_DIR [DATA_DIR ...] [--methods pca,tsne,umap]
        [--subjects tests/data/sample_subjects.tsv | --sections] [--alternatives] [--layouts N]

For each library (a data folder indexed by `ponder index`), the document vectors the map uses
(`core.map.atlas.document_profiles`) are projected by each method, and scored on up to 3,000 of
them: trustworthiness@10 (scikit-learn; 1 = no false neighbours in 2-D) and the share of each
document's 10 nearest neighbours (cosine) that stay among its 10 nearest on the map. `umap` is
measured only where umap-learn is importable (Ponder does not depend on it). Then the map as the
window gets it (`Library.library_map`): from scratch, and again from the cached layout (the
path a small change takes: positions reused, topics redone). With a reference, the map's groups
are compared with it: `--subjects` names each file's subject (a TSV of file name and subject,
e.g. the sample library's), `--sections` takes a man page's section from its file name
(`wait.2.txt`: 2); reported are the adjusted Rand index and adjusted mutual information (a
document in no group counts as a group of its own). With `--alternatives` (and a reference),
other ways of grouping the same documents are scored alike: HDBSCAN on the map's positions, and
on the full document vectors k-means (three seeds), agglomerative clustering (Ward, average on
cosine), each over the count of groups with the best cosine silhouette, and HDBSCAN; then
(`map_alternatives.py`) communities of the nearest-neighbour graph (Louvain, plain modularity;
each document's k nearest, or only mutual ones; cosine, or cosine blended half and half with the
TF-IDF cosine of the words topics are named from), spectral clustering with the eigengap's count,
consensus k-means (every count and ten seeds, together in most runs) on the vectors and on the
map's positions with them, and k-means on the vectors less their mean. With `--layouts N` (and a
reference), the map's grouping on N t-SNE layouts (the documents in N orders), its count of groups
chosen by the Davies-Bouldin index (the map's) and by the mean silhouette (before). The last line
is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # this checkout's core, not an installed one

from core.library import Library  # noqa: E402
from core.map.atlas import CACHE_NAME, LibraryMap, build_map, document_profiles  # noqa: E402
from core.map.projection import project  # noqa: E402
from core.records import Status  # noqa: E402
from tests.benchmarks.map_alternatives import graph_alternatives  # noqa: E402
from tests.support_map import layout  # noqa: E402

SCORED = 3000
SECTION = re.compile(r"\.(\d)[a-z]*\.txt$")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dirs", type=Path, nargs="+")
    parser.add_argument("--methods", default="pca,tsne,umap")
    reference = parser.add_mutually_exclusive_group()
    reference.add_argument("--subjects", type=Path, help="TSV: file name, subject")
    reference.add_argument("--sections", action="store_true", help="man page sections")
    parser.add_argument("--alternatives", action="store_true", help="other clusterers too")
    parser.add_argument(
        "--layouts", type=int, default=0, help="groups over this many t-SNE seeds, two criteria"
    )
    parser.add_argument(
        "--perturb",
        type=float,
        default=0.0,
        help="with --layouts: each layout's vectors moved by this much noise (another CPU)",
    )
    args = parser.parse_args()
    report = []
    for data in args.data_dirs:
        library = Library(data)
        documents = [d for d in library.catalog.store.documents() if d.status == Status.INDEXED]
        started = time.perf_counter()
        vectors, texts = document_profiles(library.catalog, documents)
        entry: dict = {
            "library": str(data),
            "documents": len(documents),
            "profile_seconds": round(time.perf_counter() - started, 2),
        }
        for method in args.methods.split(","):
            measured = _method(method, vectors)
            if measured is not None:
                entry[method] = measured
                print(json.dumps({"library": data.name, method: measured}), flush=True)
        full, timings = _full_map(library)
        entry.update(timings)
        if args.subjects or args.sections:
            entry["groups_against_reference"] = _agreement(full, args.subjects)
            if args.layouts:
                entry["layouts"] = _layouts(
                    documents, vectors, args.subjects, args.layouts, args.perturb
                )
            if args.alternatives:
                entry["alternatives"] = _alternatives(
                    full, documents, vectors, texts, args.subjects
                )
        library.close()
        print(json.dumps(entry), flush=True)
        report.append(entry)
    print(json.dumps({"libraries": report}))
    return 0


def _method(method: str, vectors: np.ndarray) -> dict | None:
    started = time.perf_counter()
    if method == "pca":
        from sklearn.decomposition import PCA

        xy = PCA(2).fit_transform(vectors)
    elif method == "tsne":
        xy, _ = project(vectors)  # what Ponder uses
    elif method == "umap":
        try:
            import umap
        except ImportError:
            return None
        xy = umap.UMAP(n_components=2, metric="cosine", random_state=0).fit_transform(vectors)
    else:
        raise SystemExit(f"unknown method {method}")
    seconds = time.perf_counter() - started
    from sklearn.manifold import trustworthiness

    rng = np.random.default_rng(0)
    chosen = np.sort(rng.choice(len(vectors), min(SCORED, len(vectors)), replace=False))
    x, y = vectors[chosen], np.asarray(xy)[chosen]
    return {
        "seconds": round(seconds, 2),
        "trustworthiness_at_10": round(float(trustworthiness(x, y, n_neighbors=10)), 4),
        "neighbours_kept_at_10": round(_kept(x, y), 4),
    }


def _kept(x: np.ndarray, y: np.ndarray, k: int = 10) -> float:
    near = x @ x.T
    np.fill_diagonal(near, -np.inf)
    flat = -((y[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(flat, -np.inf)
    a = np.argsort(-near, axis=1)[:, :k]
    b = np.argsort(-flat, axis=1)[:, :k]
    return float(np.mean([len(set(a[i]) & set(b[i])) / k for i in range(len(x))]))


def _layouts(
    documents: list, vectors: np.ndarray, subjects: Path | None, seeds: int, perturb: float
) -> dict:
    """The groups against the reference on `seeds` t-SNE layouts: t-SNE starts from PCA, so a
    layout changes with the order of its points, not its seed; layout 0 is the map's own order,
    the others the documents shuffled, and with `perturb` each layout's vectors moved by that
    much Gaussian noise first (renormalised). k-means over the counts as the map runs it, the
    count chosen by the map's Davies-Bouldin index (`choose_groups`) and by the mean silhouette
    (scikit-learn's, what the map used before 2026-12-06). Summed up: the range of counts and
    ARI over all layouts, and of the median count and mean ARI of each five in a row (what
    `test_the_sample_librarys_map_groups_its_notes_by_subject` asserts)."""
    from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score, silhouette_score

    from core.map.topics import MAX_GROUPS, MEAN_SIZE, _kmeans, choose_groups

    truth = _reference([d.path for d in documents], subjects)
    rows: dict[str, list] = {"davies_bouldin": [], "silhouette": []}
    for seed in range(seeds):
        moved = vectors
        if perturb:
            noise = np.random.default_rng(seed).normal(0, perturb, vectors.shape)
            moved = vectors + noise.astype(np.float32)
            moved /= np.linalg.norm(moved, axis=1, keepdims=True)
        xy = layout(moved, seed % 5 if perturb else seed)
        most = min(MAX_GROUPS, len(xy) // MEAN_SIZE)
        tried = [_kmeans(xy, k, 0) for k in range(2, most + 1)]
        by_silhouette = max(tried, key=lambda a: silhouette_score(xy, a))
        for name, groups in (("davies_bouldin", choose_groups(xy)), ("silhouette", by_silhouette)):
            rows[name].append(
                {
                    "groups": int(groups.max()) + 1,
                    "adjusted_rand": round(adjusted_rand_score(truth, groups), 4),
                    "adjusted_mutual_information": round(
                        adjusted_mutual_info_score(truth, groups), 4
                    ),
                }
            )
    for name, found in list(rows.items()):
        counts = [r["groups"] for r in found]
        agreement = [r["adjusted_rand"] for r in found]
        fives = range(0, len(found) - 4, 5)
        rows[name + "_summary"] = {
            "groups": [min(counts), max(counts)],
            "adjusted_rand": [min(agreement), max(agreement), round(float(np.mean(agreement)), 4)],
            "median_groups_of_five": _span([np.median(counts[i : i + 5]) for i in fives]),
            "mean_adjusted_rand_of_five": _span([np.mean(agreement[i : i + 5]) for i in fives]),
        }
    return rows


def _span(values: list) -> list:
    return [round(float(min(values)), 4), round(float(max(values)), 4)] if values else []


def _reference(paths: list[str], subjects: Path | None) -> list[str]:
    """Each path's subject (from the TSV) or, without one, its man page section."""
    if subjects is not None:
        rows = [line.split("\t") for line in subjects.read_text().splitlines()[1:] if line]
        named = {name: subject for name, subject in rows}
        return [named[Path(p).name] for p in paths]
    return [SECTION.search(p).group(1) for p in paths]


def _scores(reference: list[str], groups: list[int]) -> dict:
    from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score

    return {
        "adjusted_rand": round(float(adjusted_rand_score(reference, groups)), 4),
        "adjusted_mutual_information": round(
            float(adjusted_mutual_info_score(reference, groups)), 4
        ),
    }


def _agreement(full: LibraryMap, subjects: Path | None) -> dict:
    """The map's groups against the reference."""
    reference = _reference([p.path for p in full.points], subjects)
    groups = [p.topic if p.topic >= 0 else -1 - i for i, p in enumerate(full.points)]
    return {
        "groups": len(full.topics),
        "in_no_group": sum(p.topic < 0 for p in full.points),
        **_scores(reference, groups),
    }


def _alternatives(
    full: LibraryMap,
    documents: list,
    vectors: np.ndarray,
    texts: list[str],
    subjects: Path | None,
) -> dict:
    """Other clusterers against the same reference (see the module's docstring); noise points
    (HDBSCAN's -1) count as groups of their own."""
    from sklearn.cluster import HDBSCAN, AgglomerativeClustering, KMeans
    from sklearn.metrics import silhouette_score

    where = {p.document_id: (p.x, p.y) for p in full.points}
    xy = np.array([where[d.id] for d in documents], np.float32)
    reference = _reference([p.path for p in full.points], subjects)
    order = {p.document_id: i for i, p in enumerate(full.points)}
    reference = [reference[order[d.id]] for d in documents]
    most = min(30, len(documents) // 3)

    def best(fit) -> np.ndarray:
        found = [
            (silhouette_score(vectors, a, metric="cosine"), a) for a in map(fit, range(2, most + 1))
        ]
        return max(found, key=lambda f: f[0])[1]

    def scored(groups: np.ndarray) -> dict:
        groups = np.where(groups < 0, -1 - np.arange(len(groups)), groups)
        return {"groups": len(set(groups.tolist())), **_scores(reference, groups.tolist())}

    out = {"hdbscan_map_positions": scored(HDBSCAN(min_cluster_size=2, copy=True).fit_predict(xy))}
    for seed in range(3):
        out[f"kmeans_vectors_seed{seed}"] = scored(
            best(lambda k, s=seed: KMeans(k, n_init=10, random_state=s).fit_predict(vectors))
        )
    for linkage, metric in (("ward", "euclidean"), ("average", "cosine")):
        out[f"agglomerative_{linkage}_vectors"] = scored(
            best(
                lambda k, li=linkage, m=metric: AgglomerativeClustering(
                    k, metric=m, linkage=li
                ).fit_predict(vectors)
            )
        )
    for size in (2, 5):
        out[f"hdbscan_vectors_min{size}"] = scored(
            HDBSCAN(min_cluster_size=size, copy=True).fit_predict(vectors)
        )
    for name, groups in graph_alternatives(vectors, xy, texts, most).items():
        out[name] = scored(groups)
    return out


def _full_map(library: Library) -> tuple[LibraryMap, dict]:
    """The window's path: from scratch, then from the cached layout (topics named with the
    library's query engine, as `Library.library_map` names them)."""
    (library.data_dir / CACHE_NAME).unlink(missing_ok=True)
    words = library.queries.load()
    embed = words.encode if words else None
    started = time.perf_counter()
    full = build_map(library.catalog, embed=embed)
    fresh = time.perf_counter() - started
    started = time.perf_counter()
    again = build_map(library.catalog, embed=embed)
    extended = time.perf_counter() - started
    return full, {
        "map_seconds": round(fresh, 2),
        "map_extended_seconds": round(extended, 2),
        "extended_refitted": again.refitted,
        "topics": [t.label for t in full.topics],
    }


if __name__ == "__main__":
    raise SystemExit(main())
