"""Topics of a map: clusters of nearby documents, each named by its most characteristic words.

Clusters are found on the map's own positions (k-means, by faiss), so a label always sits on a
group the user can see. A cluster's words are scored by class-based TF-IDF (BERTopic's
c-TF-IDF): how often a word occurs in the cluster's text, weighted by how rare it is across
clusters, so words every document uses ("the", "file", "use") name nothing.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from core.stopwords import ENGLISH_STOP_WORDS

WORDS_PER_LABEL = 3
MIN_CLUSTER = 3  # documents; smaller groups get no label
_WORD = re.compile(r"[^\W\d_][\w'-]{2,}")


@dataclass(frozen=True)
class Cluster:
    label: str
    members: list[int]  # indexes into the positions given


def cluster_count(documents: int) -> int:
    """About one topic per few dozen documents, between 1 and 20: readable at any size."""
    return max(1, min(20, round(math.sqrt(documents / 3))))


def find_topics(xy: np.ndarray, texts: list[str], seed: int = 0) -> list[Cluster]:
    """Group the points `xy` (n, 2) and name each group from `texts` (one per point)."""
    n = len(xy)
    if n < MIN_CLUSTER:
        return []
    k = cluster_count(n)
    if k == 1:
        assignment = np.zeros(n, np.int64)
    else:
        assignment = _kmeans(xy, k, seed)
    groups = [np.flatnonzero(assignment == c).tolist() for c in range(k)]
    counts = [Counter(w for i in g for w in _words(texts[i])) for g in groups]
    labels = _ctfidf_labels(counts)
    return [
        Cluster(label, members)
        for label, members in zip(labels, groups, strict=True)
        if len(members) >= MIN_CLUSTER and label
    ]


def _kmeans(xy: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Each point's cluster (n,): Lloyd's k-means, best of three starts, by faiss (loaded
    already, and it lets go of the GIL while it works; scikit-learn's first import held it for
    over 100 ms, which the window's event loop felt). Every point trains: no sampling, and no
    warning printed for a small map."""
    import faiss

    points = np.ascontiguousarray(xy, dtype=np.float32)
    kmeans = faiss.Kmeans(
        points.shape[1],
        k,
        niter=25,
        nredo=3,
        seed=seed,
        min_points_per_centroid=1,
        max_points_per_centroid=len(points),
    )
    kmeans.train(points)
    _, nearest = kmeans.index.search(points, 1)
    return nearest[:, 0].astype(np.int64)


def _words(text: str) -> list[str]:
    return [
        w
        for w in (m.group().lower().strip("'-") for m in _WORD.finditer(text))
        if len(w) > 2 and w not in ENGLISH_STOP_WORDS
    ]


def _ctfidf_labels(counts: list[Counter]) -> list[str]:
    """tf(word, cluster) x log(1 + mean words per cluster / frequency of word overall)."""
    overall: Counter = Counter()
    for c in counts:
        overall.update(c)
    mean_words = sum(overall.values()) / max(1, len(counts))
    labels = []
    for c in counts:
        total = sum(c.values()) or 1
        scored = sorted(
            c,
            key=lambda w: (-(c[w] / total) * math.log(1 + mean_words / overall[w]), w),
        )
        labels.append(" · ".join(scored[:WORDS_PER_LABEL]))
    return labels
