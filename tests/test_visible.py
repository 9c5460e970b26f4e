"""`visible`: whatever text comes in, what comes out holds nothing a terminal acts on or hides, is no longer
than asked, and text without such characters comes out as it went in. `visible_lines`, the output layer's
last line of defence, keeps handhabit's own line breaks and nothing else."""

from __future__ import annotations

import unicodedata

from hypothesis import example, given
from hypothesis import strategies as st

from handhabit.core.visible import LIMIT, visible, visible_lines

HIDDEN = ("Cc", "Cf", "Zl", "Zp", "Cs")
JOINERS = "\u200c\u200d"
# What the issue found in the wild, and the rest of the characters the design names.
NAMED = ["\x1b", "\x07", "\n", "\r", "\t", "\x00", "\x7f", "\x85", "\x9b", "\u061c", "\u200e", "\u200f", "\u202a",
         "\u202e", "\u2066", "\u2069", "\u2028", "\u2029", "\u200b", "\ufeff", "\U000e0041", "\ud800"]


def hidden(char: str) -> bool:
    return unicodedata.category(char) in HIDDEN and char not in JOINERS


def suffix(text: str) -> str:
    return f"… ({len(text):,} characters)"


# Any text, the characters it must escape made common.
texts = st.lists(st.one_of(st.characters(), st.sampled_from(NAMED)), max_size=300).map("".join)
plain = st.text(st.characters(blacklist_categories=("Cc", "Cf", "Zl", "Zp", "Cs")) | st.sampled_from(JOINERS),
                max_size=LIMIT)


@given(texts, st.one_of(st.none(), st.integers(1, 400)))
@example("\x1b]52;c;aGFja2Vk\x07", None)
@example("desk \x9b31m \u202etxt.exe \u2028", 3)
def test_nothing_a_terminal_acts_on_or_hides_comes_out(text: str, limit: int | None) -> None:
    assert not any(hidden(char) for char in visible(text, limit))


@given(texts, st.integers(1, 400))
def test_what_comes_out_is_at_most_the_limit_and_the_length_it_had(text: str, limit: int) -> None:
    shown = visible(text, limit)
    assert len(shown) <= limit + len(suffix(text))
    assert shown.endswith(suffix(text)) or len(shown) <= limit


@given(plain)
@example("Hand massage 👩‍👩‍👧 · ✓ ◐ – ⊘")
@example("ماساژ دست\u200c ها")  # a Persian zero-width non-joiner stays: it joins no letters otherwise
def test_text_without_such_characters_passes_unchanged(text: str) -> None:
    assert visible(text) == text
    assert visible_lines(text) == text


@given(texts)
def test_each_such_character_is_shown_as_python_writes_it_and_showing_again_changes_nothing(text: str) -> None:
    shown = visible(text, None)
    assert shown == "".join(char.encode("unicode_escape").decode() if hidden(char) else char for char in text)
    assert visible(shown, None) == shown


def test_the_escapes_name_the_characters() -> None:
    assert visible("a\x1b]0;pwned\x07b") == "a\\x1b]0;pwned\\x07b"
    assert visible("desk \u009b \u202e \u2028\n\t") == "desk \\x9b \\u202e \\u2028\\n\\t"
    assert visible("\U000e0041\ud800") == "\\U000e0041\\ud800"


def test_a_10_mb_value_is_cut_to_its_first_characters_and_says_how_long_it_was() -> None:
    shown = visible("h" * 10_485_760)
    assert shown == "h" * LIMIT + "… (10,485,760 characters)"


def test_a_cut_never_splits_an_escape() -> None:
    assert visible("ab" + "\x1b" * 10, 8) == "ab\\x1b… (12 characters)"


def test_visible_lines_keeps_handhabit_s_line_breaks_only() -> None:
    assert visible_lines("one\ntwo \x1b]0;x\x07\r\u2028") == "one\ntwo \\x1b]0;x\\x07\\r\\u2028"
