"""What the desktop's own search asks of Ponder: results for some words, and what they are.

Both the GNOME Shell provider and the KRunner runner ask the same questions; this module answers
them from the library with the window's search, without Qt and without D-Bus. A result id names
the document and its sentence (`<ordinal>:<stored path>`), so it stays the same across calls and
a description can be given for an id this process never returned (the shell may ask again after a
restart). The model loads on a thread at the first question; until it has, questions are
answered by keywords alone, as the window does, so the first answer never waits for it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from core.library import Library
from core.search.hits import DocumentHit

RESULTS = 8  # the shell shows a handful per provider
MODEL_WAIT_S = 1.5  # the first question waits this long for the model, then takes keywords


@dataclass(frozen=True)
class Answer:
    """One result as the desktop shows it."""

    id: str
    path: str  # where the document is on this machine
    title: str
    sentence: str  # the matching sentence: the description under the title
    score: float
    kind: str


def result_id(ordinal: int, stored_path: str) -> str:
    return f"{ordinal}:{stored_path}"


def parse_id(result: str) -> tuple[int, str] | None:
    ordinal, sep, stored = result.partition(":")
    if not sep or not ordinal.isdigit():
        return None
    return int(ordinal), stored


class Answers:
    """Answers questions from one library; every method is safe from several threads."""

    def __init__(self, location: Path | str) -> None:
        self.location = location
        self._library: Library | None = None
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._known: dict[str, Answer] = {}

    @property
    def library(self) -> Library:
        with self._lock:
            if self._library is None:
                self._library = Library(self.location)
                threading.Thread(target=self._load, name="ponder-model", daemon=True).start()
            return self._library

    def _load(self) -> None:
        try:
            assert self._library is not None
            self._library.warm_up(apart=True)  # a long-lived service keeps torch out
        finally:
            self._ready.set()

    def search(self, terms: list[str]) -> list[Answer]:
        """The best results for the words the user typed, best first."""
        query = " ".join(t for t in terms if t.strip()).strip()
        if not query:
            return []
        library = self.library
        if self._ready.wait(MODEL_WAIT_S) and library.model_loaded:
            hits = library.search(query, k=RESULTS)
        else:
            hits = library.keyword_search(query, k=RESULTS)
        answers = [self._answer(hit) for hit in hits if not hit.weak] or []
        with self._lock:
            self._known.update((a.id, a) for a in answers)
        return answers

    def describe(self, ids: list[str]) -> list[Answer]:
        """What each result id is, in the order asked; ids no longer in the library are left
        out."""
        out = []
        for rid in ids:
            with self._lock:
                known = self._known.get(rid)
            found = known or self._lookup(rid)
            if found is not None:
                out.append(found)
        return out

    def _lookup(self, rid: str) -> Answer | None:
        parsed = parse_id(rid)
        if parsed is None:
            return None
        ordinal, stored = parsed
        library = self.library
        doc = library.catalog.store.document(stored)
        if doc is None:
            return None
        rows = library.catalog.store.sentences_of([doc.id], library.dimension).get(doc.id)
        sentence = next((r.text for r in rows[0] if r.ordinal == ordinal), "") if rows else ""
        path = library.path_of(doc.path)
        title = doc.title or Path(path).name
        return Answer(rid, path, title, _one_line(sentence), 0.0, doc.kind or "")

    def _answer(self, hit: DocumentHit) -> Answer:
        stored = self.library.catalog.keys.key_of(hit.path)
        # The description says what the title does not: the best match that is not the title
        # itself, else the text around the best sentence.
        told = [m for m in hit.matches if _one_line(m.text) != _one_line(hit.title)]
        sentence = told[0] if told else hit.sentence
        text = sentence.text if told else hit.context
        return Answer(
            result_id(sentence.ordinal, stored),
            hit.path,
            hit.title,
            _one_line(text),
            float(hit.score),
            Path(hit.path).suffix.lstrip(".").lower(),
        )

    def close(self) -> None:
        with self._lock:
            if self._library is not None:
                self._library.close()
                self._library = None


def _one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
