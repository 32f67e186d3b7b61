"""EPUB, ODT, RTF, e-mail, notebooks and LaTeX: each read right, indexed, found, and refused with
a reason when damaged, while the rest of its folder still indexes."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from support_formats import make_email, make_epub, make_mbox, make_odt

from core.errors import ExtractionFailed, SkipFile
from core.extract import extract, limits
from core.library import Library
from core.model.passages import ALONE
from core.records import Status

RTF = (
    r"{\rtf1\ansi{\fonttbl\f0\fswiss Helvetica;}{\info{\title Bread recipe}}\f0\pard "
    r"Knead the dough {\b well} for ten minutes.\par Bake the loaf in a hot oven. Caf\'e9 style."
    r"\par}"
)
LATEX = r"""\documentclass{article}
\usepackage{amsmath}
\title{Tidal \emph{energy} notes}
\begin{document}
\maketitle
% a comment that is not text
\section{Why the sea rises}
The tides are raised by the \textbf{moon} and its gravity~\cite{doodson}.
\subsection*{Formula}
The force falls with the cube of the distance, $F \propto d^{-3}$.
\end{document}
"""
NOTEBOOK = {
    "nbformat": 4,
    "nbformat_minor": 5,
    "metadata": {},
    "cells": [
        {
            "cell_type": "markdown", "metadata": {},
            "source": ["# Fitting curves\n", "We fit a *line* to the points."],
        },
        {
            "cell_type": "code", "metadata": {}, "execution_count": 1,
            "source": ["import numpy as np\n", "slope = np.polyfit(x, y, 1)"],
            "outputs": [{"output_type": "stream", "name": "stdout", "text": "SECRET OUTPUT"}],
        },
    ],
}  # fmt: skip
ODT_BODY = (
    '<text:h text:outline-level="1">Gardening</text:h>'
    '<text:p>Tomatoes like<text:s text:c="2"/>sun.<text:note>'
    "<text:note-citation>1</text:note-citation><text:note-body><text:p>Lots of it.</text:p>"
    "</text:note-body></text:note> Water them daily.</text:p>"
    "<text:list><text:list-item><text:p>basil</text:p></text:list-item>"
    "<text:list-item><text:p>mint</text:p></text:list-item></text:list>"
    "<table:table><table:table-row><table:table-cell><text:p>seed</text:p></table:table-cell>"
    "<table:table-cell><text:p>March</text:p></table:table-cell></table:table-row></table:table>"
)


def _files(folder: Path) -> dict[str, str]:
    """A small real file of each new format in `folder`; name -> a sentence that finds it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tides.epub").write_bytes(
        make_epub(["Ebb and flow\nThe tide goes out twice a day.", "Neap tides\nThey are weak."])
    )
    (folder / "garden.odt").write_bytes(make_odt(ODT_BODY, title="Garden notes"))
    (folder / "bread.rtf").write_text(RTF)
    (folder / "lunch.eml").write_bytes(
        bytes(
            make_email(
                "Lunch on Friday?", "Shall we meet at the harbour at noon?\nBring the report."
            )
        )
    )
    make_mbox(folder / "inbox.mbox", [
        make_email("Boat trip", "From the pier the boat leaves at dawn."),
        make_email("Invoice", "The invoice for the sails is attached to this mail."),
    ])  # fmt: skip
    (folder / "fit.ipynb").write_text(json.dumps(NOTEBOOK))
    (folder / "tides.tex").write_text(LATEX)
    return {
        "tides.epub": "The tide goes out twice a day.",
        "garden.odt": "Water them daily.",
        "bread.rtf": "Bake the loaf in a hot oven.",
        "lunch.eml": "Shall we meet at the harbour at noon?",
        "fit.ipynb": "We fit a line to the points.",
        "tides.tex": "The tides are raised by the moon and its gravity.",
    }


# --- extraction: text, title ------------------------------------------------------------------


def test_epub_chapters_in_spine_order_with_the_metadata_title(tmp_path: Path) -> None:
    _files(tmp_path)
    got = extract(tmp_path / "tides.epub")
    assert (got.kind, got.title) == ("epub", "Tide Tables")
    assert (
        got.text == "Ebb and flow\n\nThe tide goes out twice a day.\n\nNeap tides\n\nThey are weak."
    )
    untitled = tmp_path / "untitled.epub"
    untitled.write_bytes(make_epub(["First light\nDawn comes early."], title=None))
    assert extract(untitled).title == "First light"  # no metadata title: the first heading


def test_odt_blocks_lists_tables_and_notes_in_place(tmp_path: Path) -> None:
    _files(tmp_path)
    got = extract(tmp_path / "garden.odt")
    assert (got.kind, got.title) == ("odt", "Garden notes")
    assert got.text == (
        "Gardening\n\nTomatoes like  sun. Lots of it. Water them daily.\n\n- basil\n- mint\n\n"
        "seed | March"
    )
    bare = tmp_path / "bare.odt"
    bare.write_bytes(make_odt(ODT_BODY))
    assert extract(bare).title == "Gardening"  # no metadata title: the first heading


def test_rtf_text_and_info_title(tmp_path: Path) -> None:
    _files(tmp_path)
    got = extract(tmp_path / "bread.rtf")
    assert (got.kind, got.title) == ("rtf", "Bread recipe")
    assert (
        got.text
        == "Knead the dough well for ten minutes.\nBake the loaf in a hot oven. Café style."
    )


def test_eml_headers_and_body_with_the_subject_as_title(tmp_path: Path) -> None:
    _files(tmp_path)
    got = extract(tmp_path / "lunch.eml")
    assert (got.kind, got.title) == ("email", "Lunch on Friday?")
    assert got.text == (
        "Subject: Lunch on Friday?\nFrom: Ann <ann@example.org>\nTo: Bob <bob@example.org>\n"
        "Date: Tue, 01 Dec 2026 10:00:00 +0000\n\nShall we meet at the harbour at noon?\n"
        "Bring the report."
    )


def test_html_only_email_is_read_as_a_page(tmp_path: Path) -> None:
    message = make_email("Menu", "")
    message.set_content("<p>Soup <b>and</b> bread.</p><script>x()</script>", subtype="html")
    path = tmp_path / "menu.eml"
    path.write_bytes(bytes(message))
    assert extract(path).text.endswith("\n\nSoup and bread.")


def test_mbox_is_one_part_per_message_each_titled_by_its_subject(tmp_path: Path) -> None:
    _files(tmp_path)
    got = extract(tmp_path / "inbox.mbox")
    assert got.text == "" and got.title == "inbox"
    assert [p.title for p in got.parts] == ["Boat trip", "Invoice"]
    # mbox escapes a body line beginning "From "; the message gets it back
    assert got.parts[0].text.endswith("\n\nFrom the pier the boat leaves at dawn.")
    assert all(p.kind == "email" for p in got.parts)


def test_notebook_markdown_and_code_cells_without_outputs(tmp_path: Path) -> None:
    _files(tmp_path)
    got = extract(tmp_path / "fit.ipynb")
    assert (got.kind, got.title) == ("notebook", "Fitting curves")
    assert got.text == (
        "Fitting curves\n\nWe fit a line to the points.\n\nimport numpy as np\n"
        "slope = np.polyfit(x, y, 1)"
    )
    assert "SECRET" not in got.text


def test_latex_text_without_markup_keeps_section_titles(tmp_path: Path) -> None:
    _files(tmp_path)
    got = extract(tmp_path / "tides.tex")
    assert (got.kind, got.title) == ("latex", "Tidal energy notes")
    assert "Why the sea rises\n\n" in got.text and "Formula\n\n" in got.text
    assert "The tides are raised by the moon and its gravity." in got.text  # \cite{} dropped
    words, math = got.text.split("$", 1)
    assert math == "F \\propto d^{-3}$."  # math stays as written, to be found by its symbols
    for markup in ("\\", "documentclass", "maketitle", "comment", "doodson", "{"):
        assert markup not in words
    untitled = tmp_path / "plain.tex"
    untitled.write_text("\\section{Only a section}\nSome words.")
    assert extract(untitled).title == "Only a section"


# --- damaged files ----------------------------------------------------------------------------


def _damaged(folder: Path) -> dict[str, str]:
    """A damaged file of each new format; name -> the reason it must be given."""
    folder.mkdir(parents=True, exist_ok=True)
    good = make_epub(["A\nB."])
    (folder / "cut.epub").write_bytes(good[: len(good) // 2])
    no_container = tmp_zip(folder / "nocontainer.epub", {"mimetype": "application/epub+zip"})
    (folder / "badxml.odt").write_bytes(make_odt("<text:p>unclosed"))  # not well formed XML
    (folder / "cut.rtf").write_text(RTF[: len(RTF) // 2])
    (folder / "junk.eml").write_bytes(b"\x89PNG not a message at all\n\nbinary")
    (folder / "junk.mbox").write_bytes(b"Subject: no From line first\n\nbody\n")
    (folder / "cut.ipynb").write_text(json.dumps(NOTEBOOK)[:40])
    (folder / "binary.tex").write_bytes(bytes(range(256)) * 4)
    return {
        "cut.epub": "not a valid EPUB (not a zip archive)",
        no_container.name: "not a valid EPUB (no META-INF/container.xml)",
        "badxml.odt": "damaged .odt content",
        "cut.rtf": "damaged or truncated RTF (its groups do not close)",
        "junk.eml": "not an e-mail message (no From, To, Subject or Date header)",
        "junk.mbox": 'not an mbox mailbox (it does not begin with a "From " line)',
        "cut.ipynb": "damaged notebook (invalid JSON",
        "binary.tex": "binary content, not text",
    }


def tmp_zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def test_each_damaged_file_is_refused_with_its_reason(tmp_path: Path) -> None:
    for name, reason in _damaged(tmp_path).items():
        with pytest.raises((ExtractionFailed, SkipFile)) as caught:
            extract(tmp_path / name)
        assert str(caught.value).startswith(reason), name


def test_a_mailbox_keeps_the_messages_it_can_read(tmp_path: Path) -> None:
    path = tmp_path / "mixed.mbox"
    good = bytes(make_email("Fine", "This one reads well."))
    path.write_bytes(b"From a@b Tue Dec  1 10:00:00 2026\n" + good + b"\nFrom x Tue\nno headers\n")
    got = extract(path)
    assert [p.title for p in got.parts] == ["Fine"]
    assert got.note == "1 of 2 could not be read"


# --- indexed and found, with offsets into the stored text -------------------------------------


def test_each_format_is_indexed_found_and_highlighted_while_damaged_ones_get_reasons(
    tmp_path: Path, tiny_model: Path
) -> None:
    notes = tmp_path / "notes"
    wanted = _files(notes)
    damaged = _damaged(notes / "damaged")
    library = Library(tmp_path / "data", tiny_model, context=ALONE)  # a sentence finds itself
    summary = library.index([notes])
    assert summary.indexed == len(wanted) + 1  # and the mailbox
    assert summary.failed + summary.skipped == len(damaged)
    store = library.catalog.store
    for name, reason in damaged.items():
        row = store.document(str(notes / "damaged" / name))
        assert row is not None and row.status in (Status.FAILED, Status.SKIPPED), name
        assert row.reason is not None and row.reason.startswith(reason), name
    for name, sentence in wanted.items():
        hit = next(h for h in library.search(sentence, k=20) if h.path == str(notes / name))
        assert hit.sentence.text == sentence
        text = library.text(hit.document_id)  # what the preview shows and highlights
        assert text[hit.sentence.start : hit.sentence.end] == sentence
        assert text[hit.context_start :].startswith(hit.context)
    library.close()


def test_every_mbox_message_is_its_own_document_titled_by_its_subject(
    tmp_path: Path, tiny_model: Path
) -> None:
    notes = tmp_path / "notes"
    _files(notes)
    mbox = notes / "inbox.mbox"
    library = Library(tmp_path / "data", tiny_model)
    library.index([notes])
    for subject, sentence in [
        ("Boat trip", "From the pier the boat leaves at dawn."),
        ("Invoice", "The invoice for the sails is attached to this mail."),
    ]:
        hits = [h for h in library.search(sentence, k=20) if h.title == subject]
        assert len(hits) == 1 and hits[0].path == str(mbox)  # the hit opens the mailbox file
        text = library.text(hits[0].document_id)
        assert text[hits[0].sentence.start : hits[0].sentence.end] == sentence
        assert "Invoice" not in text if subject == "Boat trip" else "Boat trip" not in text
    keys = [d.path for d in library.documents() if d.path.startswith(str(mbox))]
    assert keys == [str(mbox), f"{mbox}/#1", f"{mbox}/#2"]
    library.close()


def _mbox_keys(library: Library, mbox: Path) -> list[str]:
    return [d.path for d in library.documents() if d.path.startswith(str(mbox))]


def test_mbox_reindex_move_damage_and_delete(tmp_path: Path, tiny_model: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    mbox = make_mbox(
        notes / "inbox.mbox", [make_email(f"Note {i}", f"Message number {i}.") for i in range(3)]
    )
    library = Library(tmp_path / "data", tiny_model)
    library.index([notes])
    assert len(_mbox_keys(library, mbox)) == 4
    # unchanged: nothing read again
    again = library.index([notes])
    assert (again.indexed, again.unchanged) == (0, 1)
    # fewer messages: the ones gone leave the library
    mbox.unlink()
    make_mbox(mbox, [make_email("Only one", "A single message now.")])
    library.index([notes])
    assert _mbox_keys(library, mbox) == [str(mbox), f"{mbox}/#1"]
    assert [h.title for h in library.search("A single message now.", k=5)][0] == "Only one"
    assert {h.title for h in library.search("Message number 2.", k=20)} == {"Only one"}
    # moved: the messages follow, with their vectors
    moved = notes / "archive.mbox"
    mbox.rename(moved)
    summary = library.index([notes])
    assert summary.moved == 1 and summary.removed == 0
    assert _mbox_keys(library, moved) == [str(moved), f"{moved}/#1"]
    assert _mbox_keys(library, mbox) == []
    # damaged: a status with a reason, and no messages left behind
    moved.write_bytes(b"garbage that is not a mailbox")
    library.index([notes])
    row = library.catalog.store.document(str(moved))
    assert row is not None and row.status == Status.FAILED and "not an mbox" in (row.reason or "")
    assert _mbox_keys(library, moved) == [str(moved)]
    # restored, then deleted: every message leaves with the file
    moved.unlink()
    make_mbox(moved, [make_email("Back", "It is back again."), make_email("Two", "Second one.")])
    library.index([notes])
    assert len(_mbox_keys(library, moved)) == 3
    moved.unlink()
    summary = library.index([notes])
    assert summary.removed == 3 and _mbox_keys(library, moved) == []
    assert library.counts().sentences == 0
    library.close()


# --- limits: the zip and XML guards, and each format's own ------------------------------------


@pytest.mark.parametrize("name", ["book.epub", "doc.odt"])
def test_epub_and_odt_pass_the_zip_guards_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    path = tmp_path / name
    many = "".join(f"<text:p>p{k}</text:p>" for k in range(50))
    path.write_bytes(
        make_epub([f"Big\n{'<b>x</b>' * 50}"]) if name.endswith("epub") else make_odt(many)
    )
    monkeypatch.setattr(limits, "ZIP_MAX_XML_ELEMENTS", 40)
    with pytest.raises(ExtractionFailed, match="document has more than 40 XML elements"):
        extract(path)
    monkeypatch.setattr(limits, "ZIP_MAX_MEMBERS", 1)
    with pytest.raises(ExtractionFailed, match="archive has more than 1 members"):
        extract(path)


def test_mbox_message_cap_keeps_the_first_ones_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_mbox(tmp_path / "big.mbox", [make_email(f"M{i}", f"Body {i}.") for i in range(3)])
    monkeypatch.setattr(limits, "MBOX_MAX_MESSAGES", 2)
    got = extract(path)
    assert [p.title for p in got.parts] == ["M0", "M1"]
    assert got.note == "only the first 2 of 3 messages were read"


def test_rtf_pictures_are_cut_out_and_a_huge_rest_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "pic.rtf"
    path.write_text(
        r"{\rtf1 {\*\shppict{\pict\pngblip " + "0a1b" * 5000 + r"}} Caption {\b here}.}"
    )
    monkeypatch.setattr(limits, "RTF_MAX_CHARS", 1000)
    assert extract(path).text == "Caption here."  # 20,000 hex digits did not count
    path.write_text(r"{\rtf1 " + "word " * 300 + "}")
    with pytest.raises(SkipFile, match="RTF has more than 1,000 characters besides pictures"):
        extract(path)


def test_latex_scan_is_linear_and_never_recurses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "deep.tex"
    path.write_text("\\section{" * 50_000 + "Deep words." + "}" * 50_000)
    assert extract(path).text == "Deep words."
    monkeypatch.setattr(limits, "LATEX_MAX_CHARS", 100)
    path.write_text("\\textbf{bold} words. " * 10)
    got = extract(path)
    assert got.text.startswith("\\textbf{bold}") and "indexed as plain text" in got.note


def test_deeply_nested_notebook_json_is_refused_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "deep.ipynb"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ExtractionFailed, match="damaged notebook"):
        extract(path)


def test_a_quarantined_message_is_embedded_again_by_the_next_refresh(
    tmp_path: Path, tiny_model: Path
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    mbox = make_mbox(notes / "inbox.mbox", [make_email("One", "First."), make_email("Two", "2nd.")])
    library = Library(tmp_path / "data", tiny_model)
    library.index([notes])
    store = library.catalog.store
    part = store.document(f"{mbox}/#2")
    assert part is not None
    damaged = [r.id for r in store.sentences_of([part.id], library.dimension)[part.id][0]]
    store.quarantine("sentences", damaged[:1])
    assert store.document(str(mbox)).status == Status.PENDING  # so the refresh reads it again
    summary = library.index([notes])
    assert summary.indexed == 1
    assert {d.path: d.status for d in library.documents()} == {
        str(mbox): Status.INDEXED,
        f"{mbox}/#1": Status.INDEXED,
        f"{mbox}/#2": Status.INDEXED,
    }
    library.close()


class _Crash(Exception):
    pass


def test_an_interrupted_mailbox_stays_pending_and_is_finished_by_the_next_run(
    tmp_path: Path, tiny_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    mbox = make_mbox(notes / "inbox.mbox", [make_email(f"M{i}", f"Body {i}.") for i in range(3)])
    library = Library(tmp_path / "data", tiny_model)
    store = library.catalog.store
    write = store.write_words

    def crash_at_the_second_message(doc):  # type: ignore[no-untyped-def]
        if doc.path == f"{mbox}/#2":
            raise _Crash
        return write(doc)

    monkeypatch.setattr(store, "write_words", crash_at_the_second_message)
    with pytest.raises(_Crash):
        library.index([notes])
    assert store.document(str(mbox)).status == Status.PENDING  # not taken for indexed
    assert store.document(f"{mbox}/#1").status == Status.INDEXED  # already found by its words
    monkeypatch.undo()
    summary = library.index([notes])
    assert summary.indexed == 1
    assert [d.status for d in library.documents()] == [Status.INDEXED] * 4
    library.close()
