"""Settings the native libraries under torch read once, when they first start.

Imported before torch by every module that runs the model. oneDNN (torch's CPU kernels) compiles
a kernel for every new matrix shape and keeps up to 1,024 of them; in bfloat16 each costs about
2 MB, and batches of sentences come in hundreds of shapes, so an indexing run grew by 400 MB or
more for kernels it would never use again. A few dozen recent ones cover the batches in flight
(they arrive sorted by length, so shapes repeat in runs).

The tokenizer's own thread pool is off: torch's threads already use every core, and the indexer
tokenises on its reader thread beside them, where a second pool of busy threads only takes turns
from the encoder (core/pipeline.py). A value the user set wins.
"""

from __future__ import annotations

import os

KERNEL_CACHE = "32"

os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", KERNEL_CACHE)
os.environ.setdefault("LRU_CACHE_CAPACITY", KERNEL_CACHE)  # ideep's cache, torch's side of it
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
