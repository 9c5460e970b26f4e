"""Text handhabit did not write itself, made safe to print on a terminal.

A note, a reason or an event's detail in the database, a device's name or a file's name in the sync folder,
a name in the config, a value in an import file: any of them may hold what a terminal takes for a command
rather than for text. An escape sequence (`\\x1b]52;...` fills the clipboard, `\\x1b]0;...` renames the
window), a C1 control (`\\x9b` is ESC [ to many terminals), a bidi override that shows "txt.exe" as
"exe.txt", a line or paragraph separator that makes one line look like two. Each such character is shown
as the escape Python would write for it (`\\x1b`, `\\u202e`, `\\n`), so the person sees that it is there
and what it is; and a value longer than a line is cut short, saying how long it was, so one 10 MB name
cannot bury what is around it. Everything else passes unchanged, any script and emoji included.
"""

from __future__ import annotations

import unicodedata

# Characters of a name, a reason, a detail to show whole; a longer value is cut to this, then says its length.
LIMIT = 100
# A routine step's instructions, which the guide shows on a screen of their own: a few sentences.
PARAGRAPH = 500
# Characters of one error, warning or log line: its own words, the values it quotes, the fix, a path or
# two. The values are cut shorter where the line is worded; this catches a line that quotes one whole.
LINE = 1_000
# Control characters (C0, DEL, C1), invisible format characters (bidi controls and overrides, zero-width
# spaces, the soft hyphen, tag characters), line and paragraph separators, and lone surrogates, which
# cannot even be written out.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
# The zero-width joiner and non-joiner are format characters too, but text needs them: emoji sequences
# (a family, a rainbow flag) and the scripts that join letters (Persian, the Indic scripts). They move nothing.
_JOINERS = frozenset({"\u200c", "\u200d"})
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _hidden(char: str) -> bool:
    return unicodedata.category(char) in _HIDDEN_CATEGORIES and char not in _JOINERS


def _shown(char: str) -> str:
    """The character itself, or its escape when a terminal would act on it or not show it."""
    if not _hidden(char):
        return char
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _escaped(text: str) -> str:
    if text.isprintable():  # the usual case, at C speed: no control, format or separator character in it
        return text
    return "".join(map(_shown, text))


def visible(text: str, limit: int | None = LIMIT) -> str:
    """`text` with every control, format and separator character shown as its escape, and cut after
    `limit` characters of what is shown (None: never), followed by how many characters the value had.
    A cut never splits an escape. At most `limit` characters and the note of the length come out, however
    long `text` is, and only as much of it is looked at."""
    if limit is None:
        return _escaped(text)
    if len(text) <= limit and text.isprintable():
        return text
    pieces: list[str] = []
    used = 0
    for char in text:
        piece = _shown(char)
        used += len(piece)
        if used > limit:
            return "".join(pieces) + f"… ({len(text):,} characters)"
        pieces.append(piece)
    return "".join(pieces)


def visible_lines(text: str) -> str:
    """Text handhabit wrote, its own line breaks kept, with any control character that slipped into it
    made visible: what every line printed passes through last, whatever was or was not escaped before."""
    return "\n".join(_escaped(line) for line in text.split("\n"))
