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
is left for next time. A line that cannot be read (a newer version, a damaged file) stops the reading of
that file at its start, with one problem that says where and what; nothing after it is taken, and the
next reading names the same line, until it is repaired or handhabit upgraded. Nothing is skipped unsaid.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handhabit.interchange import read_record, to_row
from handhabit.records import Deletion, Event, Excuse, Flaw, Session

VERSION = 1
Change = Session | Excuse | Event | Deletion
KINDS: dict[str, type[Change]] = {"session": Session, "excuse": Excuse, "event": Event, "deleted": Deletion}
_KEY_OF = {kind: key for key, kind in KINDS.items()}
_REPAIR = "repair that line; nothing after it in the file is read until then"
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


@dataclass(frozen=True)
class Problem:
    """The line that stopped a reading; the caller puts the file's name in front."""

    at: Position
    flaw: Flaw

    def __str__(self) -> str:
        return f"line {self.at.line} (byte {self.at.offset}): {self.flaw}"


@dataclass(frozen=True)
class Reading:
    """The changes of the complete lines read, and where the next reading starts: after the last line
    taken, which is before the problem's line when there is one."""

    changes: tuple[Change, ...]
    end: Position
    problem: Problem | None = None


def read_lines(data: bytes, start: Position = START, now: datetime | None = None) -> Reading:
    """Reads the complete lines of `data`, the bytes of a journal file from `start.offset` on. `now`
    bounds how far ahead of this machine's clock a record may be, as for an import."""
    changes: list[Change] = []
    at, begin = start, 0
    while (newline := data.find(b"\n", begin)) >= 0:
        change = _change(data[begin:newline], now)
        if isinstance(change, Flaw):
            return Reading(tuple(changes), at, Problem(at, change))
        changes.append(change)
        begin = newline + 1
        at = Position(start.offset + begin, at.line + 1)
    return Reading(tuple(changes), at)


def _change(line: bytes, now: datetime | None) -> Change | Flaw:
    try:
        decoded: Any = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return Flaw("", f"byte {exc.start} of the line is not UTF-8", _REPAIR)
    except json.JSONDecodeError as exc:
        return Flaw("", f"is not JSON: {exc.msg} at column {exc.colno}", _REPAIR)
    except (RecursionError, ValueError):  # nested thousands deep; an integer of thousands of digits
        return Flaw("", "is not a journal line", _REPAIR)
    if not isinstance(decoded, dict):
        return Flaw("", "is not a journal line (a JSON object)", _REPAIR)
    wrong = _version_flaw(decoded.get("v"))
    if wrong:
        return wrong
    keys = [key for key in KINDS if key in decoded]
    if len(keys) != 1:
        held = f"holds {' and '.join(keys)}" if keys else "holds no change"
        return Flaw("", held, f"a line holds one of {_ONE_OF}; {_REPAIR}")
    change, flaws = read_record(KINDS[keys[0]], decoded[keys[0]], keys[0], now)
    return flaws[0] if change is None else change


def _version_flaw(version: object) -> Flaw | None:
    """A version this handhabit does not know is refused, never guessed at: a newer one may mean
    something an older reader would merge wrongly."""
    if version is None:
        return Flaw("v", "missing", f'every journal line has "v": {VERSION}; {_REPAIR}')
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        return Flaw("v", f"{json.dumps(version)[:40]} is not a version handhabit wrote", _REPAIR)
    if version > VERSION:
        return Flaw("v", f"{version} is from a newer handhabit",
                    f"upgrade handhabit on this machine to read it; this one reads version {VERSION}")
    return None


def journals(names: Iterable[str]) -> list[str]:
    """The journals among the file names in a device's folder, conflict copies included, in name order."""
    return sorted(name for name in names if _JOURNAL.fullmatch(name))
