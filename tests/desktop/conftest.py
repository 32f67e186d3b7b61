"""GUI test fixtures: the real window, the real embedded model, loaded once per session.

Every window gets its own data folder and its own INI settings file under pytest's temporary
directory, so no test reads or writes a real home. The model is loaded once:
`core.library.load_encoder` is replaced, in each window test, by a per-(folder, precision, pooling)
cache kept for the whole session, so each new `Library` reuses it.
"""

from __future__ import annotations

import atexit
import copy
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_HOME = tempfile.mkdtemp(prefix="ponder-desktop-tests-")
# Made at import, before pytest's own temporary folders exist; removed when the run ends.
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
for _var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[_var] = os.path.join(_HOME, _var.lower())
os.environ.pop("PONDER_DATA_DIR", None)

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QObject, QStandardPaths, Qt, QTimer  # noqa: E402

import core.library  # noqa: E402
from core.library import Library  # noqa: E402
from core.map.atlas import LibraryMap, MapPoint, Topic  # noqa: E402
from core.model.encoder import Encoder  # noqa: E402
from core.model.folder import default_model_folder, read_model_folder  # noqa: E402
from core.model.precision import FP32  # noqa: E402
from desktop.background.job import Job  # noqa: E402
from desktop.background.search_controller import SearchResults  # noqa: E402
from desktop.window.app import create_window  # noqa: E402
from desktop.window.main_window import MAP_TAB, MainWindow  # noqa: E402
from desktop.window.resources import samples_dir  # noqa: E402
from desktop.window.settings import Settings  # noqa: E402

QStandardPaths.setTestModeEnabled(True)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
SIZE = (1280, 800)
MODEL_TIMEOUT_MS = 60_000  # loading the model or indexing, on a busy two-core machine
SEARCH_TIMEOUT_MS = 20_000
JOB_TIMEOUT_MS = 120_000
MAP_TIMEOUT_MS = 120_000
GAP_TICK_MS = 10


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The offscreen platform warns that it cannot propagate size hints; that is not ours."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt_log_ignore("propagateSizeHints"))


_LOADED: dict[tuple[str, str], Encoder] = {}  # one model load per (folder, precision)...
_POOLED: dict[tuple[str, str, str], Encoder] = {}  # ...and a copy of it per pooling


def _cached_encoder(folder: Path | str | None = None, pooling: str | None = None, **kw) -> Encoder:
    """`core.library.load_encoder` for the window tests: the same encoder every time."""
    path = Path(folder or default_model_folder()).resolve()
    weights = (str(path), kw.get("precision") or FP32)  # the precision the caller asked for
    key = (*weights, pooling or read_model_folder(path).pooling)
    if key not in _POOLED:
        if weights not in _LOADED:
            _LOADED[weights] = Encoder(path, key[2], **kw)
        # another pooling over the same loaded weights: pooling is a plain attribute
        encoder = copy.copy(_LOADED[weights])
        encoder.pooling = key[2]
        _POOLED[key] = encoder
    return _POOLED[key]


@pytest.fixture(autouse=True)
def shared_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each window test loads the model once for the whole session, not once per `Library`.

    Function-scoped, so the shared encoders never reach a test outside tests/desktop that runs
    after these (slow tests run last): core tests count what their own encoder embedded."""
    monkeypatch.setattr(core.library, "load_encoder", _cached_encoder)


@pytest.fixture(scope="session")
def sample_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the sample library indexed, built once and copied per test."""
    data = tmp_path_factory.mktemp("sample-template") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(core.library, "load_encoder", _cached_encoder)
        library = Library(data)
        library.index([samples_dir()])
        library.close()
    return data


@pytest.fixture
def sample_data(sample_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(sample_template, target)
    return target


def write_notes(folder: Path, count: int, sentences: int = 1) -> Path:
    """Tiny generated notes, one to a few sentences each: cheap to embed, varied to search."""
    topics = [
        ("garden", "The {w} bed by fence {n} needs compost before the spring planting."),
        ("kitchen", "Simmer the {w} soup for {n} minutes so the onions turn sweet."),
        ("travel", "The night train to the {w} coast leaves from platform {n}."),
        ("money", "Put {n} euros aside for the {w} heating bill every month."),
        ("code", "The {w} parser crashes on line {n} when the list is empty."),
        ("history", "In the year {n} the {w} empire traded silk and spices along the coast."),
    ]
    words = ["red", "blue", "quiet", "old", "northern", "little", "copper", "winter"]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        topic, pattern = topics[i % len(topics)]
        body = " ".join(
            pattern.format(w=words[(i + j) % len(words)], n=i + j) for j in range(sentences)
        )
        (folder / f"{i:05d}-{topic}.txt").write_text(body + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def many_notes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 one-line notes for the responsiveness test."""
    return write_notes(tmp_path_factory.mktemp("many") / "notes", 2000)


@pytest.fixture(scope="session")
def some_notes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """400 short notes: big enough that a run is still going when a test interrupts it."""
    return write_notes(tmp_path_factory.mktemp("some") / "notes", 400, sentences=3)


WindowFactory = Callable[..., MainWindow]


@pytest.fixture
def make_window(qtbot, tmp_path: Path) -> Iterator[WindowFactory]:
    """Build a shown 1280x800 main window on `data_dir` with settings in a temporary INI file.

    Built the way the app builds it (`create_window`), process-wide settings included.
    """
    windows: list[MainWindow] = []

    def make(
        data_dir: Path | None = None,
        *,
        settings_file: Path | None = None,
        wait_ready: bool = True,
        resize: bool = True,
        search: str | None = None,
        show: str | None = None,
        **settings_values: object,
    ) -> MainWindow:
        settings = Settings.at(settings_file or tmp_path / "ponder.ini")
        settings.watch_delay_ms = 300
        for key, value in settings_values.items():
            setattr(settings, key, value)
        opened: list[str] = []
        window = create_window(
            data_dir or tmp_path / "data",
            search,
            settings=settings,
            show=show,
            open_url=lambda url: opened.append(url.toLocalFile()) or True,
        )
        window.opened_urls = opened  # type: ignore[attr-defined]
        qtbot.addWidget(window)
        if resize:
            window.resize(*SIZE)
        window.show()
        qtbot.waitExposed(window)
        if wait_ready and not window.session.model_ready:
            with qtbot.waitSignal(window.session.ready, timeout=MODEL_TIMEOUT_MS):
                pass
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


class Gui:
    """Helpers for driving a window, handed to tests as the `gui` fixture."""

    def __init__(self, qtbot) -> None:
        self.qtbot = qtbot

    def search(self, window: MainWindow, query: str) -> SearchResults:
        """Type `query` into the search field and wait for its results."""
        field = window.search_tab.field
        field.clear()
        with self.qtbot.waitSignal(
            window.session.search.results_ready,
            timeout=SEARCH_TIMEOUT_MS,
            check_params_cb=lambda r: r.query == query,
        ) as blocker:
            self.qtbot.keyClicks(field, query)
        return blocker.args[0]

    def job_done(self, window: MainWindow, kind: type[Job] = Job, timeout: int = JOB_TIMEOUT_MS):
        """A `waitSignal` blocker for the next finished `kind` of job; args = (job, result)."""
        return self.qtbot.waitSignal(
            window.session.jobs.finished,
            timeout=timeout,
            check_params_cb=lambda job, _result: isinstance(job, kind),
        )

    def show_map(self, window: MainWindow, timeout: int = MAP_TIMEOUT_MS) -> None:
        """Switch to the Map tab and wait until it shows the library as it is now."""
        tab = window.map_tab
        window.show_tab(MAP_TAB)
        if not tab.up_to_date():
            with self.qtbot.waitSignal(tab.settled, timeout=timeout):
                pass

    @staticmethod
    def screenshot(window: MainWindow, name: str) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        if (window.width(), window.height()) != SIZE:
            window.resize(*SIZE)
        path = SCREENSHOTS / name
        assert window.grab().save(str(path)), f"could not write {path}"
        return path


@pytest.fixture
def gui(qtbot) -> Gui:
    return Gui(qtbot)


class GapMeter(QObject):
    """A 10 ms timer that records the longest time between two of its ticks: how long the
    window's event loop was kept from running."""

    def __init__(self) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(GAP_TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.max_gap = 0.0
        self.ticks = 0

    def start(self) -> None:
        """Start (or resume) measuring; time while stopped does not count as a gap."""
        self.last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.max_gap = max(self.max_gap, now - self.last)
        self.last = now
        self.ticks += 1


@pytest.fixture
def gap_meter() -> Iterator[GapMeter]:
    meter = GapMeter()
    yield meter
    meter.stop()


def fake_library_map(count: int, topics: int = 20, seed: int = 0) -> LibraryMap:
    """A hand-made map: `count` documents in `topics` clusters, over eleven folders (so some
    fall into "other") and five file types."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, size=(topics, 2))
    topic = rng.integers(0, topics, count)
    xy = centres[topic] + rng.normal(scale=1.0, size=(count, 2))
    folders = [f"/home/someone/notes/folder-{i}" for i in range(11)]
    kinds = ["md", "txt", "pdf", "html", "docx"]
    words = ["compost", "tomatoes", "garden", "python", "regex", "train", "lisbon", "budget"]
    points = [
        MapPoint(
            document_id=i + 1,
            path=f"{folders[i % 11]}/note-{i}.{kinds[i % 5]}",
            title=f"Note number {i}",
            folder=folders[i % 11] if i % 3 else folders[0],
            kind=kinds[i % 5],
            x=float(xy[i, 0]),
            y=float(xy[i, 1]),
            topic=int(topic[i]),
        )
        for i in range(count)
    ]
    labels = [
        Topic(
            " · ".join(words[(j + m) % len(words)] for m in range(3)),
            float(centres[j, 0]),
            float(centres[j, 1]),
            int((topic == j).sum()),
        )
        for j in range(topics)
    ]
    return LibraryMap(points, labels, generation=1, method="hand-made", refitted=True)


@pytest.fixture
def fake_map() -> Callable[..., LibraryMap]:
    return fake_library_map
