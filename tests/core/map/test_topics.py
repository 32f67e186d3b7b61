"""Map topics: as many groups as the map shows, named by words that tell them apart."""

from __future__ import annotations

import numpy as np
import pytest

from core.map.stopwords import ENGLISH_STOP_WORDS, FILLER_WORDS
from core.map.topics import davies_bouldin, find_topics

SUBJECTS = [
    "tomato compost garden soil",
    "train station railway ticket",
    "python regex code debugging",
    "bread flour oven dough",
    "budget savings money interest",
    "moon rocket orbit astronaut",
]


def _blobs(groups: int, each: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.array([[40 * np.cos(a), 40 * np.sin(a)] for a in np.arange(groups)], np.float32)
    truth = np.repeat(np.arange(groups), each)
    return (centres[truth] + rng.normal(size=(len(truth), 2))).astype(np.float32), truth


@pytest.mark.parametrize("groups", [3, 6])
def test_the_number_of_groups_follows_the_data(groups: int) -> None:
    xy, truth = _blobs(groups)
    texts = [SUBJECTS[t] for t in truth]
    found = find_topics(xy, texts)
    assert len(found) == groups
    assert sorted(sorted(truth[c.members].tolist()) for c in found) == sorted(
        [[g] * 12 for g in range(groups)]
    )


def test_labels_hold_no_stop_filler_or_boilerplate_words_and_none_alike() -> None:
    xy, truth = _blobs(6, each=5)
    # Every text has the library's boilerplate ("licence", "copyright": in every document),
    # stop and filler words; two subjects share their words, as two groups of changelogs do.
    subjects = SUBJECTS[:5] + [SUBJECTS[0]]
    texts = [
        f"Copyright licence. We did use it, and it appears that the {subjects[t]} {t}th "
        f"{'alpha beta gamma delta epsilon'.split()[i % 5]} really got used every day."
        for i, t in enumerate(truth)
    ]
    found = find_topics(xy, texts)
    labels = [c.label for c in found]
    assert len(labels) == 6 and len(set(labels)) == len(labels), labels
    held = [set(label.split(" · ")) for label in labels]
    assert all(len(a & b) <= 1 for i, a in enumerate(held) for b in held[:i]), labels
    assert all(len(words) >= 2 for words in held), labels
    for label in labels:
        for word in label.split(" · "):
            assert word not in ENGLISH_STOP_WORDS | FILLER_WORDS, label
            assert word not in {"copyright", "licence"}, label


def test_groups_do_not_depend_on_the_order_of_the_documents() -> None:
    xy, truth = _blobs(5, each=8, seed=3)
    texts = [SUBJECTS[t] for t in truth]
    order = np.random.default_rng(1).permutation(len(xy))
    first = find_topics(xy, texts)
    again = find_topics(xy, texts)
    shuffled = find_topics(xy[order], [texts[i] for i in order])
    assert [(c.label, c.members) for c in first] == [(c.label, c.members) for c in again]
    as_sets = sorted(sorted(c.members) for c in first)
    assert as_sets == sorted(sorted(order[c.members].tolist()) for c in shuffled)
    assert {c.label for c in first} == {c.label for c in shuffled}


def test_the_count_of_groups_is_scored_as_scikit_learn_scores_it() -> None:
    from sklearn.metrics import davies_bouldin_score

    rng = np.random.default_rng(0)
    points = rng.normal(size=(60, 2)).astype(np.float32)
    assignment = rng.integers(0, 4, size=60)
    expected = davies_bouldin_score(points, assignment)
    assert davies_bouldin(points, assignment) == pytest.approx(expected, rel=1e-6)


COOKING = [
    "Stir the risotto rice gently and keep adding warm stock; it really takes a while.",
    "Knead the bread dough, then let it rise; it really takes a while.",
    "Cook the onions until they turn sweet and golden, then add garlic and thyme.",
    "Sharpen the kitchen knife, then slice the tomatoes thinly for the salad.",
]
TRAINS = [
    "The night train to Vienna leaves the station at ten.",
    "Our train crossed the border late; the railway ticket was cheap.",
    "Book a sleeper train early; the station clerk printed the ticket.",
    "The train pulled into the station after a signal failure.",
]


def test_a_topic_is_named_by_words_close_to_it_in_meaning(real_encoder) -> None:
    """Four cooking notes share hardly a word: by counts alone the group was "add · adding";
    with the model, its words are ordered by how close they are to the notes' meaning."""
    texts = COOKING + TRAINS
    xy = np.array([[0, 0]] * 4 + [[50, 50]] * 4, np.float32)
    xy += np.random.default_rng(0).normal(size=xy.shape).astype(np.float32)
    vectors = real_encoder.encode(texts)
    found = find_topics(xy, texts, vectors=vectors, embed=real_encoder.encode)
    cooking = next(c.label.split(" · ") for c in found if c.members == [0, 1, 2, 3])
    nouns = {"risotto", "rice", "stock", "bread", "dough", "onions", "garlic", "thyme", "knife"}
    assert cooking[0] in nouns | {"knead", "kitchen", "tomatoes", "salad"}, cooking
    assert {"add", "adding"} - set(cooking), cooking  # not two forms of one word


def test_two_forms_of_one_word_do_not_fill_one_label() -> None:
    """ "sockets" is as close in meaning to the group as "socket": once one is chosen, the other
    does not take a second place in the label, whose words are ordered by meaning."""
    axes = {"socket": [1, 0.1, 0], "sockets": [1, 0.12, 0], "address": [0.6, 0, 0.8]}
    table = {w: np.array(v, np.float32) / np.linalg.norm(v) for w, v in axes.items()}

    def embed(words):
        return np.stack([table.get(w, np.array([0, 0, 1], np.float32)) for w in words])

    texts = ["socket sockets address"] * 3 + ["tomato garden compost"] * 3
    xy = np.array([[0, 0]] * 3 + [[40, 40]] * 3, np.float32)
    xy += np.random.default_rng(1).normal(size=xy.shape).astype(np.float32)
    vectors = np.array([[1, 0, 0]] * 3 + [[0, 0, 1]] * 3, np.float32)
    found = find_topics(xy, texts, vectors=vectors, embed=embed)
    label = next(c.label for c in found if c.members == [0, 1, 2])
    assert label.split(" · ") in (["socket", "address"], ["sockets", "address"]), label
