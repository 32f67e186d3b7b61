"""Boilerplate: a sentence in many documents weighs little in what any of them is about."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.library import Library
from core.search.boilerplate import CACHE_NAME, sentence_counts, sentence_key

LICENCE = (
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this "
    "software. The above copyright notice shall be included in all copies of the software. "
    "The software is provided as is, without warranty of any kind, express or implied. "
    "In no event shall the authors be liable for any claim, damages or other liability. "
    "Redistribution and use in source and binary forms are permitted. "
    "Neither the name of the project nor its contributors may endorse derived products. "
    "See the licence file for the full terms and conditions."
)
UNRELATED = 0.25  # a similarity below this says two texts share no subject
GARDEN = [
    "Water the tomato plants in the garden before the sun is high. Tomatoes need deep pots.",
    "Compost feeds the garden soil. Spread it on the vegetable beds in spring.",
    "Prune the roses in the garden after the last frost. Cut above an outward bud.",
]
TRAINS = [
    "The night train to Vienna leaves the station at ten past eleven. Book a sleeper.",
    "Our train was late because of a signal failure outside the station.",
    "Change trains at the central station for the coastal railway line.",
]


@pytest.fixture(scope="module")
def tiny_encoder(tiny_model: Path):
    from core.model.encoder import Encoder

    return Encoder(tiny_model)


def _library(folder: Path, encoder, licence: bool = True) -> Library:
    notes = folder / "notes"
    notes.mkdir(parents=True)
    for name, texts in (("garden", GARDEN), ("train", TRAINS)):
        for i, text in enumerate(texts):
            (notes / f"{name}-{i}.txt").write_text(f"{text}\n\n{LICENCE if licence else ''}\n")
    library = Library(folder / "data")
    library.use_encoder(encoder)
    library.index([notes])
    return library


def test_a_sentence_is_the_same_whatever_its_case_spacing_digits_and_punctuation() -> None:
    assert sentence_key("Copyright 2003-2007  Free Software Foundation.") == sentence_key(
        "copyright 2019 free software\tfoundation"
    )
    assert sentence_key("Table of Contents") != sentence_key("Table of figures")


def test_a_sentence_in_every_document_weighs_nothing_and_one_of_its_own_fully(
    tmp_path: Path, tiny_encoder
) -> None:
    library = _library(tmp_path, tiny_encoder)
    counts = sentence_counts(library.catalog)
    assert counts.documents == 6
    licence, own = sentence_key(LICENCE.split(". ")[0]), sentence_key(GARDEN[0].split(". ")[0])
    weights = counts.weights_of_keys(np.array([licence, own], np.int64))
    assert weights[0] == pytest.approx(0.0) and weights[1] == pytest.approx(1.0)
    assert counts.is_boilerplate(LICENCE.split(". ")[1]) and not counts.is_boilerplate(GARDEN[1])
    # Kept beside the library and brought up to date by reading only what changed.
    assert (library.data_dir / CACHE_NAME).exists()
    assert sentence_counts(library.catalog) is counts
    library.remove([tmp_path / "notes" / "garden-0.txt"])
    again = sentence_counts(library.catalog)
    assert again.documents == 5 and again.generation > counts.generation
    library.close()


def test_a_licence_in_every_file_does_not_make_all_files_related(
    tmp_path: Path, real_encoder
) -> None:
    library = _library(tmp_path, real_encoder)
    licence = {sentence_key(s) for s in LICENCE.split(". ")}
    for name, own in (("garden", "garden"), ("train", "train")):
        hits = library.related(tmp_path / "notes" / f"{name}-0.txt", 5)
        kinds = [Path(h.path).name.split("-")[0] for h in hits]
        assert kinds[:2] == [own, own]
        # The other subject's files score as unrelated: the licence does not hold them close.
        assert max(h.score for h, k in zip(hits, kinds, strict=True) if k != own) < UNRELATED
        for hit in hits[:2]:  # what connects them is their own words, not the licence's
            assert sentence_key(hit.here.text) not in licence
            assert sentence_key(hit.there.text) not in licence
    library.close()
