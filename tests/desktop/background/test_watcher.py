"""A watched folder stays in sync: edits, new, moved and deleted files are picked up, debounced."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer

from desktop.background.library_jobs import IndexJob


def test_watched_folder_changes_are_reindexed_once(
    make_window, sample_data: Path, gui, qtbot, tmp_path: Path
):
    window = make_window(sample_data)
    folder = tmp_path / "journal"
    folder.mkdir()
    notes = {name: folder / name for name in ("monday.txt", "tuesday.txt", "wednesday.txt")}
    notes["monday.txt"].write_text("Monday: I repainted the garden shed green.", encoding="utf-8")
    notes["tuesday.txt"].write_text("Tuesday: a long meeting about budgets.", encoding="utf-8")
    notes["wednesday.txt"].write_text("Wednesday: swimming in the lake.", encoding="utf-8")
    with gui.job_done(window, IndexJob):
        window.index_paths([str(folder)])
    assert str(folder) in window.session.watcher.folders

    started: list[str] = []
    window.session.jobs.started.connect(lambda job: started.append(job.origin))
    edits = [0]
    timer = QTimer()
    timer.setInterval(40)

    def save_again() -> None:
        """An editor saving the same note ten times, 40 ms apart, and a few other changes."""
        edits[0] += 1
        notes["monday.txt"].write_text(
            f"Monday: the volcano on the island erupted (draft {edits[0]}).", encoding="utf-8"
        )
        if edits[0] == 5:
            (folder / "thursday.txt").write_text(
                "Thursday: baked a lemon cake for the neighbours.", encoding="utf-8"
            )
            notes["tuesday.txt"].unlink()
            notes["wednesday.txt"].rename(folder / "wednesday-swim.txt")
            (folder / ".monday.txt.swp").write_text("editor scratch", encoding="utf-8")
        if edits[0] == 10:
            timer.stop()

    timer.timeout.connect(save_again)
    with gui.job_done(window, IndexJob, timeout=60_000) as done:
        timer.start()
    job, summary = done.args
    assert job.origin == "watch"
    assert edits[0] == 10  # the run began only after the last save
    assert (summary.indexed, summary.moved, summary.removed) == (2, 1, 1)
    assert started == ["watch"]
    assert not window.session.jobs.busy and not window.session.jobs.pending

    hits = gui.search(window, "lava and eruptions").hits
    assert hits[0].path == str(notes["monday.txt"])
    assert "draft 10" in hits[0].sentence.text
    documents = {Path(d.path).name for d in window.session.library.documents()}
    assert {"thursday.txt", "wednesday-swim.txt"} <= documents
    assert not {"tuesday.txt", "wednesday.txt", ".monday.txt.swp"} & documents
