"""The strip at the bottom of the window while a job runs: what, how far, how long, and the
pause/resume and cancel buttons."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QProgressBar, QPushButton, QWidget

from desktop.background.job import Job
from desktop.background.job_queue import JobProgress, JobQueue
from desktop.views.plain_text import plain_label


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "estimating time left"
    if seconds < 5:
        return "almost done"
    if seconds < 90:
        return f"about {max(5, round(seconds / 5) * 5)} s left"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"about {minutes} min left"
    return f"about {minutes // 60} h {minutes % 60:02d} min left"


def describe_progress(progress: JobProgress) -> str:
    parts = [f"{progress.done:,} of {progress.total:,} files"]
    if progress.failed:
        parts.append(f"{progress.failed:,} failed")
    if progress.skipped:
        parts.append(f"{progress.skipped:,} skipped")
    parts.append(format_eta(progress.eta_s))
    return " · ".join(parts)


class IndexingBar(QFrame):
    def __init__(self, jobs: JobQueue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.jobs = jobs
        self.setObjectName("indexing-bar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = plain_label()
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.details = plain_label()
        self.details.setMinimumWidth(320)
        self.bar = QProgressBar()
        self.bar.setMinimumWidth(240)
        self.bar.setTextVisible(True)
        self.pause_button = QPushButton("Pause")
        self.pause_button.clicked.connect(self._toggle_pause)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(jobs.cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.pause_button)
        layout.addWidget(self.cancel_button)
        jobs.started.connect(self._on_started)
        jobs.progress.connect(self._on_progress)
        jobs.paused_changed.connect(self._on_paused)
        jobs.busy_changed.connect(self.setVisible)
        self.setVisible(jobs.busy)

    def _on_started(self, job: Job) -> None:
        self.title.setText(job.label)
        self.details.setText("Looking for files…")
        self.bar.setRange(0, 0)  # busy until the first file is counted
        can_pause = job.pausable
        self.pause_button.setEnabled(can_pause)
        self.cancel_button.setEnabled(can_pause)
        self._on_paused(False)

    def _on_progress(self, progress: JobProgress) -> None:
        self.bar.setRange(0, max(1, progress.total))
        self.bar.setValue(progress.done)
        paused = " · paused" if self.jobs.paused else ""
        self.details.setText(describe_progress(progress) + paused)

    def _on_paused(self, paused: bool) -> None:
        self.pause_button.setText("Resume" if paused else "Pause")
        if paused:
            self.details.setText(self.details.text().split(" · paused")[0] + " · paused")

    def _toggle_pause(self) -> None:
        if self.jobs.paused:
            self.jobs.resume()
        else:
            self.jobs.pause()
