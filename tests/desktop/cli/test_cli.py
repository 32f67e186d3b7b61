"""The `ponder` command line, driven through `desktop.cli.main` with the tiny model."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import Ponder, one_line_error

from desktop.cli.main import main

SUMMARY_FIELDS = ("indexed", "unchanged", "moved", "removed", "skipped", "failed")


def _summary(line: str) -> dict[str, int]:
    parts = dict(part.split(" ") for part in line.split(", "))
    assert tuple(parts) == SUMMARY_FIELDS
    return {k: int(v) for k, v in parts.items()}


# -- index, refresh, rebuild ------------------------------------------------------------------


def test_index_prints_a_summary(ponder: Ponder, notes: Path) -> None:
    code, out, err = ponder("index", str(notes))
    assert code == 0
    assert _summary(out.splitlines()[0]) == {
        "indexed": 3,
        "unchanged": 0,
        "moved": 0,
        "removed": 0,
        "skipped": 0,
        "failed": 0,
    }
    assert err == ""  # -q: no progress bar
    code, out, _ = ponder("index", str(notes / "bread.txt"), str(notes))
    assert code == 0
    assert _summary(out.splitlines()[0])["unchanged"] == 4  # bread.txt is visited twice
    assert _summary(out.splitlines()[0])["indexed"] == 0


def test_index_shows_a_progress_bar_without_quiet(tmp_path, tiny_model, notes, capsys) -> None:
    argv = ["--data-dir", str(tmp_path / "d"), "--model", str(tiny_model), "index", str(notes)]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out.startswith("indexed 3, ")
    assert "file" in err  # tqdm's unit, on stderr only


def test_index_reports_problems(ponder: Ponder, notes: Path) -> None:
    (notes / "broken.docx").write_text("not a zip")
    (notes / "empty.md").write_text("")
    code, out, _ = ponder("index", str(notes))
    assert code == 0
    lines = out.splitlines()
    assert _summary(lines[0])["skipped"] == 1
    assert _summary(lines[0])["failed"] == 1
    assert f"  failed: {notes / 'broken.docx'}: not a valid .docx (not a zip archive)" in lines
    assert f"  skipped: {notes / 'empty.md'}: empty" in lines


def test_refresh_and_rebuild(indexed: Ponder, notes: Path) -> None:
    (notes / "bread.txt").write_text("Bread is best eaten fresh.\n")
    code, out, _ = indexed("refresh", model=False)
    assert code == 0
    assert _summary(out.splitlines()[0])["indexed"] == 1

    code, out, _ = indexed("--pooling", "max", "rebuild")
    assert code == 0
    assert "pooling max, precision " in out.splitlines()[0]
    assert _summary(out.splitlines()[1])["indexed"] == 3
    code, out, _ = indexed("status", "--json", model=False)
    assert json.loads(out)["pooling"] == "max"


# -- search -----------------------------------------------------------------------------------


def test_search_json(indexed: Ponder, notes: Path) -> None:
    code, out, _ = indexed("search", "The garden is big.", "-k", "3", "--json", model=False)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 1
    answer = json.loads(lines[0])
    assert answer["query"] == "The garden is big."
    results = answer["results"]
    assert {Path(r["path"]).name for r in results} == {p.name for p in notes.iterdir()}  # k=3
    assert (results[0]["path"], results[0]["sentence"]) == (
        str(notes / "garden.txt"),
        "The garden is big.",
    )  # the sentence asked for, word for word, comes first
    for result in results:
        assert {"path", "score", "sentence", "start", "end", "line"} <= set(result)
        offset = result["context_start"]
        in_context = result["context"][result["start"] - offset : result["end"] - offset]
        assert in_context == result["sentence"]  # offsets point into the document text
        if result["path"].endswith(".txt"):  # plain text: the document text is the file
            in_file = Path(result["path"]).read_text()[result["start"] : result["end"]]
            assert in_file == result["sentence"]
        assert -1.0 <= result["score"] <= 1.0 + 1e-6
    top = results[0]
    assert top["path"] == str(notes / "garden.txt")
    assert top["sentence"] == "The garden is big."
    assert (top["start"], top["end"], top["line"]) == (25, 43, 2)
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)


def test_search_text_output(indexed: Ponder, notes: Path) -> None:
    code, out, _ = indexed("search", "Bake the bread in the oven at night.", "-k", "1")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(" 1. ")
    assert f"{notes / 'bread.txt'}  [line 1]" in lines[0]
    assert lines[1].strip() == "Bake the bread in the oven at night."


def test_a_newline_in_a_file_name_stays_on_its_line(ponder: Ponder, notes: Path) -> None:
    (notes / "two\nlines.txt").write_text("Bake the bread in the oven at night, twice.\n")
    (notes / "bad\nname.docx").write_text("not a zip")
    ponder("index", str(notes))
    code, out, _ = ponder("search", "bread in the oven, twice", "-k", "1")
    assert code == 0
    assert f"{notes}/two\\nlines.txt  [line 1]" in out.splitlines()[0]
    _, out, _ = ponder("status")
    assert f"  failed: {notes}/bad\\nname.docx: not a valid .docx (not a zip archive)" in (
        out.splitlines()
    )


def test_search_reads_queries_from_stdin(indexed: Ponder, notes: Path, monkeypatch) -> None:
    """One answer line per question line, blank ones too, so they can be pasted side by side."""
    lines = ["Water the tomato garden.", "", "   ", "The train to Paris was late."]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    code, out, _ = indexed("search", "--json", "-k", "2", model=False)
    assert code == 0
    answers = [json.loads(line) for line in out.splitlines()]
    assert [a["query"] for a in answers] == lines
    assert answers[0]["results"][0]["path"] == str(notes / "garden.txt")
    assert answers[1]["results"] == answers[2]["results"] == []
    assert answers[3]["results"][0]["path"] == str(notes / "train.md")
    assert all(len(a["results"]) <= 2 for a in answers)


def test_search_without_query_needs_json(indexed: Ponder) -> None:
    code, _, err = indexed("search")
    assert code == 2
    one_line_error(err, "--json")


def test_search_k_must_be_positive(indexed: Ponder) -> None:
    code, _, err = indexed("search", "bread", "-k", "0")
    assert code == 2
    one_line_error(err, "-k must be at least 1")


def test_search_without_a_library_neither_creates_one_nor_searches(
    ponder: Ponder, tmp_path: Path
) -> None:
    code, out, err = ponder("search", "anything")
    assert code == 2
    assert out == ""
    one_line_error(err, "no library in", "ponder index")
    assert not (tmp_path / "data").exists()


def test_search_on_an_empty_library(ponder: Ponder, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert ponder("index", str(tmp_path / "empty"))[0] == 0
    code, out, err = ponder("search", "anything")
    assert code == 2
    assert out == ""
    one_line_error(err, "the library is empty", "ponder index")


# -- status, remove ---------------------------------------------------------------------------


def test_status_lists_failed_files_with_reasons(ponder: Ponder, notes: Path) -> None:
    (notes / "broken.docx").write_text("not a zip")
    (notes / "noise.txt").write_bytes(b"\x00\x01\x02\x03" * 64)
    ponder("index", str(notes))
    code, out, _ = ponder("status")
    assert code == 0
    lines = out.splitlines()
    assert any(line.startswith("library:   ") and "MB on disk" in line for line in lines)
    assert any(line.startswith("pooling:   mean, 32 dimensions") for line in lines)
    assert f"folder:    {notes}" in lines
    documents = next(line for line in lines if line.startswith("documents:"))
    assert "3 indexed, 0 pending, 1 skipped, 1 failed" in documents
    assert f"  failed: {notes / 'broken.docx'}: not a valid .docx (not a zip archive)" in lines
    assert f"  skipped: {notes / 'noise.txt'}: binary content, not text" in lines

    code, out, _ = ponder("status", "--json")
    status = json.loads(out)
    assert status["counts"]["indexed"] == 3
    assert status["dimension"] == 32
    assert status["model_path"] == str(ponder.model.resolve())
    assert {"path": str(notes / "broken.docx"), "status": "failed"}.items() <= (
        status["problems"][0].items()
    )
    assert status["problems"][0]["reason"].startswith("not a valid .docx")


def test_remove_file_then_folder(indexed: Ponder, notes: Path) -> None:
    code, out, _ = indexed("remove", str(notes / "bread.txt"))
    assert (code, out) == (0, "removed 1 document\n")
    code, out, _ = indexed("search", "Bake the bread in the oven at night.", "--json")
    assert str(notes / "bread.txt") not in [r["path"] for r in json.loads(out)["results"]]
    code, out, _ = indexed("remove", str(notes))
    assert (code, out) == (0, "removed 2 documents\n")
    code, out, _ = indexed("status", "--json")
    status = json.loads(out)
    assert status["counts"]["indexed"] == status["counts"]["sentences"] == 0
    assert status["roots"] == []


# -- compare, eval, eval-sts ------------------------------------------------------------------


def test_compare_all_poolings(ponder: Ponder) -> None:
    code, out, _ = ponder(
        "compare", "the dog chased the cat", "the cat chased the dog", "--pooling", "all", "--json"
    )
    assert code == 0
    scores = json.loads(out)
    assert list(scores) == ["mean", "cls", "max", "mean_sqrt_len", "static_mean"]
    assert all(-1.0 - 1e-6 <= s <= 1.0 + 1e-6 for s in scores.values())
    assert scores["static_mean"] == pytest.approx(1.0, abs=1e-6)  # a bag of words
    assert scores["mean"] < 0.9999  # word order seen


def test_compare_one_pooling_as_text(ponder: Ponder) -> None:
    code, out, _ = ponder("compare", "bread", "oven", "--pooling", "max")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 1
    name, score = lines[0].split()[:2]
    assert name == "max"
    assert -1.0 <= float(score) <= 1.0


def test_eval_sts(ponder: Ponder, tmp_path: Path) -> None:
    tsv = tmp_path / "sts.tsv"
    rows = [
        ("the dog chased the cat", "the dog chased the cat", "5.0"),
        ("bake the bread in the oven", "bake the bread", "4.0"),
        ("water the garden", "the garden is wet", "3.0"),
        ("the train to paris", "a night train", "2.0"),
        ("money and budget", "the cat sat on the mat", "0.5"),
        ("run the code", "the tomato garden", "0.0"),
    ]
    tsv.write_text("sentence1\tsentence2\tscore\n" + "".join("\t".join(r) + "\n" for r in rows))
    code, out, _ = ponder("eval-sts", str(tsv), "--json")
    assert code == 0
    results = json.loads(out)
    assert list(results) == ["mean"]
    assert set(results["mean"]) == {"spearman", "pearson"}
    assert all(-100 <= v <= 100 for v in results["mean"].values())

    code, out, _ = ponder("eval-sts", str(tsv), "--pooling", "all")
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "mean",
        "cls",
        "max",
        "mean_sqrt_len",
        "static_mean",
    ]
    assert all("Spearman x100" in line for line in lines)


def test_eval_sts_bad_file(ponder: Ponder, tmp_path: Path) -> None:
    tsv = tmp_path / "bad.tsv"
    tsv.write_text("a\tb\tc\nx\ty\t1\n")
    code, _, err = ponder("eval-sts", str(tsv))
    assert code == 1
    one_line_error(err, "cannot read STS file", "header")


def _beir(folder: Path) -> Path:
    docs = {
        "d1": "Bake the bread in the oven at night.",
        "d2": "Water the tomato garden.",
        "d3": "The train to Paris was late.",
    }
    folder.mkdir()
    (folder / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": k, "title": "", "text": v}) + "\n" for k, v in docs.items())
    )
    queries = {"q1": docs["d2"], "q2": docs["d3"], "q3": "not judged"}
    (folder / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": k, "text": v}) + "\n" for k, v in queries.items())
    )
    (folder / "qrels").mkdir()
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td2\t1\nq2\td3\t1\n")
    return folder


def test_eval_beir_folder(ponder: Ponder, tmp_path: Path) -> None:
    folder = _beir(tmp_path / "beir")
    code, out, _ = ponder("eval", str(folder), "--json")
    assert code == 0
    metrics = json.loads(out)["mean"]
    assert metrics["nDCG@10"] == pytest.approx(1.0)  # each query is its document's text
    assert metrics["MRR@10"] == pytest.approx(1.0)
    assert metrics["Recall@100"] == pytest.approx(1.0)

    code, out, _ = ponder("eval", str(folder), "--pooling", "mean")
    assert code == 0
    assert out.startswith("mean ")
    assert "nDCG@10 1.0000" in out


def test_eval_not_a_beir_folder(ponder: Ponder, tmp_path: Path) -> None:
    code, _, err = ponder("eval", str(tmp_path))
    assert code == 1
    one_line_error(err, "is not a BEIR folder")


# -- errors: one line, no traceback -----------------------------------------------------------


def test_missing_path(ponder: Ponder, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    for args in (("index", str(missing)), ("eval", str(missing)), ("eval-sts", str(missing))):
        code, out, err = ponder(*args)
        assert code == 2
        assert out == ""
        one_line_error(err, f"no such file or folder: {missing}")


def test_unknown_pooling(ponder: Ponder, notes: Path) -> None:
    code, _, err = ponder("compare", "a", "b", "--pooling", "nope")
    assert code == 2
    one_line_error(err, "unknown pooling 'nope'", "static_mean")
    code, _, err = ponder("eval-sts", str(notes / "bread.txt"), "--pooling", "nope")
    assert code == 2
    one_line_error(err, "unknown pooling 'nope'")
    with pytest.raises(SystemExit) as caught:  # the global option is checked by argparse
        main(["--data-dir", str(ponder.data), "--pooling", "nope", "index", str(notes)])
    assert caught.value.code == 2
    _, err = ponder.capsys.readouterr()
    assert "invalid choice: 'nope'" in err
    assert "Traceback" not in err


def test_other_pooling_than_the_library_asks_for_a_rebuild(indexed: Ponder) -> None:
    code, _, err = indexed("--pooling", "cls", "search", "bread")
    assert code == 1
    one_line_error(err, "rebuild")


def test_precision_is_chosen_for_a_new_library_and_changed_only_by_rebuild(
    ponder: Ponder, notes: Path
) -> None:
    assert ponder("--precision", "int8", "index", str(notes))[0] == 0
    code, out, _ = ponder("status", "--json", model=False)
    assert json.loads(out)["precision"] == "int8"
    code, _, err = ponder("--precision", "fp32", "search", "bread")
    assert code == 1
    one_line_error(err, "rebuild")
    code, out, _ = ponder("--precision", "fp32", "rebuild")
    assert code == 0 and "precision fp32," in out.splitlines()[0]
    code, out, _ = ponder("search", "bread", "--json")
    assert code == 0 and json.loads(out)
    assert json.loads(ponder("status", "--json", model=False)[1])["precision"] == "fp32"


def test_context_is_chosen_for_a_new_library_and_changed_only_by_rebuild(
    ponder: Ponder, notes: Path
) -> None:
    assert ponder("index", str(notes))[0] == 0
    code, out, _ = ponder("status", "--json", model=False)
    assert json.loads(out)["context"] == "late"  # the tiny model pools by mean
    code, _, err = ponder("--context", "alone", "search", "bread")
    assert code == 1
    one_line_error(err, "rebuild")
    code, out, _ = ponder("--context", "alone", "rebuild")
    assert code == 0 and out.splitlines()[0].endswith("sentences embedded alone")
    assert json.loads(ponder("status", "--json", model=False)[1])["context"] == "alone"
    code, out, _ = ponder("search", "bread", "--json")
    assert code == 0 and json.loads(out)


def test_bad_model_folder(ponder: Ponder, notes: Path, tmp_path: Path) -> None:
    code, _, err = ponder("--model", str(tmp_path / "nope"), "index", str(notes), model=False)
    assert code == 1
    one_line_error(err, "model folder not found")


def test_data_dir_from_environment(tiny_model, notes, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PONDER_DATA_DIR", str(tmp_path / "env-data"))
    assert main(["-q", "--model", str(tiny_model), "index", str(notes)]) == 0
    assert (tmp_path / "env-data" / "library.sqlite3").is_file()
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["data_dir"] == str(tmp_path / "env-data")


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.startswith("ponder ")


def test_console_error_has_no_traceback(tmp_path: Path) -> None:
    """The real process: a missing path is one line on stderr and exit status 2."""
    done = subprocess.run(
        [sys.executable, "-m", "desktop.cli.main", "--data-dir", str(tmp_path / "d"), "index",
         str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"ponder: error: no such file or folder: {tmp_path / 'missing'}\n"


def test_paths_and_file_uris_without_a_command_are_opened_in_the_window(tmp_path) -> None:
    from desktop.cli.main import build_parser, split_open_targets

    note = tmp_path / "a note.md"
    note.write_text("hello")
    commands = build_parser().command_names
    uri = "file://" + str(note).replace(" ", "%20")
    assert split_open_targets(["--data-dir", "d", uri, str(tmp_path)], commands) == (
        ["--data-dir", "d"],
        [str(note), str(tmp_path)],
    )
    # a sub-command, or a word that is no path (a typo), is left to the parser
    assert split_open_targets(["search", str(note)], commands) == (["search", str(note)], [])
    assert split_open_targets(["serach", "q"], commands) == (["serach", "q"], [])
