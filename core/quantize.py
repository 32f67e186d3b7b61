"""Numeric precision of the transformer: exact float32, or int8 linear layers for speed.

int8 dynamic quantisation (torch.ao.quantization) stores each `nn.Linear` weight as int8 and
quantises activations on the fly, per batch. On a CPU this is where a small BERT spends most of
its time; each output channel gets its own scale (per-channel), which keeps more quality than one
scale per matrix. Embeddings, layer norms and attention softmax stay float32. It costs
all-MiniLM-L6-v2 about one STS-B point, so it is a choice, not the default.

Vectors made at one precision are close to, but not the same as, those made at another, so a
library records its precision beside its model and pooling and never mixes them.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from core.errors import ModelError

if TYPE_CHECKING:
    import torch

FP32 = "fp32"
INT8 = "int8"
PRECISIONS = (FP32, INT8)
# What a new library is built with. int8 is not the default: on STS-B test (Spearman x 100) fp32
# scores 82.03, int8 per-tensor 80.30, per-channel 81.07, FFN-only 81.13, every layer but the
# first and last 81.69: all under the 81.8 floor this project holds itself to.
DEFAULT_PRECISION = FP32


def check_precision(name: str) -> str:
    if name not in PRECISIONS:
        raise ModelError(f"unknown precision {name!r} (choose from {', '.join(PRECISIONS)})")
    return name


def apply_precision(model: torch.nn.Module, precision: str) -> torch.nn.Module:
    """`model` itself for fp32; a copy with int8 dynamic linear layers for int8."""
    if check_precision(precision) == FP32:
        return model
    import torch
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
