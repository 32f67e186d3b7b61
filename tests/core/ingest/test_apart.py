"""Indexing in a child process (`core.ingest.apart`): the caller gets the same progress, control,
summary and errors as in-process, never imports torch, and never waits on a child that died."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from pathlib import Path

import pytest
from support import in_fresh_interpreter

from core.control import RunControl
from core.errors import PonderError, StoreError
from core.ingest.progress import EMBEDDING, READING, Progress
from core.library import Library, rebuild

HEAVY = ("torch", "transformers")
NOTES = 12
# argv: model, data folder, notes folder, heavy packages. Indexes the notes apart, then prints
# one JSON line: which heavy packages this process imported, each progress record, the summary,
# the counts and the best keyword hit.
SCRIPT = """
import json, sys
from pathlib import Path
from core.library import Library

# A new library's default precision asks torch about the CPU: named here, as a library that
# exists already has it recorded.
library = Library(Path(sys.argv[2]), model=sys.argv[1], precision="fp32")
records = []
summary = library.index([sys.argv[3]], progress=records.append, apart=True)
out = {
    "heavy": sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.argv[4]))),
    "records": [[r.stage, r.phase, r.done, r.total, r.summary is summary] for r in records],
    "summary": [summary.indexed, summary.skipped, len(summary.problems), summary.cancelled],
    "counts": [library.counts().indexed, library.counts().meaning_pending],
    "info": library.catalog.info is not None,
    "hit": library.keyword_search("bread oven", 1)[0].path,  # no query model in this test
}
library.close()
print(json.dumps(out))
"""


def write_notes(folder: Path) -> Path:
    folder.mkdir()
    for i in range(NOTES):
        (folder / f"note{i:02d}.txt").write_text(f"The garden note {i}: water the tomato.\n")
    (folder / "bread.txt").write_text("Bake the bread in the oven at night.\n")
    (folder / "empty.txt").write_text("")  # skipped: one problem, sent once
    return folder


def test_an_apart_run_indexes_reports_in_order_and_keeps_torch_out(
    tmp_path: Path, tiny_model: Path
) -> None:
    """In a fresh interpreter (this one has torch already): the caller sees every document,
    every record in order with the one summary it returns, and imports neither torch nor
    transformers."""
    notes = write_notes(tmp_path / "notes")
    argv = [str(tiny_model), str(tmp_path / "data"), str(notes), json.dumps(HEAVY)]
    out = in_fresh_interpreter(SCRIPT, argv, timeout=120)
    assert out["heavy"] == []
    assert out["summary"] == [NOTES + 1, 1, 1, False]
    assert out["counts"] == [NOTES + 1, 0] and out["info"]
    assert out["hit"].endswith("bread.txt")
    records = out["records"]
    assert all(same for *_, same in records)
    stages = [stage for stage, *_ in records]
    assert stages == sorted(stages, key=[READING, EMBEDDING].index)  # reading, then embedding
    for stage, files in ((READING, NOTES + 2), (EMBEDDING, NOTES + 1)):
        done_counts = [d for s, _, d, _, _ in records if s == stage]
        assert done_counts == sorted(done_counts) and done_counts[-1] == files
        assert {t for s, _, _, t, _ in records if s == stage} == {files}


def test_a_cancel_stops_the_child_with_the_files_pending(tmp_path: Path, tiny_model: Path) -> None:
    """Paused before it starts, the child reads nothing; the cancel reaches it there."""
    notes = write_notes(tmp_path / "notes")
    library = Library(tmp_path / "data", model=tiny_model)
    control = RunControl()
    control.pause()
    records: list[Progress] = []

    def progress(record: Progress) -> None:
        records.append(record)
        if record.phase == "scanned":
            control.cancel()

    summary = library.index([notes], progress, control, apart=True)
    assert summary.cancelled and summary.indexed == 0
    assert [r.phase for r in records] == ["scanned"]  # paused: no file was read
    assert library.counts().pending == NOTES + 2
    library.close()


def test_a_killed_child_raises_and_leaves_its_files_pending(
    tmp_path: Path, tiny_model: Path
) -> None:
    notes = write_notes(tmp_path / "notes")
    library = Library(tmp_path / "data", model=tiny_model)
    control = RunControl()
    control.pause()  # the child waits with every file pending until it is killed

    def kill_the_child(record: Progress) -> None:
        if record.phase == "scanned":
            (child,) = [p for p in multiprocessing.active_children() if p.name == "ponder-index"]
            os.kill(child.pid, signal.SIGKILL)

    with pytest.raises(PonderError, match="indexing process stopped.*pending"):
        library.index([notes], kill_the_child, control, apart=True)
    assert library.counts().pending == NOTES + 2
    library.close()


def test_the_childs_error_is_raised_as_its_own_type(tmp_path: Path, tiny_model: Path) -> None:
    notes = write_notes(tmp_path / "notes")
    library = Library(tmp_path / "data", model=tiny_model)
    (tmp_path / "data" / "indexing.lock").mkdir()  # the run's lock cannot be taken
    with pytest.raises(StoreError, match="cannot index into"):
        library.index([notes], apart=True)
    library.close()


def test_a_rebuild_apart_reopens_the_rebuilt_library_here(tmp_path: Path, tiny_model: Path) -> None:
    notes = write_notes(tmp_path / "notes")
    library = Library(tmp_path / "data", model=tiny_model)
    library.index([notes])
    library.close()
    records: list[Progress] = []
    rebuilt, summary = rebuild(
        tmp_path / "data", pooling="max", progress=records.append, apart=True
    )
    assert rebuilt.pooling == "max" and rebuilt.catalog.info.pooling == "max"
    assert summary.embedded == NOTES + 1 and records[-1].summary is summary
    assert rebuilt.search("bread oven", 1)[0].path.endswith("bread.txt")
    rebuilt.close()
