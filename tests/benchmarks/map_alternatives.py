"""Other ways of grouping a map's documents, scored by `bench_map.py --alternatives`.

Not a test (pytest does not collect it). Each function takes the library's unit document vectors
(n, d) (and where named, the map's positions or each document's topic text) and returns each
document's group (n,), -1 for none; none of them looks at a reference. Every count or cut below
is set by a criterion of the data (silhouette, modularity, the eigengap, a majority of runs), or
is a plain neighbourhood size reported beside its figure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import networkx as nx
import numpy as np


def knn_graph(similarity: np.ndarray, k: int, mutual: bool) -> nx.Graph:
    """Each document joined to its `k` most similar (both ways when `mutual`), weighted by
    the similarity (at least a tiny positive weight)."""
    n = len(similarity)
    masked = similarity.copy()
    np.fill_diagonal(masked, -np.inf)
    nearest = np.argsort(-masked, axis=1)[:, :k]
    linked = np.zeros((n, n), bool)
    linked[np.arange(n)[:, None], nearest] = True
    linked = (linked & linked.T) if mutual else (linked | linked.T)
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    for i, j in zip(*np.nonzero(np.triu(linked, 1)), strict=True):
        graph.add_edge(int(i), int(j), weight=max(float(similarity[i, j]), 1e-6))
    return graph


def louvain(similarity: np.ndarray, k: int, mutual: bool, seed: int = 0) -> np.ndarray:
    """Communities of the kNN graph by Louvain at resolution 1 (plain modularity)."""
    graph = knn_graph(similarity, k, mutual)
    found = nx.community.louvain_communities(graph, weight="weight", resolution=1.0, seed=seed)
    groups = np.full(len(similarity), -1)
    for number, members in enumerate(found):
        groups[list(members)] = number if len(members) > 1 else -1
    return groups


def spectral_eigengap(similarity: np.ndarray, k: int, most: int) -> np.ndarray:
    """Spectral clustering of the kNN graph (normalised Laplacian), the count of groups where
    the gap between consecutive eigenvalues is widest, k-means on the row-normalised
    eigenvectors."""
    from sklearn.cluster import KMeans

    n = len(similarity)
    masked = similarity.copy()
    np.fill_diagonal(masked, -np.inf)
    nearest = np.argsort(-masked, axis=1)[:, :k]
    rows = np.arange(n)[:, None]
    adjacency = np.zeros((n, n))
    adjacency[rows, nearest] = np.maximum(similarity[rows, nearest], 0)
    adjacency = np.maximum(adjacency, adjacency.T)
    scale = 1 / np.sqrt(np.maximum(adjacency.sum(1), 1e-12))
    laplacian = np.eye(n) - scale[:, None] * adjacency * scale[None, :]
    values, vectors = np.linalg.eigh(laplacian)
    count = int(np.argmax(np.diff(values[: most + 1])[1:]) + 2)  # two groups at least
    embedded = vectors[:, :count]
    embedded /= np.maximum(np.linalg.norm(embedded, axis=1, keepdims=True), 1e-12)
    return KMeans(count, n_init=10, random_state=0).fit_predict(embedded)


def consensus(points: list[np.ndarray], most: int, runs: int = 10) -> np.ndarray:
    """Consensus clustering: k-means for every count from two to `most` and `runs` seeds on
    each of `points`; two documents share a group when they were together in most runs
    (average linkage on the co-association, cut at one half)."""
    from sklearn.cluster import AgglomerativeClustering, KMeans

    n = len(points[0])
    together = np.zeros((n, n))
    total = 0
    for x in points:
        for k in range(2, most + 1):
            for seed in range(runs):
                a = KMeans(k, n_init=1, random_state=seed).fit_predict(x)
                together += a[:, None] == a[None, :]
                total += 1
    distance = 1 - together / total
    np.fill_diagonal(distance, 0)
    return AgglomerativeClustering(
        None, metric="precomputed", linkage="average", distance_threshold=0.5
    ).fit_predict(distance)


def tfidf_similarity(texts: list[str]) -> np.ndarray:
    """Cosine of TF-IDF vectors of the words a topic is named from (no stop or filler words),
    words in one document only left out."""
    from core.map.topics import _words

    counted = [Counter(_words(t)) for t in texts]
    df = Counter(w for c in counted for w in c)
    vocabulary = {w: i for i, w in enumerate(sorted(w for w, d in df.items() if d >= 2))}
    x = np.zeros((len(texts), len(vocabulary)), np.float32)
    for row, c in enumerate(counted):
        for w, count in c.items():
            if w in vocabulary:
                x[row, vocabulary[w]] = (1 + np.log(count)) * np.log(len(texts) / df[w])
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    return x @ x.T


def best_by_silhouette(vectors: np.ndarray, fit: Callable[[int], np.ndarray], most: int):
    """The grouping, over counts two to `most`, with the best cosine silhouette."""
    from sklearn.metrics import silhouette_score

    found = [
        (silhouette_score(vectors, a, metric="cosine"), a) for a in map(fit, range(2, most + 1))
    ]
    return max(found, key=lambda f: f[0])[1]


def graph_alternatives(
    vectors: np.ndarray, xy: np.ndarray, texts: list[str], most: int
) -> dict[str, np.ndarray]:
    """The groupings from graphs, consensus and centred vectors, by name."""
    from sklearn.cluster import KMeans

    cosine = vectors @ vectors.T
    blended = 0.5 * cosine + 0.5 * tfidf_similarity(texts)
    centred = vectors - vectors.mean(axis=0)
    centred /= np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-12)
    out = {}
    for k in (3, 5, 10):
        out[f"louvain_knn{k}_vectors"] = louvain(cosine, k, mutual=False)
        out[f"louvain_mutual_knn{k}_vectors"] = louvain(cosine, k, mutual=True)
    for k in (5, 10):
        out[f"louvain_knn{k}_vectors_tfidf_blend"] = louvain(blended, k, mutual=False)
        out[f"spectral_eigengap_knn{k}_vectors"] = spectral_eigengap(cosine, k, most)
    out["consensus_kmeans_vectors"] = consensus([vectors], most)
    out["consensus_kmeans_map_and_vectors"] = consensus([xy, vectors], most)
    out["kmeans_centred_vectors_seed0"] = best_by_silhouette(
        centred, lambda k: KMeans(k, n_init=10, random_state=0).fit_predict(centred), most
    )
    return out
