"""What the commands print for a person: cut sentences marked as cut, problem files counted by
reason, and the model's loading shown instead of a bar stuck at zero."""

from __future__ import annotations

import io
import json
import shutil
import threading
from pathlib import Path

from cli_support import Ponder

import core.library
from core.control import RunControl
from core.ingest.progress import EMBEDDING, IndexSummary, Progress
from core.library import Library
from core.search.hits import DocumentHit, SentenceHit
from desktop.cli.lines import ELLIPSIS, SENTENCE_WIDTH, clip
from desktop.cli.main import main
from desktop.cli.output import print_hits
from desktop.cli.progress import LOADING, ProgressBar

LONG = " ".join(["the garden and the tomato water"] * 20)  # one sentence, over 600 characters


def test_clip_marks_every_cut() -> None:
    assert clip("short  and\nplain") == "short and plain"
    cut = clip(LONG)
    assert cut.endswith(ELLIPSIS) and len(cut) <= SENTENCE_WIDTH
    assert LONG.startswith(cut[:-1])
    assert not cut[:-1].endswith(" ")
    unbroken = clip("x" * 500)
    assert unbroken == "x" * (SENTENCE_WIDTH - 1) + ELLIPSIS


def test_a_long_sentence_in_the_results_ends_with_an_ellipsis(
    tmp_path: Path, tiny_model: Path, notes: Path, capsys
) -> None:
    # The tiny model's window cuts sentences shorter than a line; a wider one keeps them whole.
    model = Path(shutil.copytree(tiny_model, tmp_path / "wide-model"))
    config = model / "sentence_bert_config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "max_seq_length": 128}))
    ponder = Ponder(tmp_path / "data", model, capsys)
    (notes / "long.txt").write_text(LONG + "\n")
    ponder("index", str(notes))
    code, out, _ = ponder("search", "-k", "10", "the garden and the tomato water")
    assert code == 0
    sentences = [line.strip() for line in out.splitlines() if line.startswith("      ")]
    cut = [s for s in sentences if s.startswith("the garden and the tomato water the garden")]
    assert cut and all(s.endswith(ELLIPSIS) for s in cut), out
    code, out, _ = ponder("related", str(notes / "long.txt"))
    assert any(line.endswith(ELLIPSIS) for line in out.splitlines() if "here:" in line), out


def test_problem_files_are_counted_by_reason(ponder: Ponder, notes: Path) -> None:
    for name in ("a.xyz", "b.qqq", "c.zzz"):  # binary: text under any name would be read
        (notes / name).write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (notes / "empty.md").write_text("")
    (notes / "broken.docx").write_text("not a zip")
    code, out, _ = ponder("index", str(notes))
    assert code == 0
    lines = out.splitlines()
    assert lines[1] == "  skipped 4: unsupported type (3); empty (1)"
    assert lines[2] == "  failed 1: damaged (1)"

    code, out, _ = ponder("status", "--by-reason")
    report = out.splitlines()
    at = report.index("  skipped 3: unsupported type")
    assert report[at + 1 : at + 4] == [f"      {notes / n}" for n in ("a.xyz", "b.qqq", "c.zzz")]
    assert "  failed 1: damaged" in report

    code, out, _ = ponder("status", "--json", "--by-reason")
    reasons = json.loads(out)["reasons"]
    assert [(r["status"], r["reason"], r["count"]) for r in reasons] == [
        ("skipped", "unsupported type", 3),
        ("skipped", "empty", 1),
        ("failed", "damaged", 1),
    ]
    assert reasons[1]["examples"] == [str(notes / "empty.md")]
    assert "reasons" not in json.loads(ponder("status", "--json")[1])


def test_the_model_loading_is_shown_in_a_log(
    tmp_path: Path, tiny_model: Path, notes, capsys, monkeypatch
):
    """While the model loads (on its own thread, beside the reading) the log says so. A model
    already loaded by an earlier test loads at once, so this one takes a moment, as a real one
    does: the three notes are read long before it is ready."""
    real = core.library.load_encoder

    def slow(*args, **kwargs):
        threading.Event().wait(1.0)
        return real(*args, **kwargs)

    monkeypatch.setattr(core.library, "load_encoder", slow)
    argv = ["--data-dir", str(tmp_path / "d"), "--model", str(tiny_model), "index", str(notes)]
    assert main(argv) == 0
    err = capsys.readouterr().err.splitlines()
    assert f"ponder: {LOADING}" in err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_says_the_model_is_loading_until_the_first_file_is_read() -> None:
    stream = _Terminal()
    bar = ProgressBar(quiet=False, stream=stream)
    summary = IndexSummary()
    bar(Progress(0, 500, "", summary, "scanned"))
    bar(Progress(0, 500, "", summary, "loading", 0, 10_000))
    assert LOADING in stream.getvalue().split("\r")[-1]  # the line as redrawn last
    bar(Progress(0, 500, "/notes/a.txt", summary, "reading", 0, 10_000))
    assert LOADING not in stream.getvalue().split("\r")[-1]
    bar.close()


def _hit(path: str, copies: tuple[str, ...]) -> DocumentHit:
    sentence = SentenceHit(0, 0, 12, 1, None, "Fix CVE-2023", 0.5)
    return DocumentHit(1, path, "", 0.5, sentence, sentence.text, 0, [sentence], copies=copies)


def test_a_hit_with_copies_names_them_under_it(capsys) -> None:
    copies = tuple(f"/doc/{p}/changelog" for p in ("libcurl4", "libcurl3-gnutls", "a", "b"))
    print_hits("CVE-2023", [_hit("/doc/curl/changelog", copies[:2]), _hit("/x", ())], False)
    lines = capsys.readouterr().out.splitlines()
    assert lines[2] == "      (also: /doc/libcurl4/changelog, /doc/libcurl3-gnutls/changelog)"
    assert lines[3].startswith(" 2. ") and len(lines) == 5  # no line for a hit without copies
    print_hits("CVE-2023", [_hit("/doc/curl/changelog", copies)], False)
    assert capsys.readouterr().out.splitlines()[2].endswith("/doc/a/changelog and 1 more)")


def test_status_says_how_many_documents_wait_for_their_meaning(ponder, notes: Path) -> None:
    """A run stopped between its two phases leaves documents found by their words only: status
    counts them and says what embeds them."""
    control = RunControl()

    def stop_at_embedding(p: Progress) -> None:
        if p.stage == EMBEDDING:
            control.cancel()

    library = Library(ponder.data, ponder.model)
    assert library.index([notes], progress=stop_at_embedding, control=control).cancelled
    library.close()
    code, out, _ = ponder("status")
    assert code == 0
    assert (
        "meaning:   3 documents found by their words only so far; "
        "the next `ponder index` or `ponder refresh` embeds them"
    ) in out.splitlines()
    assert ponder("refresh")[0] == 0
    assert "meaning:" not in ponder("status")[1]
