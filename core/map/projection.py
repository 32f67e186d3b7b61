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

t-SNE runs in a child process, at low priority: scikit-learn holds the GIL for a quarter of a
second at a time inside it (the perplexity search, at 10,000 documents), which would freeze a
window's event loop, and a minute-long fit in a process can be stopped at once when the window
quits or the run is cancelled.
"""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing.connection import Connection

import numpy as np

from core.control import RunControl
from core.errors import Cancelled, PonderError

PCA_DIMENSIONS = 50  # t-SNE runs on the leading components: faster, and the noise is gone
NEIGHBOURS = 5  # mapped documents a new one is placed among
SHARPNESS = 20.0  # softmax temperature over cosine: the nearest neighbour dominates
CHILD_NICENESS = 10  # the map waits for indexing and search, not the other way round
POLL_S = 0.1  # how often a cancel is looked for while the child computes


def project(
    vectors: np.ndarray, seed: int = 0, control: RunControl | None = None
) -> tuple[np.ndarray, str]:
    """(n, 2) positions for unit `vectors` (n, d), and the method's name; raises `Cancelled`
    soon after `control` is cancelled."""
    n = len(vectors)
    if n == 0:
        return np.zeros((0, 2), np.float32), "none"
    if n < 5:  # too few for t-SNE's perplexity: spread them along their main directions
        return _pca(vectors, 2), "pca"
    reduced = _pca(vectors, min(PCA_DIMENSIONS, n - 1, vectors.shape[1]))
    context = multiprocessing.get_context("spawn")  # no fork of a threaded process
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, args=(send, reduced, min(30.0, (n - 1) / 3), seed), daemon=True
    )
    child.start()
    send.close()
    try:
        while not receive.poll(POLL_S):
            if control is not None and control.cancelled:
                raise Cancelled("the map was cancelled")
            if not child.is_alive() and not receive.poll():
                raise PonderError(f"computing the map failed (exit code {child.exitcode})")
        try:
            ok, value = receive.recv()
        except EOFError as exc:  # died while sending
            raise PonderError(f"computing the map failed (exit code {child.exitcode})") from exc
        if not ok:
            raise PonderError(f"computing the map failed: {value}")
        return value, "t-SNE"
    finally:
        receive.close()
        if child.is_alive():
            child.kill()  # a cancelled fit stops now, not when it would have finished
        child.join()


def _child(send: Connection, reduced: np.ndarray, perplexity: float, seed: int) -> None:
    """The child process: a low-priority t-SNE fit, its result (or why not) sent back."""
    try:
        os.nice(CHILD_NICENESS)
    except (AttributeError, OSError):
        pass  # not everywhere; the map is only slower to come
    try:
        from sklearn.manifold import TSNE
        from threadpoolctl import threadpool_limits

        # One thread: OpenMP workers spin while they wait for each other, and at low priority
        # on a busy machine they wait most of the time (a 60-point fit took 25 s on two).
        with threadpool_limits(limits=1):
            tsne = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed)
            send.send((True, tsne.fit_transform(reduced).astype(np.float32)))
    except Exception as exc:  # noqa: BLE001 - whatever it is, the parent reports it
        send.send((False, f"{type(exc).__name__}: {exc}"))
    finally:
        send.close()


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
