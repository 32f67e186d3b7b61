"""A window whose queries ONNX Runtime answers never imports torch to search, show a result and
explain it, even on its first launch, when the ONNX model is yet to be made (a child process
makes it); a folder dropped on it is indexed in a child process too, as the app does it, so
torch never loads in the window at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import in_fresh_interpreter

from core.library import Library

HEAVY = ("torch", "transformers")
# The window on the library in argv[1]: a search by meaning, its first result selected and
# explained, the Why dialog and the Compare tab opened; which heavy packages are imported then;
# then a folder (argv[2]) dropped on it and indexed apart, and the heavy packages again. One
# JSON line.
SCRIPT = """
import json, sys
from pathlib import Path
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
from desktop.window.app import create_window
from desktop.window.main_window import COMPARE_TAB, SEARCH_TAB
from desktop.window.settings import Settings

HEAVY = set(json.loads(sys.argv[4]))
app = QApplication(sys.argv[:1])
settings = Settings.at(Path(sys.argv[3]))
window = create_window(Path(sys.argv[1]), settings=settings, index_apart=True)
window.show()

def wait(signal, ok=lambda *args: True, ms=120_000):
    loop, seen = QEventLoop(), []
    def on(*args):
        if ok(*args):
            seen.append(args)
            loop.quit()
    signal.connect(on)
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    signal.disconnect(on)
    assert seen, f"timed out waiting for {signal}"
    return seen[0]

def heavy():
    return sorted({m.split(".")[0] for m in sys.modules} & HEAVY)

if not window.session.model_ready:
    wait(window.session.ready)
tab = window.search_tab
with_meaning = lambda r: r.query == "bake bread" and not r.keywords_only
if tab.why.latest is None:
    tab.field.setText("bake bread")
    (results,) = wait(window.session.search.results_ready, with_meaning)
    hit, why = wait(tab.why.explained)
out = {"explained": tab.why.latest[1].path, "engine": window.session.library.query_engine()}
dialog = tab.why_current()
out["dialog"] = dialog is not None and dialog.heatmap.explanation is not None
dialog.close()
window.show_tab(COMPARE_TAB)
wait(window.compare_tab.compared)
window.show_tab(SEARCH_TAB)
out["after_explaining"] = heavy()
window.drops.dropped.emit([sys.argv[2]])
wait(window.session.jobs.finished)
out["after_indexing"] = heavy()
out["documents"] = window.session.library.counts().indexed
window.close()
print(json.dumps(out))
"""


@pytest.mark.slow(seconds=60)
@pytest.mark.parametrize("first_launch", [False, True], ids=["model-made", "first-launch"])
def test_searching_explaining_and_indexing_import_no_torch(
    tmp_path: Path, tiny_model: Path, monkeypatch, first_launch: bool
) -> None:
    monkeypatch.setenv("PONDER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PONDER_QUERY_ENGINE", "auto")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "bread.txt").write_text("Bake the bread in the oven at night.\n")
    (notes / "garden.txt").write_text("Water the tomato garden.\nThe garden is big.\n")
    dropped = tmp_path / "dropped"
    dropped.mkdir()
    (dropped / "train.txt").write_text("The night train to Paris.\n")
    library = Library(tmp_path / "data", model=tiny_model)
    library.index([notes])
    if not first_launch:
        library.prepare_queries()  # the query model the window will find made
        assert library.query_engine().startswith("ONNX Runtime")
    library.close()

    argv = [str(tmp_path / "data"), str(dropped), str(tmp_path / "ponder.ini"), json.dumps(HEAVY)]
    out = in_fresh_interpreter(SCRIPT, argv, timeout=240, QT_QPA_PLATFORM="offscreen")
    assert out["explained"].endswith("bread.txt") and out["dialog"]
    assert out["engine"].startswith("ONNX Runtime")
    assert out["after_explaining"] == []
    assert out["after_indexing"] == []
    assert out["documents"] == 3
