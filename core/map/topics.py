"""Topics of a map: groups of nearby documents, as many as the data holds, each named by the
words that set it apart.

Groups are found on the map's own positions, so a label always sits on a group the user can see:
k-means for every count of groups from two to `MAX_GROUPS`, keeping the count whose groups are
best told apart by the Davies-Bouldin index (on a sample of a big map's points). The mean
silhouette, used before, is nearly flat over the count on a t-SNE map and chose 3 mixed groups
for the sample library's 11 subjects; over six t-SNE layouts of it (its notes in six orders),
the adjusted Rand index against the written subjects was 0.195-0.542 (mean 0.325) with it and
0.396-0.485 (mean 0.455) with this index, which needs no pairwise distances (docs/benchmarks.md).
The Calinski-Harabasz score did as well there but split clean blobs of eight points into pairs.
All of it is numpy in small steps: scikit-learn's first import held the GIL for over 100 ms,
which a window computing its map on a thread felt. Grouping the full document vectors instead
(k-means and agglomerative clustering over a silhouette, HDBSCAN, spectral clustering with the
eigengap's count, Louvain communities of the nearest-neighbour graph with or without a TF-IDF
blend, consensus k-means over seeds and counts) was measured against written-down subjects and
the man pages' sections (`tests/benchmarks/bench_map.py --alternatives`): none did better on
both by more than a change of seed moves k-means on the full vectors, whose groups differ with
every seed.

A group's words are scored by class-based TF-IDF (BERTopic's c-TF-IDF): how often a word occurs
in the group's text, weighted by how rare it is across groups, and by the share of the group's
documents that use it, so that one long note's words do not name a group of ten. Stop words,
filler words (`core.map.stopwords`) never name anything, the library's own boilerplate words
(common in most groups) only a group that nothing else names, and no two labels share more
than one word.
Where the library's query engine answers, a group's best words are then ordered by meaning
(`_by_meaning`), and a label holds one form of each word (`_one_form`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from core.map.stopwords import ENGLISH_STOP_WORDS, FILLER_WORDS

WORDS_PER_LABEL = 3
MIN_WORDS = 2  # a label has two words at least where the group's text has them
MAX_SHARED = 1  # words a label may share with another: more and the two read alike
MIN_CLUSTER = 2  # documents; a lone one is no group and gets no label
MEAN_SIZE = 3  # documents per group at least, on average: the most groups tried
MAX_GROUPS = 30  # a map shows at most this many labels: more would not be read
SAMPLE = 2000  # points on which the number of groups is chosen
COMMON_SHARE = 0.25  # a word in more of the documents of most groups names none
STARTS = 4  # k-means++ starts per count of groups: the best is kept
ITERATIONS = 30  # Lloyd steps at most
CANDIDATES = 10  # a group's best words by c-TF-IDF that meaning reorders
RELEVANCE = 0.7  # closeness to the group against unlikeness to the words chosen
_WORD = re.compile(r"[^\W\d_][\w'-]{2,}")
_IGNORED = ENGLISH_STOP_WORDS | FILLER_WORDS
Embed = Callable[[Sequence[str]], np.ndarray]  # texts -> unit vectors (the query engine's)


@dataclass(frozen=True)
class Cluster:
    label: str
    members: list[int]  # indexes into the positions given


def find_topics(
    xy: np.ndarray,
    texts: list[str],
    seed: int = 0,
    *,
    vectors: np.ndarray | None = None,
    embed: Embed | None = None,
) -> list[Cluster]:
    """Group the points `xy` (n, 2) and name each group from `texts` (one per point). With the
    points' unit `vectors` (n, d) and the library's `embed` (texts -> unit vectors), a group's
    best words by c-TF-IDF are ordered by closeness in meaning to the group (`_by_meaning`)."""
    n = len(xy)
    if n < MIN_CLUSTER:
        return []
    assignment = choose_groups(xy, seed)
    k = int(assignment.max()) + 1
    groups = [np.flatnonzero(assignment == c).tolist() for c in range(k)]
    words = [set(_words(t)) for t in texts]
    documents = [Counter(w for i in g for w in words[i]) for g in groups]
    sizes = [len(g) for g in groups]
    common = _common_words(documents, sizes)
    counts = [Counter(w for i in g for w in _words(texts[i])) for g in groups]
    ranked = _ranked(counts, documents, sizes, common)
    if vectors is not None and embed is not None:
        centres = np.stack([vectors[g].mean(axis=0) for g in groups])
        # a small group shares few words: its members' own best words are candidates too
        pool = [shared + rest[: max(0, CANDIDATES - len(shared))] for shared, rest, _ in ranked]
        ordered = _by_meaning(pool, centres, embed)
        ranked = [
            (words, [], common) for words, (_, _, common) in zip(ordered, ranked, strict=True)
        ]
    labels = _labels(ranked, sizes)
    return [
        Cluster(label, members)
        for label, members in zip(labels, groups, strict=True)
        if len(members) >= MIN_CLUSTER and label
    ]


def choose_groups(xy: np.ndarray, seed: int = 0) -> np.ndarray:
    """Each point's group (n,): the k-means grouping, over the counts tried, with the lowest
    Davies-Bouldin index; one group for too few points to tell. The count is chosen on a sample
    of at most `SAMPLE` points, and only the chosen one is fitted to them all: the cost stays
    bounded at any size."""
    n = len(xy)
    most = min(MAX_GROUPS, n // MEAN_SIZE)
    if most < 2:
        return np.zeros(n, np.int64)
    points = np.ascontiguousarray(xy, dtype=np.float32)
    rng = np.random.default_rng(seed)
    sample = points[np.sort(rng.choice(n, size=min(n, SAMPLE), replace=False))]
    best, best_score = 2, np.inf
    for k in range(2, most + 1):
        score = davies_bouldin(sample, _kmeans(sample, k, seed))
        if score < best_score:
            best, best_score = k, score
    return _kmeans(points, best, seed)


def davies_bouldin(points: np.ndarray, assignment: np.ndarray) -> float:
    """How far each group of `points` (n, d) is from being confused with its closest one (lower
    is better): the mean, over groups, of the worst (spread + other's spread) / distance between
    centres, a spread being the mean distance to the own centre (Davies and Bouldin, 1979; as
    scikit-learn computes it). Two groups that are halves of one score badly, so it does not
    split a subject the way a score that only rewards tight groups does."""
    k = int(assignment.max()) + 1
    data = points.astype(np.float64)
    sizes, centres = _means(data, assignment, k)
    spread = np.bincount(
        assignment, np.linalg.norm(data - centres[assignment], axis=1), k
    ) / np.maximum(sizes, 1)
    between = np.linalg.norm(centres[:, None] - centres[None], axis=2)
    if np.allclose(spread, 0) or np.allclose(between, 0):
        return 0.0
    between[between == 0] = np.inf
    return float(((spread[:, None] + spread[None, :]) / between).max(axis=1).mean())


def _kmeans(xy: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Each point's group (n,): Lloyd's k-means from k-means++ starts, the best of `STARTS`.
    In numpy: in two dimensions each step is small, so the GIL is never held for long."""
    rng = np.random.default_rng(seed)
    best, best_inertia = np.zeros(len(xy), np.int64), np.inf
    norms = (xy * xy).sum(1)
    for _ in range(STARTS):
        centres = _plus_plus(xy, k, rng)
        for _ in range(ITERATIONS):
            squared = norms[:, None] - 2 * xy @ centres.T + (centres * centres).sum(1)[None, :]
            assignment = squared.argmin(axis=1)
            sizes, means = _means(xy, assignment, k)
            moved = np.where(sizes[:, None] > 0, means, centres).astype(np.float32)
            if np.allclose(moved, centres):
                break
            centres = moved
        inertia = float(squared[np.arange(len(xy)), assignment].sum())
        if inertia < best_inertia:
            best, best_inertia = assignment, inertia
    _, dense = np.unique(best, return_inverse=True)  # no empty group numbers
    return dense.astype(np.int64)


def _means(points: np.ndarray, assignment: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each group's size (k,) and the mean of its points (k, d); 0 for an empty group."""
    sizes = np.bincount(assignment, minlength=k)
    sums = np.stack([np.bincount(assignment, points[:, d], k) for d in range(points.shape[1])], 1)
    return sizes, sums / np.maximum(sizes, 1)[:, None]


def _plus_plus(xy: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ starting centres: each next one drawn in proportion to the squared distance
    to the nearest one chosen."""
    centres = [xy[rng.integers(len(xy))]]
    nearest = ((xy - centres[0]) ** 2).sum(1)
    for _ in range(1, k):
        total = float(nearest.sum())
        pick = rng.choice(len(xy), p=nearest / total) if total > 0 else rng.integers(len(xy))
        centres.append(xy[pick])
        nearest = np.minimum(nearest, ((xy - xy[pick]) ** 2).sum(1))
    return np.array(centres, np.float32)


def _words(text: str) -> list[str]:
    return [
        w
        for w in (m.group().lower().strip("'-") for m in _WORD.finditer(text))
        if len(w) > 2 and w not in _IGNORED
    ]


def _common_words(documents: list[Counter], sizes: list[int]) -> set[str]:
    """The library's own boilerplate words: used by more than `COMMON_SHARE` of the documents
    of more than half the groups (of three or more), so they tell no group apart."""
    if len(sizes) < 3:
        return set()
    groups: Counter = Counter(
        w for g, size in zip(documents, sizes, strict=True) for w in g if g[w] > COMMON_SHARE * size
    )
    return {w for w, c in groups.items() if c > len(sizes) / 2}


def _ranked(
    counts: list[Counter], documents: list[Counter], sizes: list[int], common: set[str]
) -> list[tuple[list[str], list[str], list[str]]]:
    """Each group's words best first, as (words that may name it, the rest of its own words,
    `common` words).
    c-TF-IDF, tf(word, group) x log(1 + mean words per group / frequency of word overall),
    times the share of the group's documents that use the word; a word must be used by two of
    them (in a group of more than one), unless too few are."""
    overall: Counter = Counter()
    for c in counts:
        overall.update(c)
    mean_words = sum(overall.values()) / max(1, len(counts))
    out = []
    for g, c in enumerate(counts):
        total = sum(c.values()) or 1
        ranked = sorted(
            c,
            key=lambda w: (
                -(c[w] / total)
                * math.log(1 + mean_words / overall[w])
                * (documents[g][w] / sizes[g]),
                w,
            ),
        )
        own = [w for w in ranked if w not in common]
        shared = [w for w in own if documents[g][w] >= min(2, sizes[g])]
        if len(shared) < MIN_WORDS:  # too few words shared: the best of one document's too
            shared += [w for w in own if w not in shared][: MIN_WORDS - len(shared)]
        rest = [w for w in own if w not in shared]
        out.append((shared, rest, [w for w in ranked if w in common]))
    return out


def _by_meaning(ranked: list[list[str]], centres: np.ndarray, embed: Embed) -> list[list[str]]:
    """Each group's `CANDIDATES` best words reordered by maximal marginal relevance to the
    group's mean vector (as KeyBERT and BERTopic do): the word closest in meaning first, then
    each next one close to the group but unlike those chosen, so that a common adverb that
    c-TF-IDF liked ("slowly") gives way to the subject's own words ("bread", "knife") and
    "socket · sockets" does not take two places. One batch of short texts for the whole map."""
    heads = [words[:CANDIDATES] for words in ranked]
    flat = [w for words in heads for w in words]
    if not flat:
        return ranked
    vectors = np.asarray(embed(flat), np.float32)
    norms = np.linalg.norm(centres, axis=1, keepdims=True)
    centres = centres / np.maximum(norms, 1e-12)
    out, at = [], 0
    for g, words in enumerate(heads):
        own = vectors[at : at + len(words)]
        at += len(words)
        close = own @ centres[g]
        chosen: list[int] = []
        while len(chosen) < len(words):
            left = [i for i in range(len(words)) if i not in chosen]
            alike = (own[left] @ own[chosen].T).max(axis=1) if chosen else np.zeros(len(left))
            score = RELEVANCE * close[left] - (1 - RELEVANCE) * alike
            chosen.append(left[int(np.argmax(score))])
        out.append([words[i] for i in chosen] + ranked[g][CANDIDATES:])
    return out


def _labels(ranked: list[tuple[list[str], list[str], list[str]]], sizes: list[int]) -> list[str]:
    """A label per group from its ranked words; common words only where no other label is
    left. The largest groups choose first; a label shares at most `MAX_SHARED` word with any
    label already chosen ("git · branch · fixes" beside "git · versions · tags", not beside
    "git · fixes · versions"), its next best words taking the place of the others."""
    labels = [""] * len(ranked)
    taken: list[frozenset[str]] = []
    for g in sorted(range(len(ranked)), key=lambda g: -sizes[g]):
        shared, _, common = ranked[g]
        words = _distinct(_one_form(shared), taken) or _distinct(_one_form(shared + common), taken)
        labels[g] = " · ".join(words)
        if words:
            taken.append(frozenset(words))
    return labels


def _one_form(words: list[str]) -> list[str]:
    """`words` without a later form of an earlier one ("sockets" after "socket", "adding" after
    "add"): one label, one word each."""
    seen: set[str] = set()
    out = []
    for word in words:
        stem = _stem(word)
        if stem not in seen:
            seen.add(stem)
            out.append(word)
    return out


def _stem(word: str) -> str:
    """A crude English stem, enough to tell two forms of one word apart in a label."""
    for suffix, replacement in (("ies", "y"), ("ing", ""), ("es", ""), ("ed", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: len(word) - len(suffix)] + replacement
    return word


def _distinct(ranked: list[str], taken: list[frozenset[str]]) -> list[str]:
    """The best `WORDS_PER_LABEL` of `ranked` that share at most `MAX_SHARED` word with each
    label `taken`; none where that leaves fewer than `MIN_WORDS` of a group that has them, or a
    label already taken: unlabelled rather than named like another."""
    chosen: list[str] = []
    for word in ranked:
        if all(len(t.intersection(chosen)) < MAX_SHARED or word not in t for t in taken):
            chosen.append(word)
            if len(chosen) == WORDS_PER_LABEL:
                break
    if len(chosen) < min(MIN_WORDS, len(ranked)) or frozenset(chosen) in taken:
        return []
    return chosen
