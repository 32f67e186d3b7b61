"""Where exported query models are kept, and the key that tells a current one from a stale one.

One folder per key under the user's cache folder (`$PONDER_CACHE_DIR` overrides it), so every
process and every library with the same model finds it. The key hashes the model folder's
content, the pooling and precision, and the versions of the libraries that wrote and run the
file: a model folder that changed, or an upgraded torch or ONNX Runtime, simply has no entry
yet. Hashing a model's weights takes a moment, so the content hash is remembered under the
folder's file names, sizes and modification times. Entries are written whole into a temporary
folder and renamed into place; nothing here imports torch or ONNX Runtime.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import platformdirs

CACHE_ENV = "PONDER_CACHE_DIR"
FORMAT = 2  # bump when the files in an entry change meaning (2: the outputs explanations read)
MODEL_FILE = "model.onnx"
EMBEDDINGS_FILE = "embeddings.npy"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "meta.json"
FAILED_FILE = "failed.json"
# The transformer graph's outputs: a query reads the states; an explanation all three (the
# attention only where the model has a BERT-shaped last layer).
STATES, WORDS, ATTENTION = "last_hidden_state", "word_embeddings", "first_attention"
RETRY_AFTER_S = 24 * 3600  # a failed export is tried again after this long (or on a new key)
_VERSIONED = ("torch", "onnx", "onnxruntime", "tokenizers")


def cache_root() -> Path:
    """$PONDER_CACHE_DIR, else the platform's user cache folder for Ponder."""
    override = os.environ.get(CACHE_ENV)
    base = Path(override).expanduser() if override else platformdirs.user_cache_path("Ponder")
    return base / "query-models"


def cache_key(model_path: Path | str, pooling: str, precision: str) -> str:
    """What an exported model must match to answer for this model, pooling and precision."""
    parts = {
        "format": FORMAT,
        "model": folder_digest(Path(model_path)),
        "pooling": pooling,
        "precision": precision,
        "versions": {name: _version(name) for name in _VERSIONED},
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


def entry_folder(key: str) -> Path:
    return cache_root() / key


def folder_digest(folder: Path) -> str:
    """sha256 over every file's relative name and bytes, remembered under their stat."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    stats = [(str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns) for p in files]
    seen = json.dumps([str(folder.resolve()), stats]).encode()
    memo = cache_root() / "digests" / hashlib.sha256(seen).hexdigest()[:32]
    try:
        return memo.read_text(encoding="ascii").strip()
    except OSError:
        pass
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(folder)).encode("utf-8", "surrogateescape") + b"\0")
        with open(path, "rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    value = digest.hexdigest()
    _write_text(memo, value)
    return value


def write_entry(key: str, build: Callable[[Path], None]) -> Path:
    """Run `build` on an empty temporary folder, then rename it to the key's entry: another
    process sees either no entry or a whole one."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
    try:
        build(work)
        final = entry_folder(key)
        if final.exists():  # a damaged one this process gave up on, or another's: ours is fresh
            discard(final)
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


def discard_others(key: str, same: Callable[[dict], bool]) -> None:
    """Remove every other entry whose meta.json `same` accepts (made for this model folder,
    pooling and precision before the folder changed: no key will ever name it again), and the
    temporary folders of exports that were killed an hour or more ago."""
    root = cache_root()
    try:
        folders = [p for p in root.iterdir() if p.is_dir() and p.name != key]
    except OSError:
        return
    for folder in folders:
        if folder.name.startswith("."):
            if time.time() - folder.stat().st_mtime > 3600:
                shutil.rmtree(folder, ignore_errors=True)
            continue
        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(meta, dict) and same(meta):
            discard(folder)


def discard(folder: Path) -> None:
    """Remove an entry (damaged or stale): renamed aside first so no reader sees half of it."""
    aside = folder.with_name(f".{folder.name}-{os.getpid()}-{time.monotonic_ns()}.old")
    try:
        os.replace(folder, aside)
    except OSError:
        return
    shutil.rmtree(aside, ignore_errors=True)


def record_failure(key: str, reason: str) -> None:
    _write_text(cache_root() / f"{key}.{FAILED_FILE}", json.dumps({"reason": reason}))


def recorded_failure(key: str) -> str | None:
    """Why the last export for `key` failed, while that is recent enough not to try again."""
    path = cache_root() / f"{key}.{FAILED_FILE}"
    try:
        if time.time() - path.stat().st_mtime > RETRY_AFTER_S:
            return None
        return str(json.loads(path.read_text(encoding="utf-8"))["reason"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def clear_failure(key: str) -> None:
    (cache_root() / f"{key}.{FAILED_FILE}").unlink(missing_ok=True)


def _write_text(path: Path, text: str) -> None:
    """Best effort (a read-only cache only costs a recomputation), atomic."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError:
        pass


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"
