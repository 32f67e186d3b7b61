"""Numeric precision of the transformer: exact float32, bfloat16, or int8 linear layers.

- `fp32` is exact: sentence-transformers' own numbers (the parity tests run in it).
- `bf16` casts the transformer's weights and activations to bfloat16; pooling and normalisation
  stay float32. On a CPU with bfloat16 matrix units (Intel AMX or AVX512-BF16, AMD Zen 4+) oneDNN
  runs it about 2.5x faster than fp32, and all-MiniLM-L6-v2 keeps its STS-B score (82.04 against
  82.03; every vector within cosine 0.996 of fp32). Without those units bfloat16 is emulated and
  slower than fp32, so it is the default only where the hardware has them.
- `int8` is dynamic quantisation (torch.ao.quantization: per-channel int8 weights, activations
  quantised per batch over their full 8-bit range) of every `nn.Linear` that does not widen its
  input; the widening ones (a feed-forward block's first projection) stay float32. On an AVX2
  CPU (no bfloat16 units) it runs 1.27x fp32 with STS-B 82.00 (fp32 82.03) and SICK-R 77.09
  (77.15). Quantising the widening layers too ran 1.42x but scored 81.75 / 76.95, and torch's
  own 7-bit activations (`reduce_range`, its default) 81.12. It is a choice, not a default.

Vectors made at one precision are close to, but not the same as, those made at another, so a
library records its precision beside its model and pooling and never mixes them.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import ModelError

if TYPE_CHECKING:
    import torch

FP32 = "fp32"
BF16 = "bf16"
INT8 = "int8"
PRECISIONS = (FP32, BF16, INT8)
# On STS-B test (Spearman x 100) with all-MiniLM-L6-v2, 7-bit activations: per-tensor 80.30,
# per-channel 81.07, FFN-only 81.13, every layer but the first and last 81.69. Full 8-bit range,
# per-channel: every layer 81.75, all but the first 81.85, all but the widening ones 82.00.


def check_precision(name: str) -> str:
    if name not in PRECISIONS:
        raise ModelError(f"unknown precision {name!r} (choose from {', '.join(PRECISIONS)})")
    return name


@functools.cache
def fast_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 matrices in hardware (AMX tiles or AVX512-BF16).
    Read from the kernel's CPU flags where it lists them, so that opening a new library (a
    window on an empty folder) never imports torch; else torch's own probes."""
    flags = _cpu_flags()
    if flags is not None:
        return bool(flags & BF16_FLAGS)
    import torch

    cpu = getattr(torch, "cpu", None)
    probes = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    try:
        return any(bool(getattr(cpu, name, lambda: False)()) for name in probes)
    except Exception:  # noqa: BLE001 - a private probe that may change; unknown means no
        return False


BF16_FLAGS = frozenset({"amx_tile", "avx512_bf16"})  # what torch's two probes look for


def _cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str] | None:
    """The first processor's flags as Linux lists them; None where there is no such file."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return frozenset(line.partition(":")[2].split())
    except OSError:
        return None
    return None


def default_precision() -> str:
    """What a new library is built with: bf16 where the hardware runs it fast, else fp32.

    int8 stays a choice: on python-faq it ranked a little worse than fp32 (file-level MRR@10
    fused 0.865 against 0.878, under the 0.87 this project holds itself to)."""
    return BF16 if fast_bf16() else FP32


def apply_precision(model: torch.nn.Module, precision: str) -> torch.nn.Module:
    """`model` itself for fp32, cast for bf16, a copy with int8 dynamic linear layers for int8."""
    import torch

    precision = check_precision(precision)
    if precision == FP32:
        return model
    if precision == BF16:
        return model.to(torch.bfloat16)
    engine = _int8_engine()
    if engine is None:
        raise ModelError("this build of torch cannot run int8 models; use precision fp32")
    torch.backends.quantized.engine = engine
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    narrowing = {
        name: per_channel_dynamic_qconfig
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and module.out_features <= module.in_features
    }
    with warnings.catch_warnings():  # torch warns that torch.ao.quantization is deprecated
        warnings.simplefilter("ignore")
        return quantize_dynamic(
            model, narrowing, dtype=torch.qint8, mapping={torch.nn.Linear: _full_range_linear()}
        )


def _int8_engine() -> str | None:
    import torch

    engines = torch.backends.quantized.supported_engines
    return next((e for e in ("x86", "fbgemm", "qnnpack") if e in engines), None)  # ARM last


@functools.cache
def _full_range_linear() -> type:
    """torch's dynamic int8 linear layer, with activations quantised over all 8 bits.

    torch quantises them to 7 bits (`reduce_range`) so that a pair of products can never
    saturate x86's 16-bit intermediate sums; on all-MiniLM-L6-v2 that cost 0.6 STS-B points,
    while 8 bits lost none measurable (the saturation needs two extreme products side by side).
    """
    import torch
    from torch.ao.nn.quantized.dynamic import Linear

    class FullRangeLinear(Linear):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            packed = self._packed_params._packed_params
            return torch.ops.quantized.linear_dynamic(x, packed, reduce_range=False).to(x.dtype)

    return FullRangeLinear
