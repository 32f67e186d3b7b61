"""Ranking: a document scores by its opening passage and its best sentence, found through FAISS
and rescored exactly; the query path's SQL does not grow with k or the candidates."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from core.errors import ModelError
from core.index.catalog import LocalCatalog
from core.index.interface import Catalog
from core.query import Query
from core.records import IndexInfo, NewDocument, NewSentence, Window
from core.search import engine as search_module
from core.search.engine import search
from core.search.exact_terms import held
from core.search.fusion import Mode

DIM = 4


def _unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


class FixedEncoder:
    """Maps each query to a vector chosen by the test: ranking is tested, not the model."""

    def __init__(self, vectors: dict[str, np.ndarray]) -> None:
        self.vectors = vectors

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.vectors[t] for t in texts])


def _write(catalog: Catalog, name: str, sentences: list[np.ndarray], head: np.ndarray) -> None:
    spans, text = [], ""
    for i in range(len(sentences)):
        piece = f"{name} sentence {i}."
        spans.append(NewSentence(len(text), len(text) + len(piece), i + 1, None, piece))
        text += piece + "\n"
    doc = NewDocument(
        f"/notes/{name}.txt", "/notes", 1, 1.0, name, "text", name, text, (), tuple(spans),
        (Window(0, len(sentences) - 1),),
    )  # fmt: skip
    catalog.store.write_document(doc, np.stack(sentences), head[None, :])


@pytest.fixture
def catalog(tmp_path: Path):
    catalog = LocalCatalog(tmp_path / "data")
    catalog.bind(IndexInfo("fixed", "mean", DIM))
    yield catalog
    catalog.close()


def test_head_and_best_sentence_both_count(catalog: Catalog) -> None:
    q = _unit(1, 0, 0, 0)
    # "sharp": one sentence hits the query exactly, but the document is about something else.
    _write(catalog, "sharp", [_unit(1, 0, 0, 0), _unit(0, 1, 0, 0)], head=_unit(0, 1, 0, 0))
    # "about": the document as a whole is about the query, its sentences only nearly.
    _write(catalog, "about", [_unit(1, 1, 0, 0), _unit(1, 0, 1, 0)], head=_unit(1, 0.1, 0, 0))
    _write(catalog, "other", [_unit(0, 0, 1, 0)], head=_unit(0, 0, 1, 0))
    # semantic-only: the fused score is this divided by 1 + KEYWORD_WEIGHT when no word matches
    hits = search(catalog, FixedEncoder({"q": q}), "q", k=3, mode=Mode.SEMANTIC, keep_weak=True)
    assert [h.title for h in hits] == ["about", "sharp", "other"]
    about = hits[0]
    expected = 0.5 * float(_unit(1, 0.1, 0, 0) @ q) + 0.5 * float(_unit(1, 1, 0, 0) @ q)
    assert about.score == pytest.approx(expected, abs=1e-5)
    assert about.sentence.text == "about sentence 0."  # the best sentence is highlighted
    assert about.context.startswith("about sentence 0.")
    assert [m.ordinal for m in about.matches] == [0, 1]  # both within the match margin


def test_empty_query_and_empty_library(catalog: Catalog) -> None:
    encoder = FixedEncoder({"q": _unit(1, 0, 0, 0)})
    assert search(catalog, encoder, "q") == []
    _write(catalog, "one", [_unit(1, 0, 0, 0)], head=_unit(1, 0, 0, 0))
    assert search(catalog, encoder, "   ") == []
    assert search(catalog, encoder, "q", k=0) == []


def test_sql_per_query_does_not_grow_with_k(catalog: Catalog, monkeypatch) -> None:
    rng = np.random.default_rng(0)
    for i in range(60):
        vectors = [_unit(*rng.standard_normal(DIM)) for _ in range(3)]
        _write(catalog, f"doc{i:02d}", vectors, head=vectors[0])
    encoder = FixedEncoder({"q": _unit(1, 1, 0, 0)})
    search(catalog, encoder, "q", k=1)  # warm up: the catalog syncs once
    built: list[int] = []
    real_excerpts = catalog.store.excerpts

    def counting_excerpts(spans):
        built.append(len(spans))
        return real_excerpts(spans)

    monkeypatch.setattr(catalog.store, "excerpts", counting_excerpts)
    monkeypatch.setattr(catalog.store, "texts", None)  # no whole text is read without phrases
    statements: dict[int, int] = {}
    for k in (1, 5, 20):
        seen: list[str] = []
        catalog.store._connections.db.conn.set_trace_callback(seen.append)
        hits = search(catalog, encoder, "q", k=k, keep_weak=True)
        catalog.store._connections.db.conn.set_trace_callback(None)
        assert len(hits) == k
        statements[k] = len(seen)
    assert len(set(statements.values())) == 1, statements
    assert built == [1, 5, 20]  # context is built only for the documents returned


def test_the_keyword_statement_runs_while_the_query_is_embedded(catalog, monkeypatch) -> None:
    _write(catalog, "one", [_unit(1, 0, 0, 0)], head=_unit(1, 0, 0, 0))
    started = threading.Event()
    real_scores = catalog.store.keywords.scores

    def scores(query, limit):
        started.set()
        return real_scores(query, limit)

    monkeypatch.setattr(catalog.store.keywords, "scores", scores)

    class WaitingEncoder(FixedEncoder):
        def encode(self, texts: list[str]) -> np.ndarray:
            # embedding ends only once the keyword statement has begun: it runs beside it
            assert started.wait(timeout=30), "the keyword statement waited for the embedding"
            return super().encode(texts)

    hits = search(catalog, WaitingEncoder({"one": _unit(1, 0, 0, 0)}), "one", k=1)
    assert [h.title for h in hits] == ["one"]


def test_a_failed_embedding_leaves_no_keyword_statement_running(catalog, monkeypatch) -> None:
    _write(catalog, "one", [_unit(1, 0, 0, 0)], head=_unit(1, 0, 0, 0))
    finished = threading.Event()

    def slow_scores(query, limit):
        time.sleep(0.3)
        finished.set()
        return {}

    monkeypatch.setattr(catalog.store.keywords, "scores", slow_scores)

    class BrokenEncoder:
        def encode(self, texts: list[str]) -> np.ndarray:
            raise ModelError("the model is gone")

    with pytest.raises(ModelError):
        search(catalog, BrokenEncoder(), "one")
    assert finished.is_set()  # the library may be closed right after the error


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_can_still_search(catalog: Catalog) -> None:
    _write(catalog, "one", [_unit(1, 0, 0, 0)], head=_unit(1, 0, 0, 0))
    encoder = FixedEncoder({"one": _unit(1, 0, 0, 0)})
    assert search(catalog, encoder, "one", k=1)  # the keyword thread now exists
    child = os.fork()
    if child == 0:  # the parent's keyword thread is not here: a search must not wait for it
        catalog.store._connections._local = threading.local()  # SQLite: no parent connections
        os._exit(0 if search(catalog, encoder, "one", k=1) else 1)
    deadline = time.monotonic() + 60
    while (done := os.waitpid(child, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    if done[0] == 0:
        os.kill(child, 9)
        os.waitpid(child, 0)
        pytest.fail("the forked child's search hung")
    assert os.waitstatus_to_exitcode(done[1]) == 0


def test_importing_search_starts_no_thread() -> None:
    """The keyword thread starts with the first search: importing the engine (the window, the
    command line's --help) starts nothing and registers nothing to run at fork."""
    code = (
        "import os, threading, core.search.engine as s; "
        "assert not [t for t in threading.enumerate() if t.name.startswith('ponder-keywords')]; "
        "assert s._beside is None and not s._forgotten_on_fork"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_candidates_reach_beyond_the_first_neighbours(catalog: Catalog) -> None:
    """A document whose sentence is not among the nearest still scores exactly once rescored."""
    q = _unit(1, 0, 0, 0)
    for i in range(search_module.CANDIDATES + 20):
        _write(catalog, f"near{i:03d}", [_unit(1, 0.2, 0, 0)], head=_unit(0, 0, 1, 0))
    _write(catalog, "whole", [_unit(0.5, 1, 0, 0)], head=_unit(1, 0, 0, 0))
    hits = search(catalog, FixedEncoder({"q": q}), "q", k=1)
    assert hits[0].title == "whole"  # its opening passage carries it


def _write_sentences(
    catalog: Catalog, name: str, sentences: list[tuple[str, np.ndarray]], head: np.ndarray
) -> None:
    """A document of the given sentences (text, vector), one a line."""
    spans, text = [], ""
    for i, (piece, _) in enumerate(sentences):
        spans.append(NewSentence(len(text), len(text) + len(piece), i + 1, None, piece))
        text += piece + "\n"
    doc = NewDocument(
        f"/notes/{name}.txt", "/notes", 1, 1.0, name, "text", name, text, (), tuple(spans),
        (Window(0, len(sentences) - 1),),
    )  # fmt: skip
    vectors = np.stack([v for _, v in sentences])
    catalog.store.write_document(doc, vectors, head[None, :])


def test_weaker_matches_only_pad_a_page_with_nothing_better(catalog: Catalog) -> None:
    q = _unit(1, 0, 0, 0)
    _write(catalog, "close", [_unit(1, 0.1, 0, 0)], head=_unit(1, 0, 0, 0))
    for i in range(3):
        _write(catalog, f"far{i}", [_unit(0, 1, 0, 0)], head=_unit(0, 0, 1, 0))
    encoder = FixedEncoder({"q": q, "nothing": _unit(0, 0, 0, 1)})
    hits = search(catalog, encoder, "q", k=10)
    assert [h.title for h in hits] == ["close"] and not hits[0].weak  # no weaker padding
    assert len(search(catalog, encoder, "q", k=10, keep_weak=True)) == 4  # the ranking itself
    weaker = search(catalog, encoder, "nothing", k=10)
    assert len(weaker) == 4 and all(h.weak for h in weaker)  # nothing better: shown
    for hit in weaker:  # each still says where it points, but highlights nothing as a match
        assert hit.matches == [] and hit.sentence.text and hit.to_json()["matches"] == 0


def _write_advisories(catalog: Catalog) -> None:
    # Closest by meaning and full of "CVE", but not the one asked for.
    _write_sentences(
        catalog,
        "changelog",
        [
            ("Fixed CVE-2021-44228 in the CVE list.", _unit(1, 0.1, 0, 0)),
            ("Fixed CVE-2022-22965, see the CVE tracker.", _unit(1, 0.2, 0, 0)),
            ("Fixed CVE-20231 as well.", _unit(1, 0.3, 0, 0)),  # a longer token: not 2023
        ],
        head=_unit(1, 0.1, 0, 0),
    )
    _write_sentences(
        catalog,
        "advisory",
        [
            ("The servers were patched on Monday.", _unit(1, 0.4, 0, 0)),
            ("The heap overflow is CVE-2023-4863.", _unit(0.3, 1, 0, 0)),
            ("Images are decoded again.", _unit(1, 0.5, 0, 0)),
        ],
        head=_unit(0.5, 1, 0, 0),
    )
    for i in range(4):
        _write(catalog, f"other{i}", [_unit(0, 0, 1, i)], head=_unit(0, 0, 1, i))


def test_an_exact_term_few_documents_hold_decides(catalog: Catalog) -> None:
    _write_advisories(catalog)
    hits = search(catalog, FixedEncoder({"CVE-2023": _unit(1, 0, 0, 0)}), "CVE-2023", k=10)
    assert [h.title for h in hits][:2] == ["advisory", "changelog"]
    advisory = hits[0]
    assert not advisory.weak
    # the sentence holding the term is highlighted, and it is the only match
    assert advisory.sentence.text == "The heap overflow is CVE-2023-4863."
    assert [m.text for m in advisory.matches] == [advisory.sentence.text]


def test_a_question_that_mentions_an_exact_term_stays_ranked_by_meaning(
    catalog: Catalog,
) -> None:
    """Its answer need not name the term; the term still picks the sentence highlighted."""
    _write_advisories(catalog)
    question = "which servers were patched against CVE-2023 image bugs"
    hits = search(catalog, FixedEncoder({question: _unit(1, 0, 0, 0)}), question, k=10)
    titles = [h.title for h in hits]
    assert titles.index("changelog") < titles.index("advisory")
    assert hits[titles.index("advisory")].sentence.text == "The heap overflow is CVE-2023-4863."


def test_a_quoted_word_highlights_only_sentences_holding_it(catalog: Catalog) -> None:
    q = _unit(1, 0, 0, 0)
    _write_sentences(
        catalog,
        "books",
        [
            ("Free ebooks for everyone.", _unit(1, 0.1, 0, 0)),
            ("Project Gutenberg keeps them.", _unit(1, 0.6, 0, 0)),
            ("Read them on any device.", _unit(1, 0.2, 0, 0)),
            ("Gutenberg printed with movable type.", _unit(1, 0.9, 0, 0)),
        ],
        head=_unit(1, 0, 0, 0),
    )
    _write(catalog, "other", [_unit(0, 1, 0, 0)], head=_unit(0, 1, 0, 0))
    for mode in (Mode.FUSED, Mode.SEMANTIC):
        hits = search(catalog, FixedEncoder({"Gutenberg": q}), '"Gutenberg"', k=5, mode=mode)
        assert [h.title for h in hits] == ["books"]
        assert hits[0].sentence.text == "Project Gutenberg keeps them."  # the closer of the two
        assert [m.text for m in hits[0].matches] == [
            "Project Gutenberg keeps them.",
            "Gutenberg printed with movable type.",
        ]


@pytest.mark.parametrize(
    "term", ["CVE-2023", "cve-2023-4863", "SQLite", "O_NONBLOCK", "s390", "l1-1-0.dll", "Café"]
)
def test_a_sentence_holds_a_term_as_the_keyword_index_says(catalog: Catalog, term: str) -> None:
    """The sentences highlighted for a term are those the keyword index finds it in."""
    texts = [
        "Fixed CVE-2023-4863 today.", "Fixed CVE-20231.", "cve 2023 4863", "CVE/2023 again",
        "XCVE-2023 is another name.", "SQLite's file.", "sqlite3 is the shell.",
        "Set O_NONBLOCK now.", "O NONBLOCK apart.", "on s390x only", "An s390 box.",
        "api-ms-win-crt-runtime-l1-1-0.dll is missing", "Le café est chaud.", "Cafe noir.",
    ]  # fmt: skip
    for i, text in enumerate(texts):
        _write_sentences(catalog, f"t{i}", [(text, _unit(1, 0, 0, 0))], head=_unit(1, 0, 0, 0))
    found = catalog.store.keywords.allowed(Query(term, phrases=(term,)), None, len(texts))
    ids = [catalog.store.document(f"/notes/t{i}.txt").id for i in range(len(texts))]
    holding = {doc for doc, text in zip(ids, texts, strict=True) if held(text, [term])}
    assert holding and set(found) == holding


def test_a_term_many_documents_hold_is_still_highlighted_when_looked_up(
    catalog: Catalog,
) -> None:
    q = _unit(1, 0, 0, 0)
    for i in range(5):  # too common to decide the ranking, yet what the query asks to see
        _write_sentences(
            catalog,
            f"db{i}",
            [("Tables hold rows.", _unit(1, 0.1, 0, 0)), ("Use SQLite here.", _unit(1, 0.9, 0, 0))],
            head=_unit(1, 0, 0, 0),
        )
    hits = search(catalog, FixedEncoder({"SQLite": q}), "SQLite", k=5)
    assert len(hits) == 5
    assert all([m.text for m in h.matches] == ["Use SQLite here."] for h in hits)


def test_a_keyword_document_the_index_found_beyond_the_shortlist_is_rescored(catalog) -> None:
    """A keyword document outside the semantic shortlist whose best sentence the index returned
    is bounded by that sentence's score, not by the weakest one returned: bounded by the weakest,
    it was never rescored, though its meaning and its word together rank it first."""
    near_sentence = _unit(0.6, 0.8, 0, 0)  # the weakest sentence returned
    for n in range(21):  # more than fill the shortlist, each scoring 0.8
        _write(catalog, f"near{n}", [near_sentence], _unit(1, 0, 0, 0))
    # opening 0.6, best sentence 0.95: 0.775 by meaning, under the shortlist's
    _write(catalog, "zebra", [_unit(0.95, 0, 0, 0.31225)], _unit(0.6, 0, 0.8, 0))
    hits = search(catalog, FixedEncoder({"zebra": _unit(1, 0, 0, 0)}), "zebra", k=1)
    assert [h.title for h in hits] == ["zebra"]
