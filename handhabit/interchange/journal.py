"""The sync journal: what a device appends to its files in the synced folder, and how the others read it.

Each device writes only its own files, `<folder>/devices/<device-id>/<YYYY-MM>.jsonl`, so no two machines
ever write the same file and the sync tool never has to reconcile one. A file holds one change per line:
a JSON object in UTF-8, keys sorted, no spaces, ending in "\\n", with the format version `v` and exactly
one of four keys:

    {"session":{"at_utc":"2026-11-25T09:00:00Z",...,"tz":"Europe/Berlin"},"v":1}
    {"excuse":{"deleted_utc":null,"from_date":"2026-12-24",...,"to_date":"2026-12-26"},"v":1}
    {"event":{"at_utc":"2026-11-25T09:30:00Z","detail":null,"habit":null,"id":"...","kind":"paused",...},"v":1}
    {"deleted":{"deleted_utc":"2026-11-25T10:10:10Z","id":"...","table":"sessions"},"v":1}

A record goes whole, in the export's text form (`interchange.to_row`), with its `deleted_utc` when it has
one; a deletion mark (`undo`, `unskip`) names only the table and the id. Each is checked on the way in by
the rules of an import (`interchange.read_record`). Keys a line has beside these are ignored, so a later
handhabit may add some to version 1; a change that older ones must not misread gets a new version.

Reading is resumable: a device keeps the `Position` reached in each file and reads on from there, so an
incremental sync reads only the new bytes. A last line without its "\\n" is a file still being synced: it
is left for next time. A damaged line (cut by a crash, not JSON, not a record, longer than any line
handhabit writes, a record that breaks the rules of an import) is passed over once a whole line follows it,
with one problem that says where and what: no device can repair another device's file, and the lines after
it must not wait for that. Two lines stop the reading of a file at their start instead, because what they
hold must not be skipped and can be read later: a line of a newer format (read once handhabit is upgraded)
and a record from further ahead than another machine's clock may run (read once this clock gets there).
The next reading names the same line. Nothing is skipped unsaid.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from handhabit.core.records import AHEAD, FIRST_INSTANT, Deletion, Event, Excuse, Flaw, Session, flaws, utc_text
from handhabit.interchange.importing import read_record
from handhabit.interchange.rows import to_row

VERSION = 1
MOST_LINE = 128 * 1024  # bytes: a line handhabit writes is a few hundred; its texts are bounded (records.MOST_TEXT)
# A deletion mark dated before this cannot be honest: no handhabit record is that old.
EARLIEST_MARK = FIRST_INSTANT + AHEAD
Change = Session | Excuse | Event | Deletion
KINDS: dict[str, type[Change]] = {"session": Session, "excuse": Excuse, "event": Event, "deleted": Deletion}
_KEY_OF = {kind: key for key, kind in KINDS.items()}
_REPAIR = "passed over; the lines after it are read"
_ONE_OF = ", ".join(f'"{key}"' for key in KINDS)
# A month's journal, or a sync tool's copy of one made when two machines wrote it at once (which only a
# device id used twice can cause): Syncthing's "2026-11.sync-conflict-20261125-101010-ABCDEFG.jsonl",
# Dropbox's "2026-11 (Alice's conflicted copy 2026-11-25).jsonl" (its words are translated, so any note in
# brackets), Nextcloud's "2026-11 (conflicted copy 2026-11-25 101010).jsonl". A copy is merged like the
# original: merging is idempotent, so a copy too many costs nothing and one missed would lose records.
# Temporary files (".syncthing.2026-11.jsonl.tmp", "~syncthing~2026-11.jsonl.tmp") do not match.
_JOURNAL = re.compile(r"[0-9]{4}-[0-9]{2}(?:\.sync-conflict-.*| \(.*\))?\.jsonl", re.DOTALL)


def encode(change: Change) -> bytes:
    """One journal line. Compact and with sorted keys, so one change is always the same bytes."""
    line = {"v": VERSION, _KEY_OF[type(change)]: to_row(change)}
    return (json.dumps(line, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode()


@dataclass(frozen=True)
class Position:
    """Where the reading of one journal file got to: the byte to read on from, and the number of the line
    that starts there, so a problem can be named the way an editor shows the file."""

    offset: int = 0
    line: int = 1


START = Position()


class Later(Flaw):
    """A line that can be read later, never skipped: from a newer handhabit, or from a clock ahead of ours."""


@dataclass(frozen=True)
class Problem:
    """A line passed over or one that stopped a reading; the caller puts the file's name in front."""

    at: Position
    flaw: Flaw

    def __str__(self) -> str:
        return f"line {self.at.line} (byte {self.at.offset}): {self.flaw}"


@dataclass(frozen=True)
class Reading:
    """The changes of the complete lines read, and where the next reading starts: after the last line
    taken, which is before the problem's line when there is one. `passed_over` are the damaged lines read
    past and the deletion marks refused, each said once, as the reading moves past it."""

    changes: tuple[Change, ...]
    end: Position
    problem: Problem | None = None
    passed_over: tuple[Problem, ...] = ()


def read_lines(data: bytes, start: Position = START, now: datetime | None = None) -> Reading:
    """Reads the complete lines of `data`, the bytes of a journal file from `start.offset` on. `now`
    bounds how far ahead of this machine's clock a record may be, as for an import. A damaged line is
    passed over when a whole line follows it in `data`; else the reading stops at it, as at a line to be
    read later, and the caller that has more of the file reads on from there."""
    changes: list[Change] = []
    passed: list[Problem] = []
    at, begin = start, 0
    while (newline := data.find(b"\n", begin)) >= 0:
        change, flaw = _change(data[begin:newline], now)
        if flaw is not None and (change is None):
            if isinstance(flaw, Later) or data.find(b"\n", newline + 1) < 0:
                return Reading(tuple(changes), at, Problem(at, flaw), tuple(passed))
            passed.append(Problem(at, flaw))
        elif flaw is not None:
            passed.append(Problem(at, flaw))
        if change is not None:
            changes.append(change)
        begin = newline + 1
        at = Position(start.offset + begin, at.line + 1)
    if len(data) - begin > MOST_LINE:  # no line is this long: damaged, and passed over once it ends
        return Reading(tuple(changes), at, Problem(at, _too_long(len(data) - begin, "and has not ended yet")),
                       tuple(passed))
    return Reading(tuple(changes), at, None, tuple(passed))


def _too_long(size: int, more: str = "") -> Flaw:
    return Flaw("", f"is {size:,} bytes long {more}".strip(),
                f"no line handhabit writes is longer than {MOST_LINE:,} bytes; {_REPAIR}")


def _change(line: bytes, now: datetime | None) -> tuple[Change | None, Flaw | None]:
    """The change a line holds, or the flaw that refuses it; both when the change is taken without the
    deletion it came with (a mark that cannot be honest)."""
    if len(line) > MOST_LINE:
        return None, _too_long(len(line))
    try:
        decoded: Any = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return None, Flaw("", f"byte {exc.start} of the line is not UTF-8", _REPAIR)
    except json.JSONDecodeError as exc:
        return None, Flaw("", f"is not JSON: {exc.msg} at column {exc.colno}", _REPAIR)
    except (RecursionError, ValueError):  # nested thousands deep; an integer of thousands of digits
        return None, Flaw("", "is not a journal line", _REPAIR)
    if not isinstance(decoded, dict):
        return None, Flaw("", "is not a journal line (a JSON object)", _REPAIR)
    wrong = _version_flaw(decoded.get("v"))
    if wrong:
        return None, wrong
    keys = [key for key in KINDS if key in decoded]
    if len(keys) != 1:
        held = f"holds {' and '.join(keys)}" if keys else "holds no change"
        return None, Flaw("", held, f"a line holds one of {_ONE_OF}; {_REPAIR}")
    key = keys[0]
    change, _ = read_record(KINDS[key], decoded[key], key, now)  # the usual line: well-formed and in bounds
    if change is not None:
        return _admitted(change, key, now, checked=True)
    change, flawed = read_record(KINDS[key], decoded[key], key, None)
    return (None, flawed[0]) if change is None else _admitted(change, key, now, checked=False)


def _admitted(change: Change, key: str, now: datetime | None, checked: bool) -> tuple[Change | None, Flaw | None]:
    """A record read whole, held to what this machine accepts now (`checked`: it has been): not from
    further ahead than a clock may run (read later), no text longer than a command takes (refused), and no
    deletion that cannot be honest: before any record could be, or in the future. A record keeps its place
    without such a deletion, so nothing another device sends can hide it; a bare mark of that kind is
    refused."""
    deleted = None if isinstance(change, Event) else change.deleted_utc
    refused = None
    if deleted is not None and (deleted < EARLIEST_MARK or (now is not None and deleted > now + AHEAD)):
        refused = Flaw(f"{key}.deleted_utc", f"{utc_text(deleted)} cannot be when it was deleted",
                       "the deletion is refused; the record stays as it is")
        if not isinstance(change, (Session, Excuse)):
            return None, refused
        change, checked = replace(change, deleted_utc=None), False
    if checked or now is None:
        return change, refused
    ahead = [instant for instant in _instants(change) if instant > now + AHEAD]
    if ahead:
        return None, Later(f"{key}", f"is from {utc_text(max(ahead))}, more than a day ahead of this clock",
                           "its device's clock is ahead; the line is read once this clock gets there")
    wrong = flaws(change, now)
    if wrong:  # a text longer than a command takes, and so than anything handhabit writes
        return None, replace(wrong[0], field=f"{key}.{wrong[0].field}", fix=f"{wrong[0].fix}; {_REPAIR}")
    return change, refused


def _instants(change: Change) -> list[datetime]:
    if isinstance(change, Session):
        return [change.at_utc, change.recorded_utc]
    return [change.at_utc] if isinstance(change, Event) else []


def _version_flaw(version: object) -> Flaw | None:
    """A version this handhabit does not know is refused, never guessed at: a newer one may mean
    something an older reader would merge wrongly."""
    if version is None:
        return Flaw("v", "missing", f'every journal line has "v": {VERSION}; {_REPAIR}')
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        return Flaw("v", f"{json.dumps(version)[:40]} is not a version handhabit wrote", _REPAIR)
    if version > VERSION:
        return Later("v", f"{version} is from a newer handhabit",
                    f"upgrade handhabit on this machine to read it; this one reads version {VERSION}")
    return None


def journals(names: Iterable[str]) -> list[str]:
    """The journals among the file names in a device's folder, conflict copies included, in name order."""
    return sorted(name for name in names if _JOURNAL.fullmatch(name))
