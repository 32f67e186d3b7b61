"""Numeric precision of the transformer: exact float32, bfloat16, or int8 linear layers.

- `fp32` is exact: sentence-transformers' own numbers (the parity tests run in it).
- `bf16` casts the transformer's weights and activations to bfloat16; pooling and normalisation
  stay float32. On a CPU with bfloat16 matrix units (Intel AMX or AVX512-BF16, AMD Zen 4+) oneDNN
  runs it about 2.5x faster than fp32, and all-MiniLM-L6-v2 keeps its STS-B score (82.04 against
  82.03; every vector within cosine 0.996 of fp32). Without those units bfloat16 is emulated and
  slower than fp32, so it is the default only where the hardware has them.
- `int8` is dynamic quantisation of every `nn.Linear` (torch.ao.quantization, per-channel
  weights, activations quantised per batch). It costs about one STS-B point, so it is a choice.

Vectors made at one precision are close to, but not the same as, those made at another, so a
library records its precision beside its model and pooling and never mixes them.
"""

from __future__ import annotations

import functools
import warnings
from typing import TYPE_CHECKING

from core.errors import ModelError

if TYPE_CHECKING:
    import torch

FP32 = "fp32"
BF16 = "bf16"
INT8 = "int8"
PRECISIONS = (FP32, BF16, INT8)
# On STS-B test (Spearman x 100) with all-MiniLM-L6-v2: fp32 82.03, bf16 82.04; int8 per-tensor
# 80.30, per-channel 81.07, FFN-only 81.13, every layer but the first and last 81.69 -- all int8
# variants under the 81.8 floor this project holds itself to.


def check_precision(name: str) -> str:
    if name not in PRECISIONS:
        raise ModelError(f"unknown precision {name!r} (choose from {', '.join(PRECISIONS)})")
    return name


@functools.cache
def fast_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 matrices in hardware (AMX tiles or AVX512-BF16)."""
    import torch

    cpu = getattr(torch, "cpu", None)
    probes = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    try:
        return any(bool(getattr(cpu, name, lambda: False)()) for name in probes)
    except Exception:  # noqa: BLE001 - a private probe that may change; unknown means no
        return False


def default_precision() -> str:
    """What a new library is built with: bf16 where the hardware runs it fast, else fp32."""
    return BF16 if fast_bf16() else FP32


def apply_precision(model: torch.nn.Module, precision: str) -> torch.nn.Module:
    """`model` itself for fp32, cast for bf16, a copy with int8 dynamic linear layers for int8."""
    import torch

    precision = check_precision(precision)
    if precision == FP32:
        return model
    if precision == BF16:
        return model.to(torch.bfloat16)
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    engines = torch.backends.quantized.supported_engines
    for engine in ("x86", "fbgemm", "qnnpack"):  # x86 servers first, ARM last
        if engine in engines:
            torch.backends.quantized.engine = engine
            break
    else:
        raise ModelError("this build of torch cannot run int8 models; use precision fp32")
    with warnings.catch_warnings():  # torch warns that torch.ao.quantization is deprecated
        warnings.simplefilter("ignore")
        return quantize_dynamic(
            model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8
        )
