"""PyInstaller runtime hook: the bundle carries its model, so the Hugging Face libraries stay offline.

Runs before ``launch.py``. ``setdefault`` leaves a value the user set on purpose alone.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
