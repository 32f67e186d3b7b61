"""`ponder map`: the window's map on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli.main import main

NOTES = {
    "garden": ["Water the tomatoes in the morning.", "Compost feeds the soil in spring."],
    "trains": ["The night train leaves at eleven.", "Change trains at the central station."],
}


@pytest.mark.slow(seconds=30)  # a t-SNE child process, started and fed
def test_map_json_gives_each_document_a_position_and_group_and_the_groups_labels(
    tiny_model: Path, tmp_path: Path, capsys
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, sentences in NOTES.items():
        for i in range(4):
            (notes / f"{name}-{i}.txt").write_text(f"{sentences[i % 2]} Note {i} on {name}.\n")
    data = ["--library", str(tmp_path / "data"), "--model", str(tiny_model), "-q"]
    assert main([*data, "index", str(notes)]) == 0
    capsys.readouterr()
    assert main([*data, "map", "--json"]) == 0
    out, err = capsys.readouterr()
    got = json.loads(out)
    assert {Path(d["path"]).name for d in got["documents"]} == {p.name for p in notes.iterdir()}
    ids = {g["id"] for g in got["groups"]}
    for document in got["documents"]:
        assert isinstance(document["x"], float) and isinstance(document["y"], float)
        assert document["group"] in ids | {-1}
    assert all(isinstance(g["label"], str) and g["label"] for g in got["groups"])
    assert len({g["label"] for g in got["groups"]}) == len(got["groups"])
    assert main([*data, "map"]) == 0  # and as text: each group with its documents
    text = capsys.readouterr().out
    assert all(g["label"] in text for g in got["groups"])
