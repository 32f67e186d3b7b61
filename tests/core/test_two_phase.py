"""Words before vectors: a run stores every file's words first (found by keywords at once,
marked pending), then embeds; a run stopped or killed between the two loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from test_crash_safety import ENV, ROOT, read_db

from core.control import RunControl
from core.ingest.indexer import IndexRun
from core.ingest.progress import EMBEDDING, READING, Progress
from core.keys.paths import to_key
from core.library import Library
from core.model.passages import ALONE
from core.search.fusion import Mode
from core.search.pending import first_mention

NOTES = {
    "bread.txt": "Knead the sourdough loaf and bake it in a hot oven.\nLet it cool on a rack.\n",
    "garden.txt": "Water the tomato plants in the greenhouse every morning.\nPick them when red.\n",
    "kernel.txt": "The scheduler wakes a sleeping thread when its semaphore is released.\n",
}


def _notes(folder: Path) -> Path:
    folder.mkdir()
    for name, text in NOTES.items():
        (folder / name).write_text(text)
    return folder


def _open(data: Path, model: Path) -> Library:
    return Library(data, model, context=ALONE)  # a sentence finds itself


def _words_only(library: Library, folder: Path) -> None:
    """A run stopped as its second phase (embedding) begins."""
    control = RunControl()

    def stop_at_embedding(p: Progress) -> None:
        if p.stage == EMBEDDING:
            control.cancel()

    assert library.index([folder], progress=stop_at_embedding, control=control).cancelled


def _by_name(hits) -> dict[str, object]:
    return {Path(h.path).name: h for h in hits}


def test_words_are_searchable_and_pending_before_any_vector(tmp_path: Path, tiny_model) -> None:
    folder = _notes(tmp_path / "notes")
    library = _open(tmp_path / "data", tiny_model)
    _words_only(library, folder)
    counts = library.status().counts
    assert (counts.indexed, counts.meaning_pending, counts.sentences) == (3, 3, 0)
    hit = _by_name(library.keyword_search("semaphore"))["kernel.txt"]
    assert hit.pending and hit.to_json()["pending"] is True
    assert "semaphore" in hit.sentence.text
    found = library.search("greenhouse tomato")  # the meaning search, with nothing embedded
    assert found and found[0].pending and Path(found[0].path).name == "garden.txt"
    library.close()


def test_a_stopped_run_is_finished_by_the_next_and_hits_lose_pending(
    tmp_path: Path, tiny_model
) -> None:
    folder = _notes(tmp_path / "notes")
    library = _open(tmp_path / "data", tiny_model)
    library.index([folder])  # one note embedded in full, so the meaning search runs
    (folder / "oven.txt").write_text("Preheat the oven before the bread goes in.\n")
    _words_only(library, folder)
    assert library.counts().meaning_pending == 1
    hits = _by_name(library.search("preheat"))
    assert hits["oven.txt"].pending  # found by its word, among documents found by meaning
    assert not any(h.pending for name, h in hits.items() if name != "oven.txt")
    summary = library.refresh()
    assert (summary.indexed, summary.unchanged, summary.embedded) == (0, 4, 1)
    assert library.counts().meaning_pending == 0
    sentence = "Preheat the oven before the bread goes in."
    best = library.search(sentence, mode=Mode.SEMANTIC)[0]
    assert Path(best.path).name == "oven.txt" and not best.pending
    library.close()


def test_a_changed_file_never_shows_its_old_sentences(tmp_path: Path, tiny_model) -> None:
    folder = _notes(tmp_path / "notes")
    library = _open(tmp_path / "data", tiny_model)
    library.index([folder])
    path = folder / "kernel.txt"
    path.write_text("Interrupt handlers must never sleep.\nThey run with interrupts off.\n")
    _words_only(library, folder)
    doc = library.catalog.store.document(to_key(str(path)))
    assert doc is not None
    assert library.catalog.store.sentences_of([doc.id], library.dimension) == {}  # old ones gone
    assert not library.keyword_search("semaphore")
    hit = _by_name(library.search("interrupt handlers"))["kernel.txt"]
    assert hit.pending and "Interrupt handlers" in hit.sentence.text
    library.refresh()
    rows = library.catalog.store.sentences_of([doc.id], library.dimension)[doc.id][0]
    assert [r.text for r in rows] == ["Interrupt handlers must never sleep.", rows[1].text]
    assert "semaphore" not in " ".join(r.text for r in rows)
    library.close()


def test_reading_starts_before_the_model_has_loaded(tmp_path: Path, tiny_model) -> None:
    folder = _notes(tmp_path / "notes")
    library = _open(tmp_path / "data", tiny_model)
    loaded = threading.Event()
    seen: list[bool] = []

    def slow_model():
        assert loaded.wait(60), "the model was waited for before any file was read"
        return library.encoder

    def progress(p: Progress) -> None:
        if p.stage == READING and p.phase == "done" and not loaded.is_set():
            seen.append(bool(library.keyword_search("sourdough")))
            loaded.set()  # the model "finishes loading" once a file's words are stored

    summary = IndexRun(library.catalog, slow_model, progress).run([str(folder)])
    assert seen == [True]
    assert (summary.indexed, summary.embedded) == (3, 3)
    assert library.counts().meaning_pending == 0
    library.close()


def test_a_store_refuses_vectors_for_words_rewritten_meanwhile(tmp_path: Path, tiny_model) -> None:
    folder = _notes(tmp_path / "notes")
    library = _open(tmp_path / "data", tiny_model)
    _words_only(library, folder)
    store = library.catalog.store
    todo = {t.path: t for t in store.meaning_todo()}
    key = to_key(str(folder / "bread.txt"))
    old = store.stored_words(todo[key])
    assert old is not None and "sourdough" in old.text
    (folder / "bread.txt").write_text("Rye bread needs a longer proof.\n")
    _words_only(library, folder)  # new words, same path
    assert store.stored_words(todo[key]) is None
    library.index([folder])
    doc = store.document(key)
    rows = store.sentences_of([doc.id], library.dimension)[doc.id][0]
    assert [r.text for r in rows] == ["Rye bread needs a longer proof."]
    library.close()


_STUCK_BETWEEN_PHASES = """
import sys, time
from core.ingest import embedding
from core.library import Library

def stuck(self, todo, fetch):
    print("words stored", flush=True)
    time.sleep(600)

embedding.Embedding.run = stuck
Library(sys.argv[1], sys.argv[2], context="alone").index([sys.argv[3]])
"""


@pytest.mark.slow(seconds=30)
@pytest.mark.timeout(300)
def test_kill_9_between_the_phases_then_the_next_run_embeds_the_rest(
    tmp_path: Path, tiny_model
) -> None:
    folder = _notes(tmp_path / "notes")
    data = tmp_path / "data"
    run = subprocess.Popen(
        [sys.executable, "-c", _STUCK_BETWEEN_PHASES, str(data), str(tiny_model), str(folder)],
        cwd=ROOT,
        env={**ENV, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert run.stdout is not None
    assert run.stdout.readline().strip() == "words stored"
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    with read_db(data) as db:
        waiting = db.execute("SELECT count(*) FROM documents WHERE meaning_pending = 1")
        assert waiting.fetchone()[0] == len(NOTES)
    library = _open(data, tiny_model)
    assert library.counts().meaning_pending == len(NOTES)
    assert _by_name(library.search("greenhouse"))["garden.txt"].pending
    started = time.monotonic()
    summary = library.index([folder])
    assert (summary.indexed, summary.unchanged, summary.embedded) == (0, 3, 3)
    assert time.monotonic() - started < 120
    counts = library.counts()
    assert (counts.meaning_pending, counts.pending) == (0, 0)
    sentence = "The scheduler wakes a sleeping thread when its semaphore is released."
    best = library.search(sentence, mode=Mode.SEMANTIC)[0]
    assert Path(best.path).name == "kernel.txt" and not best.pending
    assert not any(h.pending for h in library.search("greenhouse"))
    library.close()


ADVISORY = (
    "Security fixes.\n"
    "Addresses CVE-2025-30698 and CVE-2025-21587 in the runtime.\n"
    "Older entries follow.\n"
    "The parser overflow, CVE-2023-2908, is fixed upstream.\n"
)


def test_a_pending_hit_shows_the_sentence_holding_the_exact_term(
    tmp_path: Path, tiny_model
) -> None:
    """`CVE-2023` is the sentence naming CVE-2023, not the first "CVE" (the stem's match), both
    when nothing is embedded yet and among documents found by meaning."""
    folder = _notes(tmp_path / "notes")
    library = _open(tmp_path / "data", tiny_model)
    (folder / "changelog.txt").write_text(ADVISORY)
    _words_only(library, folder)
    wanted = "The parser overflow, CVE-2023-2908, is fixed upstream."
    for hits in (library.keyword_search("CVE-2023"), library.search("CVE-2023")):
        hit = _by_name(hits)["changelog.txt"]
        assert hit.pending and hit.sentence.text == wanted
    library.refresh()  # the others embedded; the changelog's words stored again, meaning waiting
    (folder / "changelog.txt").write_text(ADVISORY + "More later.\n")
    _words_only(library, folder)
    hit = _by_name(library.search("CVE-2023"))["changelog.txt"]
    assert hit.pending and hit.sentence.text == wanted
    library.close()


def test_a_pending_hit_prefers_a_whole_word_to_a_stem() -> None:
    """A whole word ("use", not the start of "user") before a stem, the last resort."""
    text = "Ask the user first. You may use it freely. Users agree."
    assert text[first_mention(text, (), ["use"]) :].startswith("use it")
    assert text[first_mention(text, (), ["users"]) :].startswith("Users")
    assert text[first_mention(text, (), ["freelance"]) :].startswith("freely")
    assert first_mention(text, ("O_NONBLOCK",), ["bread"]) == 0


@pytest.mark.parametrize(
    ("text", "terms", "words", "wanted"),
    [
        ("Opening: see O_NONBLOCK and o_nonblock later.", ("O_NONBLOCK",), ["O_NONBLOCK"], 13),
        ("A CVE-2025 note; then CVE-2023-27534.", ("CVE-2023",), ["CVE"], 22),
        ("ÜBER alles, über alles: Straße.", (), ["über"], 0),  # only a stem keeps the umlaut
        ("İstanbul first, then the ferry.", (), ["ferry"], 25),  # "İ" lower-cases to two
        ("Straße, then the FERRY.", (), ["ferry"], 17),
        ("the Ferryman's ferrying", (), ["ferryboats"], 4),  # a stem: no word of it is whole
    ],
)
def test_a_pending_hit_is_found_at_the_same_place_in_any_text(
    text: str, terms: tuple[str, ...], words: list[str], wanted: int
) -> None:
    """Offsets stay those of the text as written: in its head (one case-blind expression) and
    past it, whether the text lower-cases letter for letter (looked up by `str.find`) or not."""
    filler = "Nothing to see here. " * 2000  # 42,000 characters: past the head
    assert first_mention(text, terms, words) == wanted
    assert first_mention(text * 2000, terms, words) == wanted
    assert first_mention(filler + text * 2, terms, words) == len(filler) + wanted
