"""A new library's precision is chosen without importing torch, and as torch would choose it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.model import precision

ROOT = Path(__file__).resolve().parents[3]


def test_choosing_a_new_library_s_precision_imports_no_torch(tmp_path: Path) -> None:
    """Opening a window on an empty folder asks which precision a new library gets: that must
    not load torch into the window."""
    code = (
        "import sys\n"
        "from core.model.precision import default_precision\n"
        "default_precision()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers')))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.skipif(not Path("/proc/cpuinfo").exists(), reason="no /proc/cpuinfo on this system")
def test_the_cpu_flags_give_torch_s_answer() -> None:
    import torch

    probes = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    torch_says = any(bool(getattr(torch.cpu, name, lambda: False)()) for name in probes)
    assert precision.fast_bf16() == torch_says


def test_flags_are_read_from_the_kernel_s_list(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 amx_tile amx_bf16\n\n")
    assert precision._cpu_flags(cpuinfo) & precision.BF16_FLAGS == {"amx_tile"}
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2\n")
    assert not precision._cpu_flags(cpuinfo) & precision.BF16_FLAGS
    assert precision._cpu_flags(tmp_path / "missing") is None
