"""What an approximate index holds per vector: product-quantised codes a fraction of the vector's
size; an older version's 8-bit scalar codes still answer and are replaced in the background."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest
from support_ann import DIM, QueryVectors, corpus, make_library, unit

from core.index import ann, index_files
from core.index.catalog import LocalCatalog
from core.index.ivf import IvfIndex
from core.index.vectors import write_atomically
from core.search.engine import search


def test_an_ivf_index_holds_48_bytes_of_codes_per_vector(tmp_path: Path) -> None:
    """Whatever the dimension, a vector is held in 48 one-byte codes beside its id (MiniLM's 384
    dimensions took 384 bytes as 8-bit scalar codes, 768 as float16), in memory and in its file,
    and the codes still find each vector."""
    dimension = 96
    vectors = unit(np.random.default_rng(0).standard_normal((10_240, dimension)))
    index = IvfIndex.trained(vectors, nlist=16)
    empty, full = tmp_path / "empty.faiss", tmp_path / "full.faiss"
    index.save(empty)
    index.add(np.arange(len(vectors), dtype=np.int64), vectors)
    index.save(full)
    per_vector = (full.stat().st_size - empty.stat().st_size) / len(vectors)
    assert per_vector == pytest.approx(48 + 8, abs=0.1)  # codes, id
    _, found = index.search(vectors[:50], 10)
    assert np.mean([i in row for i, row in enumerate(found)]) >= 0.9


def test_a_small_forced_index_learns_smaller_codes_and_still_finds_its_documents(
    tmp_path: Path,
) -> None:
    """Too few vectors to learn 256 centroids per sub-quantiser (an index forced approximate on a
    small set): 16-centroid codes, trained without complaint, and search still works."""
    data = tmp_path / "data"
    make_library(data, corpus(20))  # 400 vectors
    catalog = LocalCatalog(data, approximate_above=0)
    index = catalog.index_of("sentences")
    assert isinstance(index, IvfIndex) and index.current
    queries = unit(np.random.default_rng(5).standard_normal((5, DIM)))
    hits = search(catalog, QueryVectors(queries), "0", 5, keep_weak=True)
    assert len(hits) == 5
    catalog.close()


def _scalar_quantised_file(data: Path) -> None:
    """Replace the saved sentence index by the 8-bit scalar-quantised IVF an earlier version
    wrote, holding the same ids and vectors."""
    catalog = LocalCatalog(data, approximate_above=0)
    index = catalog.index_of("sentences")
    ids = np.sort(index.ids())
    vectors = catalog.store.vectors_of("sentences", ids, DIM)
    generation = catalog._mirrors["sentences"].generation
    catalog.close()
    (path,) = [p for _, p in index_files.files(data, "sentences")]
    quantiser = faiss.IndexFlatIP(DIM)
    old = faiss.IndexIVFScalarQuantizer(
        quantiser, DIM, index.nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    old.train(vectors)
    old.add_with_ids(vectors, ids)
    write_atomically(old, path)
    assert index_files.files(data, "sentences")[0][0] == generation


def test_an_older_scalar_quantised_index_answers_then_is_rebuilt_with_codes(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    make_library(data, corpus(100))  # 2,000 vectors
    _scalar_quantised_file(data)
    catalog = LocalCatalog(data, approximate_above=0)
    assert ann.load(index_files.files(data, "sentences")[0][1], DIM).current is False
    queries = unit(np.random.default_rng(7).standard_normal((3, DIM)))
    assert search(catalog, QueryVectors(queries), "0", 5, keep_weak=True)  # answers at once
    assert catalog.wait_for_builds(60)
    rebuilt = catalog.index_of("sentences")
    assert isinstance(rebuilt, IvfIndex) and rebuilt.current and rebuilt.count() == 2000
    catalog.close()
    again = LocalCatalog(data, approximate_above=0)
    assert again.index_of("sentences").current  # the rebuilt index was saved
    again.close()


def test_an_approximate_index_s_neighbours_come_scored_exactly_best_first(tmp_path: Path) -> None:
    """Codes give approximate scores; the catalog rescores a few times more neighbours than asked
    from the stored vectors, so the scores the search path ranks by are exact, best first, and
    nearly every exact nearest neighbour is among them."""
    data = tmp_path / "data"
    make_library(data, corpus(100))  # 2,000 vectors
    catalog = LocalCatalog(data, approximate_above=0)
    assert isinstance(catalog.index_of("sentences"), IvfIndex)
    queries = unit(np.random.default_rng(3).standard_normal((20, DIM)))
    scores, ids = catalog.nearest("sentences", queries, 10)
    every = np.sort(catalog.index_of("sentences").ids())
    stored = catalog.store.vectors_of("sentences", every, DIM)
    for row, query in enumerate(queries):
        exact = stored[np.searchsorted(every, ids[row])] @ query
        assert np.allclose(scores[row], exact, atol=1e-5)
        assert np.all(np.diff(scores[row]) <= 0)
    truth = every[np.argsort(-(queries @ stored.T), axis=1)[:, :10]]
    found = np.mean([len(set(t) & set(i)) / 10 for t, i in zip(truth, ids, strict=True)])
    assert found >= 0.9
    catalog.close()
