"""Two-dimensional positions for document vectors: t-SNE for a fresh map, neighbours for a few
additions.

Measured on the stored document vectors (`tests/benchmarks/bench_map.py`), trustworthiness@10 /
share of each document's 10 nearest neighbours kept in 2-D:

| set | PCA | t-SNE (scikit-learn) | UMAP (umap-learn) |
|---|---|---|---|
| python-faq, 178 docs | 0.78 / 0.26, 0.02 s | **0.89 / 0.48**, 0.7 s | 0.89 / 0.47, 14 s |
| man pages, 1,100 docs | 0.76 / 0.10, 0.02 s | **0.96 / 0.53**, 4.5 s | 0.95 / 0.50, 17 s |
| 10,000 vectors | 0.67 / 0.02, 0.05 s | **0.91 / 0.28**, 73 s | 0.86 / 0.26, 69 s |

t-SNE keeps neighbourhoods best everywhere; UMAP is no faster here and needs numba (23 s to
import, a JIT compile on first use). t-SNE has no transform for new points, so a document added
to a map that is mostly unchanged is placed at the similarity-weighted middle of its nearest
mapped documents; the map is recomputed when too much of it would be placed that way.
"""

from __future__ import annotations

import numpy as np

PCA_DIMENSIONS = 50  # t-SNE runs on the leading components: faster, and the noise is gone
NEIGHBOURS = 5  # mapped documents a new one is placed among
SHARPNESS = 20.0  # softmax temperature over cosine: the nearest neighbour dominates


def project(vectors: np.ndarray, seed: int = 0) -> tuple[np.ndarray, str]:
    """(n, 2) positions for unit `vectors` (n, d), and the method's name."""
    n = len(vectors)
    if n == 0:
        return np.zeros((0, 2), np.float32), "none"
    if n < 5:  # too few for t-SNE's perplexity: spread them along their main directions
        return _pca(vectors, 2), "pca"
    from sklearn.manifold import TSNE  # a second or so to import: only when a map is drawn

    reduced = _pca(vectors, min(PCA_DIMENSIONS, n - 1, vectors.shape[1]))
    tsne = TSNE(
        n_components=2,
        perplexity=min(30.0, (n - 1) / 3),
        init="pca",
        random_state=seed,
    )
    return tsne.fit_transform(reduced).astype(np.float32), "t-SNE"


def place(new: np.ndarray, known: np.ndarray, known_xy: np.ndarray) -> np.ndarray:
    """Positions for `new` unit vectors among `known` ones already at `known_xy`."""
    if len(new) == 0 or len(known) == 0:
        return np.zeros((len(new), 2), np.float32)
    k = min(NEIGHBOURS, len(known))
    out = np.empty((len(new), 2), np.float32)
    for at in range(0, len(new), 1024):  # bounded memory for a big batch
        sims = new[at : at + 1024] @ known.T
        nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        top = np.take_along_axis(sims, nearest, axis=1)
        weights = np.exp(SHARPNESS * (top - top.max(axis=1, keepdims=True)))
        weights /= weights.sum(axis=1, keepdims=True)
        out[at : at + 1024] = np.einsum("nk,nkc->nc", weights, known_xy[nearest])
    return out


def _pca(vectors: np.ndarray, dimensions: int) -> np.ndarray:
    centred = vectors - vectors.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    out = centred @ vt[:dimensions].T
    if out.shape[1] < dimensions:  # fewer points than dimensions asked
        out = np.pad(out, ((0, 0), (0, dimensions - out.shape[1])))
    return out.astype(np.float32)
