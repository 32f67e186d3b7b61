"""The keyword index (FTS5) follows every write to the documents, migrates in, and rebuilds."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
import sqlite_utils

from core.query import parse
from core.records import NewDocument, NewSentence, Status, Window
from core.store import SCHEMA_VERSION, Store, keywords, keywords_best
from core.store.schema import MIGRATIONS


def _doc(path: str, text: str, title: str = "T") -> NewDocument:
    spans = (NewSentence(0, len(text), 1, None, text),)
    return NewDocument(
        path, "/r", 1, 1.0, "hash-" + path + text, "text", title, text, (), spans, (Window(0, 0),)
    )


def _write(store: Store, path: str, text: str, title: str = "T") -> int:
    one = np.ones((1, 4), np.float32) / 2
    return store.write_document(_doc(path, text, title), one, one)


def _found(store: Store, query: str) -> set[int]:
    return set(store.keywords.scores(parse(query), 50))


def _intact(path: Path) -> None:
    """FTS5's own check that the index holds exactly what the documents table holds."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("INSERT INTO keywords(keywords, rank) VALUES ('integrity-check', 1)")
    finally:
        conn.close()


def test_writes_edits_moves_and_deletions_keep_it_in_step(store: Store) -> None:
    a = _write(store, "/r/alpha.txt", "The O_NONBLOCK flag makes reads return at once.")
    b = _write(store, "/r/beta.txt", "Tomatoes grow on the hill.", title="Garden notes")
    assert _found(store, "O_NONBLOCK") == {a}
    assert _found(store, "garden") == {b}  # the title is indexed
    assert _found(store, "alpha") == {a}  # and the file name
    _write(store, "/r/alpha.txt", "Now it speaks of O_CLOEXEC only.")  # edited
    assert _found(store, "O_NONBLOCK") == set()
    assert _found(store, "O_CLOEXEC") == {a}
    store.move_document("/r/alpha.txt", "/r/gamma.txt", "/r", 1, 1.0)
    assert _found(store, "alpha") == set()
    assert _found(store, "gamma") == {a}
    store.record_status("/r/beta.txt", "/r", 1, 1.0, Status.FAILED, "broken")  # lost its text
    assert _found(store, "tomatoes") == set()
    store.delete_documents([a])
    assert _found(store, "O_CLOEXEC") == set()
    _write(store, "/r/x/one.txt", "Shared word here.")
    store.remove_root("/r/x")
    assert _found(store, "shared") == set()
    _intact(store.path)


def test_it_is_rebuilt_from_the_documents_when_missing(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = Store(path)
    doc = _write(store, "/r/a.txt", "The SO_REUSEADDR option lets a socket bind again.")
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE keywords")
    conn.commit()
    conn.close()
    again = Store(path)
    try:
        assert _found(again, "SO_REUSEADDR") == {doc}
        _write(again, "/r/b.txt", "Another page about SO_KEEPALIVE.")  # triggers work again
        assert len(_found(again, "SO_KEEPALIVE")) == 1
    finally:
        again.close()
    _intact(path)


def test_a_version_3_library_gains_the_keyword_index(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite_utils.Database(path)
    for version in range(3):
        MIGRATIONS[version](db)
    db.execute("PRAGMA user_version = 3")
    db.execute(
        "INSERT INTO documents (path, root, status, title, text, updated) "
        "VALUES ('/n/wait.txt', '/n', 'indexed', 'Waiting', 'Call waitpid to reap a child.', 0)"
    )
    db.conn.commit()
    db.close()
    store = Store(path)
    try:
        conn = store._connections.db.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert len(_found(store, "waitpid")) == 1
        assert len(_found(store, "wait")) == 1  # the file name
    finally:
        store.close()
    _intact(path)


def test_filters_phrases_and_exclusions_narrow_the_keyword_scores(store: Store) -> None:
    a = _write(store, "/r/notes/a.txt", "Bake the bread in a hot oven.")
    b = _write(store, "/r/notes/b.md", "Bread needs a hot oven and time.")
    c = _write(store, "/r/other/c.pdf", "The oven is hot; bread waits.")
    assert _found(store, "bread") == {a, b, c}
    assert _found(store, '"hot oven" bread') == {a, b}
    assert _found(store, "bread -time") == {a, c}
    assert _found(store, "bread type:pdf") == {c}
    assert _found(store, "bread type:md,txt") == {a, b}
    assert _found(store, "bread in:notes") == {a, b}
    assert _found(store, "bread in:/r/other") == {c}
    assert _found(store, "bread after:2999-01-01") == set()
    assert _found(store, "bread before:2999-01-01") == {a, b, c}
    assert store.keywords.allowed(parse("in:other"), None, 10) == [c]


def test_a_word_in_most_documents_is_left_out_without_changing_a_score(store: Store) -> None:
    """BM25 gives a word in more than half the documents no weight (FTS5: 1e-6), so leaving
    it out of the statement changes no score; alone it still matches."""
    ids = [_write(store, f"/r/{i}.txt", f"The oven is hot {i}.") for i in range(5)]
    rare = _write(store, "/r/rare.txt", "The oven bakes sourdough.")
    documents, telling = store.keywords._telling(("oven", "sourdough"))
    assert (documents, [w.term for w in telling]) == (6, ['"sourdough"'])
    both = store.keywords.scores(parse("oven sourdough"), 50)
    assert set(both) == {rare}  # the oven-only notes matched by a weightless word are left out
    assert both[rare] == pytest.approx(store.keywords.scores(parse("sourdough"), 50)[rare])
    assert set(store.keywords.scores(parse("oven"), 50)) == {*ids, rare}


def test_a_document_not_indexed_is_never_a_keyword_match(store: Store) -> None:
    """A file that failed keeps its path, and so its name, in the keyword index."""
    best = _write(store, "/r/sourdough.txt", "Sourdough, sourdough.", title="Sourdough")
    other = _write(store, "/r/other.txt", "Rye bread and one sourdough loaf, with butter and jam.")
    assert list(store.keywords.scores(parse("sourdough"), 1)) == [best]
    store.record_status("/r/sourdough.txt", "/r", 1, 1.0, Status.FAILED, "broken")
    assert list(store.keywords.scores(parse("sourdough"), 1)) == [other]
    assert list(store.keywords.scores(parse("sourdough type:txt"), 5)) == [other]


def _every_match(store: Store, query: str, limit: int) -> list[tuple[int, float]]:
    """The ranking the keyword index gives when it scores every document that matches."""
    _, words = store.keywords._telling(parse(query).words)
    match = " OR ".join(w.term for w in words)
    return store.keywords._connections.rows(keywords._BARE_SCORES, [match, limit])


def test_the_best_keyword_documents_are_found_without_scoring_every_match(
    store: Store, monkeypatch
) -> None:
    """A document holding none of the rarest words cannot outscore those holding them, so
    only those are scored; the rows, their scores and their order (ties included) are those of
    scoring every match."""
    monkeypatch.setattr(keywords_best, "FIRST_HOLDERS", 4)
    rng = np.random.default_rng(3)
    vocabulary = "oven bread flour water salt heat crust rye spelt poolish".split()
    often = np.array([20, 12, 8, 6, 5, 4, 3, 2, 1.5, 1])
    for i in range(60):
        words = rng.choice(vocabulary, size=int(rng.integers(2, 9)), p=often / often.sum())
        extra = " sourdough levain" if i % 9 == 0 else (" levain" if i % 5 == 0 else "")
        text = " ".join(words) + extra
        _write(store, f"/r/{i}.txt", text)
        _write(store, f"/r/copy/{i}.txt", text)  # the same score: ties
    statements = _recorded_statements(store, monkeypatch)
    queries = ("sourdough levain oven", "levain salt heat rye", "poolish crust spelt", "oven")
    for query in queries:
        for limit in (1, 3, 10, 200):
            expected = _every_match(store, query, limit)
            statements.clear()
            found = store.keywords.scores(parse(query), limit)
            assert list(found.items()) == expected, (query, limit)
            if query == "sourdough levain oven" and limit <= 10:
                assert keywords._BARE_SCORES not in statements  # not every match was scored
                assert keywords._BARE_SCORES_AMONG in statements


def _recorded_statements(store: Store, monkeypatch) -> list[str]:
    """Every statement the keyword index runs from now on, in order."""
    statements: list[str] = []
    rows = store.keywords._connections.rows

    def recorded(query: str, params=()) -> list[tuple]:
        statements.append(query)
        return rows(query, params)

    monkeypatch.setattr(store.keywords._connections, "rows", recorded)
    return statements


def test_word_counts_are_remembered_until_a_write(store: Store, monkeypatch) -> None:
    """How many documents hold each word is counted once a generation: asked again, the
    statement counts none; after a write, every word anew."""
    a = _write(store, "/r/a.txt", "Sourdough in the oven.")
    b = _write(store, "/r/b.txt", "Rye in the oven.")
    for grain in ("spelt", "barley", "millet"):
        _write(store, f"/r/{grain}.txt", f"{grain.title()} bread.")
    statements = _recorded_statements(store, monkeypatch)
    first = store.keywords.scores(parse("sourdough oven"), 10)
    assert set(first) == {a, b}
    assert store.keywords.scores(parse("oven sourdough"), 10) == first
    counts = [s for s in statements if "keywords_docsize" in s]
    assert [s.count("MATCH") for s in counts] == [2, 0]
    for n in range(4):  # "sourdough" is now in five documents of nine: weightless
        _write(store, f"/r/starter{n}.txt", "Sourdough starter.")
    assert set(store.keywords.scores(parse("sourdough oven"), 10)) == {a, b}
