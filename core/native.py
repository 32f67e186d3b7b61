"""Settings the native libraries under torch read once, when they first start.

Imported before torch by every module that runs the model. oneDNN (torch's CPU kernels) compiles
a kernel for every new matrix shape and keeps up to 1,024 of them; in bfloat16 each costs about
2 MB, and batches of sentences come in hundreds of shapes, so an indexing run grew by 400 MB or
more for kernels it would never use again. A few dozen recent ones cover the batches in flight
(they arrive sorted by length, so shapes repeat in runs). A value the user set wins.
"""

from __future__ import annotations

import os

KERNEL_CACHE = "32"

os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", KERNEL_CACHE)
os.environ.setdefault("LRU_CACHE_CAPACITY", KERNEL_CACHE)  # ideep's cache, torch's side of it
