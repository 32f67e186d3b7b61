"""Tests for core.ingest.chunking: offsets always point at the sentence, and sentences look
right."""

from __future__ import annotations

import random
import time
from bisect import bisect_right

import pytest

from core.ingest.chunking import Sentence, split_sentences


def texts(sentences: list[Sentence]) -> list[str]:
    return [s.text for s in sentences]


def check_invariants(text: str, sentences: list[Sentence], max_chars: int, pages=()) -> None:
    """What every caller relies on, whatever the input."""
    previous_end = 0
    for s in sentences:
        assert text[s.start : s.end] == s.text
        assert s.text == s.text.strip()
        assert 0 < len(s.text) <= max_chars
        assert any(ch.isalnum() for ch in s.text)
        assert s.start >= previous_end
        previous_end = s.end
        assert s.line == text.count("\n", 0, s.start) + 1
        if pages:
            assert s.page == max(1, bisect_right(list(pages), s.start))
        else:
            assert s.page is None


# --- the offset invariant over many inputs -----------------------------------------------------

PIECES = [
    "Hello world.", "e.g.", "Dr.", "3.14", "v1.2.3", "config.json", "U.S.", "J. R. R.", "etc.",
    "Why?", "Wow!", '"Quoted."', "(Aside.)", "...", "---", "* * *", "- item", "1. step",
    "# Heading", "```", "    indented code;", "x = 1;", "https://example.com/a.b?c=d", "é",
    "日本語。", "word", "Word", "a,", "b;", "c:", "\t", " ", "  ", "\n", "\n\n", "\r\n", "\u00a0",
    "x" * 130, "long " * 40,
]  # fmt: skip


@pytest.mark.parametrize("seed", range(60))
def test_offsets_always_match_text(seed: int) -> None:
    rng = random.Random(seed)
    text = "".join(
        rng.choice(PIECES) + rng.choice(["", " ", "\n"]) for _ in range(rng.randint(0, 200))
    )
    max_chars = rng.choice([1, 7, 40, 120, 1000])
    pages = (
        sorted({0, *rng.sample(range(max(1, len(text))), min(3, len(text)))}) if seed % 2 else ()
    )
    check_invariants(
        text, split_sentences(text, page_starts=pages, max_chars=max_chars), max_chars, pages
    )


def test_empty_and_blank_text() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\n\t ") == []


def test_max_chars_must_be_positive() -> None:
    with pytest.raises(ValueError):
        split_sentences("Hi.", max_chars=0)


# --- sentence boundaries -----------------------------------------------------------------------


def test_basic_sentences() -> None:
    text = 'It rained. Did it stop? Yes! "Finally," she said. (The end.) 42 is the answer.'
    assert texts(split_sentences(text)) == [
        "It rained.", "Did it stop?", "Yes!", '"Finally," she said.', "(The end.)",
        "42 is the answer.",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "Bring snacks, e.g. apples and pears, to the trip.",
        "Use the short form, i.e. Ctrl-C, to stop it.",
        "Pack shoes, socks, etc. Then leave early.",
        "Team A vs. Team B ended in a draw.",
        "Dr. Smith and Mr. Jones met Mrs. Brown and Ms. Green.",
        "Prof. Lee lives on Baker St. Number five is hers.",
        "See Fig. 3 and cf. Table 2 for details.",
        "It costs approx. 5 euros at Acme Inc. Near the station.",
        "No. 7 is Ltd. Edition by Sam Jr. And Sam Sr. Signed it.",
        "The U.S. Army met J. R. R. Tolkien once.",
        "Pi is 3.14 and version v1.2.3 reads config.json today.",
    ],
)
def test_no_split_after_abbreviations_numbers_and_names(text: str) -> None:
    assert texts(split_sentences(text)) == [text]


def test_initials_and_acronyms_still_end_sentences_before_common_openers() -> None:
    assert texts(split_sentences("It needs 20 lines of C. This is why.")) == [
        "It needs 20 lines of C.",
        "This is why.",
    ]
    assert texts(split_sentences("Life in the U.S. The end.")) == ["Life in the U.S.", "The end."]
    assert texts(split_sentences("Written by J. Smith in May.")) == ["Written by J. Smith in May."]


def test_urls_are_not_split() -> None:
    text = "Open https://example.com/a.b/Index.html?Q=1 Now, then read it."
    assert texts(split_sentences(text)) == [text]
    assert texts(split_sentences("Visit example.com. Then rest.")) == [
        "Visit example.com.",
        "Then rest.",
    ]


def test_lower_case_after_full_stop_does_not_split() -> None:
    assert texts(split_sentences("The value is 3. more text follows here.")) == [
        "The value is 3. more text follows here."
    ]


def test_two_spaces_end_a_sentence_before_lower_case() -> None:
    text = "futimes() is available since glibc 2.3.  lutimes() came later."
    assert texts(split_sentences(text)) == [
        "futimes() is available since glibc 2.3.",
        "lutimes() came later.",
    ]


def test_cjk_full_stops() -> None:
    assert texts(split_sentences("これはペンです。あれは本です！")) == [
        "これはペンです。",
        "あれは本です！",
    ]


# --- block structure ---------------------------------------------------------------------------


def test_headings_and_list_items_are_their_own_units() -> None:
    text = (
        "# Shopping\n\nMonday list\n- milk\n- eggs and\n  bread\n* tea\n1. first\n2) second\n"
        "a) alpha\n\nTitle\n=====\nBody text here."
    )
    assert texts(split_sentences(text)) == [
        "# Shopping", "Monday list", "- milk", "- eggs and\n  bread", "* tea", "1. first",
        "2) second", "a) alpha", "Title", "Body text here.",
    ]  # fmt: skip


MAN_PAGE = """\
DESCRIPTION
ldd prints the shared objects (shared libraries) required by each program
or shared object specified on the command line.  An example of its use
and output is the following:

    $ ldd /bin/ls
        linux-vdso.so.1 (0x00007ffcc3563000)
        libselinux.so.1 => /lib64/libselinux.so.1 (0x00007f87e5459000)
        libc.so.6 => /lib64/libc.so.6 (0x00007f87e4e92000)

OPTIONS
-v, --verbose
       Print all information, including, for example, symbol versioning
       information.
"""


def test_wrapped_man_page_lines_are_joined() -> None:
    sentences = split_sentences(MAN_PAGE)
    assert texts(sentences) == [
        "DESCRIPTION",
        "ldd prints the shared objects (shared libraries) required by each program\n"
        "or shared object specified on the command line.",
        "An example of its use\nand output is the following:",
        "$ ldd /bin/ls\n"
        "        linux-vdso.so.1 (0x00007ffcc3563000)\n"
        "        libselinux.so.1 => /lib64/libselinux.so.1 (0x00007f87e5459000)\n"
        "        libc.so.6 => /lib64/libc.so.6 (0x00007f87e4e92000)",
        "OPTIONS",
        "-v, --verbose",
        "Print all information, including, for example, symbol versioning\n       information.",
    ]
    assert [s.line for s in sentences] == [1, 2, 3, 6, 11, 12, 13]


def test_short_lines_are_not_joined() -> None:
    text = "Groceries\nMilk\nEggs\nA much longer line that goes on and on for quite a while."
    assert texts(split_sentences(text)) == text.split("\n")


def test_code_fence_is_kept_whole() -> None:
    code = "```python\ndef f(x):\n    return x. Upper\n\nprint(f(1))\n```"
    text = f"Intro sentence.\n\n{code}\n\nOutro. Done."
    assert texts(split_sentences(text)) == ["Intro sentence.", code, "Outro.", "Done."]


def test_long_code_block_is_cut_at_line_ends() -> None:
    lines = [f"    value_{k} = compute({k});" for k in range(40)]
    text = "\n".join(lines)
    sentences = split_sentences(text, max_chars=200)
    check_invariants(text, sentences, 200)
    assert len(sentences) > 1
    for s in sentences:
        assert text[s.end : s.end + 1] in ("\n", "")
    assert "".join(s.text.replace(" ", "").replace("\n", "") for s in sentences) == text.replace(
        " ", ""
    ).replace("\n", "")


def test_unclosed_fence_is_ordinary_text() -> None:
    assert texts(split_sentences("```\nOne. Two.")) == ["One.", "Two."]


# --- long sentences ----------------------------------------------------------------------------


def test_long_sentence_splits_at_clause_marks_first() -> None:
    clause = "the quick brown fox jumps over the lazy dog"
    text = "; ".join([clause] * 10) + "."
    sentences = split_sentences(text, max_chars=100)
    check_invariants(text, sentences, 100)
    assert all(s.text.endswith((";", ".")) for s in sentences)


def test_long_sentence_without_marks_splits_at_spaces() -> None:
    text = " ".join(["word"] * 100)
    sentences = split_sentences(text, max_chars=50)
    check_invariants(text, sentences, 50)
    assert all(set(s.text.split()) == {"word"} for s in sentences)


def test_long_word_is_hard_cut() -> None:
    text = "x" * 2500
    sentences = split_sentences(text, max_chars=1000)
    assert [len(s.text) for s in sentences] == [1000, 1000, 500]


# --- what is dropped, lines and pages ----------------------------------------------------------


def test_fragments_without_letters_or_digits_are_dropped() -> None:
    text = "Real text.\n\n---\n\n* * *\n\n...\n\n!!! ???\n\n(—)\n\nMore text."
    assert texts(split_sentences(text)) == ["Real text.", "More text."]


def test_line_and_page_numbers() -> None:
    page1 = "First page. Still first.\n"
    page2 = "Second page\nwraps here.\n\nNew para."
    text = page1 + "\n" + page2
    starts = (0, len(page1) + 1)
    sentences = split_sentences(text, page_starts=starts)
    assert [(s.text, s.line, s.page) for s in sentences] == [
        ("First page.", 1, 1),
        ("Still first.", 1, 1),
        ("Second page\nwraps here.", 3, 2),
        ("New para.", 6, 2),
    ]


def test_many_unclosed_fences_stay_fast() -> None:
    text = "```python\nSome words here.\n" * 20000  # openers that are never closed
    begin = time.perf_counter()
    assert len(split_sentences(text)) == 40000
    assert time.perf_counter() - begin < 5


def test_speed_on_a_large_text() -> None:
    paragraph = (
        "The kernel keeps a table of open files, e.g. sockets and pipes.  Each entry\n"
        "holds a reference count (see dup(2)) and version 2.6 added flags.  Most calls\n"
        "return -1 on error; errno is set.\n\n"
    )
    text = paragraph * 5000  # about 1 MB
    begin = time.perf_counter()
    sentences = split_sentences(text)
    assert time.perf_counter() - begin < 5  # about 0.2 s; a quadratic slip would take minutes
    assert len(sentences) == 3 * 5000
