"""Every item model passes Qt's model tester, empty and filled."""

from __future__ import annotations

from pathlib import Path

from core.library import Library
from desktop.background.snapshot import Snapshot, take_snapshot
from desktop.views.compare_model import CompareModel
from desktop.views.compare_model import Role as CompareRole
from desktop.views.library_model import LibraryModel, Role
from desktop.views.results_model import ResultsModel
from desktop.views.results_model import Role as ResultRole


def test_results_model(qapp, qtmodeltester, sample_data: Path) -> None:
    model = ResultsModel()
    qtmodeltester.check(model)
    library = Library(sample_data)
    hits = library.search("how do I stop my tomatoes from splitting", k=5, keep_weak=True)
    model.set_hits("tomatoes", hits)
    qtmodeltester.check(model)
    first = model.index(0)
    assert first.data(ResultRole.PATH).endswith("tomatoes.md")
    assert first.data(ResultRole.TITLE) == "Growing tomatoes on a balcony"
    start, end = first.data(ResultRole.HIGHLIGHT)
    context = first.data(ResultRole.CONTEXT)
    assert context[start:end] == hits[0].sentence.text
    assert first.data(ResultRole.MORE_MATCHES) == len(hits[0].matches) - 1
    assert model.row_of(hits[1].document_id) == 1
    model.set_hits("", [])
    qtmodeltester.check(model)
    library.close()


def test_library_model(qapp, qtmodeltester, sample_data: Path, tmp_path: Path) -> None:
    model = LibraryModel()
    qtmodeltester.check(model)
    library = Library(sample_data)
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    (extra / "ok.txt").write_text("A short note about the sea.", encoding="utf-8")
    single = tmp_path / "single.md"
    single.write_text("# Single\n\nA note added on its own.", encoding="utf-8")
    library.index([extra, single])
    snapshot = take_snapshot(library)
    model.set_snapshot(snapshot, {str(extra)})
    qtmodeltester.check(model)
    roots = [model.index(r, 0).data(Role.PATH) for r in range(model.rowCount())]
    assert set(roots) == {str(extra), str(single), str(Path("resources/samples").resolve())}
    extra_row = model.index(roots.index(str(extra)), 0)
    assert extra_row.data(Role.WATCHED) is True
    assert model.rowCount(extra_row) == 2
    broken = next(
        model.index(r, 0, extra_row)
        for r in range(2)
        if model.index(r, 0, extra_row).data(Role.PATH).endswith("broken.pdf")
    )
    assert broken.data(Role.STATUS) == "failed"
    assert "PDF" in broken.data(Role.REASON)
    assert "PDF" in broken.siblingAtColumn(1).data()  # the reason shows beside the status
    single_row = model.index(roots.index(str(single)), 0)
    assert model.rowCount(single_row) == 0 and single_row.data(Role.STATUS) == "indexed"
    model.set_snapshot(Snapshot())
    qtmodeltester.check(model)
    library.close()


def test_compare_model(qapp, qtmodeltester) -> None:
    model = CompareModel()
    qtmodeltester.check(model)
    model.set_cosines({"mean": 0.9, "static_mean": 1.0})
    model.set_in_use("mean")
    qtmodeltester.check(model)
    rows = {model.index(r).data(CompareRole.NAME): model.index(r) for r in range(model.rowCount())}
    assert rows["mean"].data(CompareRole.COSINE) == 0.9
    assert rows["mean"].data(CompareRole.IN_USE) is True
    assert rows["cls"].data(CompareRole.COSINE) is None
    assert "word order" in rows["static_mean"].data(CompareRole.DESCRIPTION)
