"""The window makes the model that embeds queries without torch, once its model has loaded."""

from __future__ import annotations

from pathlib import Path

from core.library import Library
from desktop.background.session import LibrarySession
from desktop.window.notify import Notifier

TIMEOUT_MS = 60_000


def test_the_query_model_is_made_after_the_model_loads(
    qtbot, tmp_path: Path, tiny_model: Path, monkeypatch
) -> None:
    monkeypatch.setenv("PONDER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PONDER_QUERY_ENGINE", "auto")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "bread.txt").write_text("Bake the bread in the oven at night.\n")
    built = Library(tmp_path / "data", tiny_model)
    built.index([notes])
    built.close()
    session = LibrarySession(tmp_path / "data", Notifier(), model=str(tiny_model))
    try:
        with qtbot.waitSignal(session.ready, timeout=TIMEOUT_MS):
            session.start()
        library = session.library
        assert library is not None
        qtbot.waitUntil(lambda: library.queries.ready, timeout=TIMEOUT_MS)
        assert library.query_engine().startswith("ONNX Runtime (cached in ")
        assert library.search("bread oven")[0].path == str(notes / "bread.txt")
    finally:
        session.shutdown()
    assert not Library(tmp_path / "data").queries.describe().startswith("torch")
