"""One big file never holds the library back: small notes are searchable while it is embedded."""

from __future__ import annotations

import json
import os
import random
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from core.errors import IndexMismatchError
from core.ingest import embedding as embedding_module
from core.ingest import indexer as indexer_module
from core.ingest import pipeline
from core.ingest import progress as progress_module
from core.ingest import tokenise as tokenise_module
from core.ingest.pipeline import FileWords, Reader, ToRead, words_weight
from core.ingest.scan import walk
from core.library import Library
from core.model.encoder import Encoder
from core.model.memo import VectorCache
from core.records import IndexInfo, Status
from core.search.fusion import Mode

WORDS = "the dog cat chased sat on mat bread bake oven garden tomato water money train".split()
SMALL = 24


def _folder(root: Path) -> tuple[Path, Path]:
    """24 small notes and, sorted first, one big single-line file with no sentence end."""
    notes = root / "notes"
    notes.mkdir()
    rng = random.Random(7)
    big = notes / "000-big.txt"
    big.write_text(" ".join(rng.choices(WORDS, k=80_000)))  # about 400 KB, 80k tokens
    for i in range(SMALL):
        words = " ".join(rng.choices(WORDS, k=8))
        (notes / f"note{i:02d}.txt").write_text(f"Note {i} is about {words}.\n")
    return notes, big


def test_small_notes_are_embedded_and_found_by_meaning_before_the_big_file(
    tmp_path: Path, tiny_model: Path
) -> None:
    notes, big = _folder(tmp_path)
    library = Library(tmp_path / "data", tiny_model)
    seen: list[tuple[int, bool, int]] = []  # (embedded, big file still waiting, hits)

    def progress(p: progress_module.Progress) -> None:
        if p.stage != progress_module.EMBEDDING or p.phase != "done":
            return
        row = library.catalog.store.document(str(big))
        waiting = bool(row and library.catalog.store.meaning_pending([row.id]))
        hits = len(library.search("the dog sat on the mat", k=5, mode=Mode.SEMANTIC))
        counts = library.counts()
        seen.append((counts.indexed - counts.meaning_pending, waiting, hits))

    summary = library.index([notes], progress=progress)
    assert (summary.indexed, summary.failed, summary.skipped) == (SMALL + 1, 0, 0)
    early = [(n, hits) for n, waiting, hits in seen if waiting]
    assert early and max(n for n, _ in early) == SMALL  # every small note, big one still waiting
    assert all(hits > 0 for n, hits in early if n)  # and they are found meanwhile
    row = library.catalog.store.document(str(big))
    assert row is not None and row.status == Status.INDEXED
    assert library.counts().sentences > 1000  # the big file, embedded whole in slices
    library.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")
def test_the_tokenising_reader_runs_below_the_encoder(tmp_path: Path, tiny_model: Path) -> None:
    notes, _ = _folder(tmp_path)
    library = Library(tmp_path / "data", tiny_model)
    seen: list[tuple[str, int]] = []
    real = tokenise_module.tokenise

    def tokenise(*args):
        seen.append((threading.current_thread().name, os.getpriority(os.PRIO_PROCESS, 0)))
        return real(*args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(embedding_module, "tokenise", tokenise)
        assert library.index([notes]).embedded == SMALL + 1
    assert seen and all(name == "ponder-reader" for name, _ in seen)
    assert all(nice == pipeline.READER_NICENESS for _, nice in seen)
    library.close()


def test_the_file_reader_keeps_its_priority(tmp_path: Path) -> None:
    """Nothing runs beside the first phase but the model loading: reading files is not held
    back."""
    notes, _ = _folder(tmp_path)
    seen: list[int] = []

    def read(path: str, limit: int) -> bytes:
        seen.append(os.getpriority(os.PRIO_PROCESS, 0))
        return indexer_module.read_file(path, limit)

    items = [ToRead(str(notes), f, None, f.path) for f in walk(str(notes), False)]
    words = FileWords(read, lambda _digest: False)
    assert len(list(Reader(items, words.load, words_weight))) == len(items)
    assert seen and set(seen) == {os.getpriority(os.PRIO_PROCESS, 0)}


def test_progress_counts_bytes_of_work_not_files(tmp_path: Path, tiny_model: Path) -> None:
    notes, big = _folder(tmp_path)
    library = Library(tmp_path / "data", tiny_model)
    every: list[progress_module.Progress] = []
    library.index([notes], progress=every.append)
    reading = [p for p in every if p.stage == progress_module.READING]
    total = sum(p.stat().st_size for p in notes.iterdir())
    assert {p.work_total for p in reading[1:]} == {total}
    work = [p.work_done for p in reading]
    assert work == sorted(work) and work[-1] == total
    # the second phase counts characters of text the same way, from 0 to all of them
    reports = every[len(reading) :]
    assert reports and all(p.stage == progress_module.EMBEDDING for p in reports)
    chars = sum(len(p.read_text()) for p in notes.iterdir())
    assert {p.work_total for p in reports} == {chars}
    work = [p.work_done for p in reports]
    assert work == sorted(work) and work[-1] == chars
    # while the big file (most of the bytes) is embedded, the bar moves though no file finished;
    # how many small notes are done by then depends on how fast the reader thread runs
    moves = {d: {p.work_done for p in reports if p.done == d} for d in {p.done for p in reports}}
    assert max(len(amounts) for amounts in moves.values()) > 2
    library.close()


def test_identical_texts_are_embedded_once(tmp_path: Path, tiny_model: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    text = "The dog sat on the mat. The cat chased the dog.\n"
    for i in range(5):
        (notes / f"copy{i}.txt").write_text(text + f"Note {i}.\n")
    library = Library(tmp_path / "data", tiny_model)
    assert library.index([notes]).indexed == 5
    stats = library.encoder.stats
    # 20 texts asked for (3 sentences and a head per file), in one batch or several: the two
    # shared sentences go through the model once, then only each "Note i." and each head
    assert stats.unique <= 2 + 5 + 5 < 5 * 4
    library.close()


def test_vector_cache_returns_what_the_encoder_gives(tiny_model: Path) -> None:
    encoder = Encoder(tiny_model)
    ids = [np.asarray(x, np.int32) for x in encoder.tokenize(["the dog", "a cat", "the dog"])]
    cache = VectorCache(encoder, max_entries=1)
    first = cache.encode(ids)
    again = cache.encode(ids[::-1])
    np.testing.assert_allclose(first, encoder.encode(["the dog", "a cat", "the dog"]), atol=1e-6)
    np.testing.assert_allclose(again, first[::-1], atol=1e-6)
    assert cache.hits >= 1


def test_precision_is_recorded_and_never_mixed(tmp_path: Path, tiny_model: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("The dog sat on the mat.")
    library = Library(tmp_path / "data", tiny_model, precision="int8")
    library.index([notes])
    assert library.catalog.info.precision == "int8"
    library.close()
    with pytest.raises(IndexMismatchError, match="precision"):
        Library(tmp_path / "data", tiny_model, precision="fp32")
    reopened = Library(tmp_path / "data", tiny_model)  # keeps what it was built with
    assert reopened.precision == "int8" and len(reopened.search("dog")) == 1
    reopened.close()


def test_a_library_from_before_precisions_loads_as_fp32() -> None:
    old = json.loads('{"model": "m", "pooling": "mean", "dimension": 384}')
    assert IndexInfo(**old).precision == "fp32"
    assert IndexInfo(**old) != IndexInfo("m", "mean", 384, "int8")


def test_int8_vectors_stay_close_to_fp32(tiny_model: Path) -> None:
    texts = ["the dog sat on the mat", "bake the bread in the oven", "a train to paris"]
    exact = Encoder(tiny_model, precision="fp32").encode(texts)
    fast = Encoder(tiny_model, precision="int8").encode(texts)
    assert np.min(np.sum(exact * fast, axis=1)) > 0.95


@pytest.mark.parametrize("pooling", ["mean", "cls", "max", "static_mean"])
def test_bf16_vectors_stay_close_to_fp32_under_every_pooling(tiny_model: Path, pooling) -> None:
    texts = ["the dog sat on the mat", "bake the bread in the oven", "a train to paris"]
    exact = Encoder(tiny_model, pooling, precision="fp32").encode(texts)
    fast = Encoder(tiny_model, pooling, precision="bf16").encode(texts)
    assert fast.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(exact * fast, axis=1)) > 0.99


def test_a_new_library_takes_bf16_only_where_the_cpu_runs_it_fast(
    tmp_path: Path, tiny_model: Path, monkeypatch
) -> None:
    from core.model import precision

    for fast, expected in ((True, "bf16"), (False, "fp32")):
        monkeypatch.setattr(precision, "fast_bf16", lambda fast=fast: fast)
        library = Library(tmp_path / f"data-{expected}", tiny_model)
        assert library.precision == expected
        library.close()


def test_int8_keeps_widening_layers_in_float32_and_quantises_activations_over_8_bits(
    tiny_model: Path,
) -> None:
    import torch
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    model = Encoder(tiny_model, precision="int8")._model
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear | DynamicLinear)]
    widening = [m for m in linears if m.out_features > m.in_features]
    assert widening and all(type(m) is torch.nn.Linear for m in widening)
    quantised = [m for m in linears if m.out_features <= m.in_features]
    assert quantised and all(isinstance(m, DynamicLinear) for m in quantised)
    # torch's own layer quantises activations to 7 bits; ours must not
    x = torch.randn(4, quantised[0].in_features)
    packed = quantised[0]._packed_params._packed_params
    full = torch.ops.quantized.linear_dynamic(x, packed, reduce_range=False)
    assert torch.equal(quantised[0](x), full)


def test_a_big_file_is_read_after_every_small_one(
    tmp_path: Path, tiny_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Preparing a big file (splitting, tokenising 50 MB) would hold up every note behind it."""
    notes, big = _folder(tmp_path)  # the big file sorts first in the walk
    middle = notes / "001-middle.txt"
    middle.write_text("Sentence about bread. " * 10_000)  # 220 KB: bigger than the limit too
    monkeypatch.setattr(indexer_module, "READ_LAST_BYTES", 100_000)
    reads: list[str] = []

    def read(path: str, limit: int) -> bytes:
        reads.append(Path(path).name)
        with open(path, "rb") as handle:
            return handle.read(limit + 1)

    monkeypatch.setattr(indexer_module, "read_file", read)
    library = Library(tmp_path / "data", tiny_model)
    summary = library.index([notes])
    assert (summary.indexed, summary.failed) == (SMALL + 2, 0)
    small = sorted(f"note{i:02d}.txt" for i in range(SMALL))
    assert reads[:SMALL] == small  # in the walk's order
    assert reads[SMALL:] == [middle.name, big.name]  # then the big ones, smallest first
    library.close()
