"""A stored document's words made ready for the encoder: split into sentences and tokenised
(into passages, with late chunking), with the opening passage that says what it is about.

This is the second phase's work on the reader thread (`core.ingest.pipeline.Reader`): the first
phase stored the words; the sentences are found here, when the model that bounds their length is
loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from core.ingest import chunking
from core.model import passages
from core.model.passages import Passage, late_passages
from core.records import MeaningTodo, NewDocument, NewSentence, Window

if TYPE_CHECKING:  # the encoder imports torch: seconds a window must not wait for
    from core.model.encoder import Encoder

TOKENIZE_SLICE = 2048  # sentences tokenised at once: a huge file's encodings never all coexist
CHARS_PER_TOKEN = 4  # rough, for cutting over-long sentences before tokenizing


@dataclass
class Tokenised:
    """One document waiting for its vectors: its sentences' token ids, or nothing to embed.

    `document` is None when it was rewritten or removed since it was listed; `empty` when its
    words hold no sentence after all."""

    todo: MeaningTodo
    document: NewDocument | None = None  # with its sentences and its opening passage
    ids: list[np.ndarray] = field(default_factory=list)  # token ids of each sentence...
    opening: np.ndarray | None = None  # ...and of the opening passage, each embedded alone
    passages: list[Passage] = field(default_factory=list)  # or, late chunking: the passages
    empty: bool = False

    @property
    def tokens(self) -> int:
        return sum(len(x) for x in self.ids) + sum(len(p) for p in self.passages)

    @property
    def units(self) -> list:
        """What it is embedded in: passages, else sentences' ids (`len` of each: its tokens)."""
        return self.passages or self.ids


def tokenise(encoder: Encoder, todo: MeaningTodo, doc: NewDocument | None, late: bool) -> Tokenised:
    """`doc`'s sentences and their tokens (passages when `late`)."""
    if doc is None:
        return Tokenised(todo)
    window = encoder.spec.max_seq_length
    sentences = chunking.split_sentences(
        doc.text, page_starts=doc.page_starts, max_chars=window * CHARS_PER_TOKEN
    )
    if not sentences:
        return Tokenised(todo, doc, empty=True)
    ids: list[np.ndarray] = []
    for begin in range(0, len(sentences), TOKENIZE_SLICE):
        part = encoder.tokenize([s.text for s in sentences[begin : begin + TOKENIZE_SLICE]])
        ids.extend(np.asarray(x, dtype=np.int32) for x in part)
    runs: list[Passage] = []
    if late:
        lead, tail = len(encoder.prefix), len(encoder.suffix)
        content = [x[lead : len(x) - tail] for x in ids]
        runs = late_passages(content, encoder.prefix, encoder.suffix, window)
        opening = Window(0, len(runs[0].spans) - 1)
    else:
        opening = passages.opening([len(x) - 2 for x in ids], window - 2)
    document = replace(
        doc,
        sentences=tuple(NewSentence(s.start, s.end, s.line, s.page, s.text) for s in sentences),
        windows=(opening,),
    )
    if late:
        return Tokenised(todo, document, passages=runs)
    text = doc.text[sentences[opening.first].start : sentences[opening.last].end]
    head = ids[0] if opening.first == opening.last else encoder.tokenize([text])[0]
    return Tokenised(todo, document, ids=ids, opening=np.asarray(head, np.int32))


def weight(tokenised: Tokenised) -> int:
    """How much of memory it holds while it waits: its text."""
    return len(tokenised.document.text) if tokenised.document is not None else 0
