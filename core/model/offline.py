"""Keep the Hugging Face libraries from ever reaching for the network.

Imported before transformers by every module that loads a model. Ponder only reads local folders;
these switches make the libraries fail fast instead of trying a hub.
"""

from __future__ import annotations

import os

for _key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ[_key] = "1"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# transformers 5.25+ can swap a model's layers for "hub kernels", code fetched from the Hub; Ponder
# runs only the code it was installed with.
os.environ["USE_HUB_KERNELS"] = "NO"
