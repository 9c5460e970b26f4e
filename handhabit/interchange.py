"""Records as text: the JSON export (habits.md's interchange format), the CSV export, and the database's rows.

Pure: the CLI reads and writes the files and the store talks to SQLite, so a round trip can be tested
without either, and an import file is checked whole before anything is written. The store uses the same
text form for its rows, so an export read back into a fresh database exports to the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handhabit.records import Event, Excuse, Session

FORMAT = "handhabit-export"
VERSION = 1
CSV_COLUMNS = ("id", "habit", "logical_date", "at_local", "at_utc", "tz", "minutes", "source", "note",
               "recorded_utc")
REEXPORT = "import a file written by `handhabit export --format json`"
R = TypeVar("R", Session, Excuse, Event)


def utc_text(instant: datetime) -> str:
    """ISO instant with a Z; fixed width, so text order is time order in SQL."""
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> datetime:
    """Reads what `utc_text` wrote; Python 3.10's fromisoformat does not know the Z."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def to_row(record: Session | Excuse | Event) -> dict[str, Any]:
    """The one text form of a record, shared by the database and the export so neither can drift."""
    row = {item.name: getattr(record, item.name) for item in fields(record)}  # asdict's deep copy is 5x slower
    for key, value in row.items():
        if isinstance(value, datetime):
            row[key] = utc_text(value)
        elif isinstance(value, date):
            row[key] = value.isoformat()
    return row


def from_row(kind: type[R], row: dict[str, Any]) -> R:
    """Trusts its input (it comes from the database); import files go through `read_export` instead."""
    values: dict[str, Any] = {}
    for item in fields(kind):
        value = row.get(item.name)
        if value is not None and item.type in ("datetime", "datetime | None"):
            value = parse_utc(value)
        elif value is not None and item.type in ("date",):
            value = date.fromisoformat(value)
        values[item.name] = value
    return kind(**values)


@dataclass(frozen=True)
class Records:
    """Everything an export holds; undone sessions too, so a restore keeps what `undo` marked."""

    sessions: list[Session] = field(default_factory=list)
    excuses: list[Excuse] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


def _sorted_rows(records: Iterable[Session | Excuse | Event], *keys: str) -> list[dict[str, Any]]:
    """Ordered by content, never by rowid, so two databases with the same records export the same bytes."""
    return sorted((to_row(record) for record in records), key=lambda row: tuple(row[key] for key in keys))


def _session_rows(sessions: Iterable[Session]) -> list[dict[str, Any]]:
    rows = _sorted_rows(sessions, "at_utc", "id")
    for row in rows:
        if row["minutes"] is not None:  # an int that slipped in would read back as a float and change the bytes
            row["minutes"] = float(row["minutes"])
    return rows


def export_json(records: Records) -> str:
    """The interchange document; UTF-8 text as written (ensure_ascii off) so notes stay readable in a backup."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "sessions": _session_rows(records.sessions),
        "excuses": _sorted_rows(records.excuses, "from_date", "to_date", "habit", "id"),
        "events": _sorted_rows(records.events, "at_utc", "id"),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _local_text(row: dict[str, Any]) -> str:
    """The session's wall-clock time where it was done, which is what a person scanning a spreadsheet expects."""
    instant = parse_utc(row["at_utc"])
    if _known_zone(row["tz"]):  # else a zone this machine's tz database lacks: UTC beats no export at all
        instant = instant.astimezone(ZoneInfo(row["tz"]))
    return instant.isoformat(timespec="seconds")


def export_csv(sessions: Iterable[Session]) -> str:
    """One row per live session: spreadsheets sum rows, and an undone session must add nothing to a sum."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in _session_rows(s for s in sessions if s.deleted_utc is None):
        row["at_local"] = _local_text(row)
        writer.writerow(["" if row[column] is None else row[column] for column in CSV_COLUMNS])
    return out.getvalue()


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an import file: where (a JSON path, empty for the whole file), what, and the fix."""

    where: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.where + ': ' if self.where else ''}{self.problem} ({self.fix})"


class BadImport(ValueError):
    """Carries every problem found; its text is the first one plus a count, the CLI's one error line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        more = len(problems) - 1
        tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        super().__init__(f"{problems[0]}{tail}")


class _Bad(Exception):
    """A value's problem and fix, before the caller knows the path it was found at."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem, self.fix = problem, fix


def _show(value: object) -> str:
    """A value as it looked in the file, cut short so one bad note cannot flood the error line."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate cannot be printed: show it escaped, as the file has it
        text = json.dumps(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def _text(value: object, example: str) -> str:
    if not isinstance(value, str):
        raise _Bad(f"is {_kind(value)}, not a string", f"write it as a string, e.g. {example}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone "\ud800" escape: valid JSON, but SQLite and the export could not store it
        raise _Bad(f"{_show(value)} holds a lone surrogate escape", "remove the \\ud800-\\udfff escape") from None
    return value


def _name(value: object, example: str) -> str:
    text = _text(value, example)
    if not text.strip():
        raise _Bad("is empty", f"give it a value, e.g. {example}")
    return text


def _instant(value: object, example: str) -> datetime:
    """Any ISO 8601 instant with an offset, normalised to what the store writes (UTC, whole seconds)."""
    text = _text(value, example)
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise _Bad(f"{_show(text)} is not a date and time", f"use ISO 8601 with a zone, e.g. {example}") from None
    if parsed.tzinfo is None:
        raise _Bad(f"{_show(text)} has no zone offset", f'add "Z" for UTC or an offset like "+01:00", e.g. {example}')
    try:
        instant = parsed.astimezone(timezone.utc)
    except OverflowError:
        instant = datetime.min.replace(tzinfo=timezone.utc)
    if not 1000 <= instant.year <= 9999:  # the store's text form is fixed width only for four-digit years
        raise _Bad(f"{_show(text)} is out of range", f"use a year from 1000 to 9999, e.g. {example}")
    return instant.replace(microsecond=0)


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(value: object, example: str) -> date:
    """Strictly YYYY-MM-DD: logical dates are kept as given, so they must already be in the stored form."""
    text = _text(value, example)
    if _DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise _Bad(f"{_show(text)} is not a date", f"use YYYY-MM-DD, e.g. {example}")


@lru_cache(maxsize=1024)
def _known_zone(key: str) -> bool:
    try:
        ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # ValueError: "../x"; OSError: a folder such as "Europe"
        return False
    return True


def _zone(value: object, example: str) -> str:
    """A zone this machine knows, or the session's local time and any later report on it would be guesswork."""
    text = _text(value, example)
    if not _known_zone(text):
        raise _Bad(f"{_show(text)} is not an IANA time zone", f"use a name such as {example} or \"UTC\"")
    return text


def _minutes(value: object, example: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(f"is {_kind(value)}, not a number", f"write minutes as a number, e.g. {example}, or null")
    try:
        minutes = float(value)
    except OverflowError:
        minutes = math.inf
    if not (math.isfinite(minutes) and minutes > 0):
        raise _Bad(f"{_show(value)} is not a positive number of minutes", "use a number above 0, or null when unknown")
    return minutes


@dataclass(frozen=True)
class _Field:
    name: str
    check: Callable[[object, str], Any]
    example: str
    required: bool = True


_ID = _Field("id", _name, "a UUID")
_SESSION = (
    _ID, _Field("habit", _name, '"hand-massage"'), _Field("at_utc", _instant, '"2025-03-10T19:00:00Z"'),
    _Field("tz", _zone, '"Europe/Berlin"'), _Field("logical_date", _date, '"2025-03-10"'),
    _Field("minutes", _minutes, "5.0", required=False), _Field("source", _name, '"cli"'),
    _Field("note", _text, '"after lunch"', required=False), _Field("recorded_utc", _instant, '"2025-03-10T19:00:02Z"'),
    _Field("deleted_utc", _instant, '"2025-03-10T19:05:00Z"', required=False),
)
_EXCUSE = (
    _ID, _Field("habit", _name, '"*" or "hand-massage"'), _Field("from_date", _date, '"2025-03-10"'),
    _Field("to_date", _date, '"2025-03-12"'), _Field("reason", _text, '"vacation"', required=False),
)
_EVENT = (
    _ID, _Field("at_utc", _instant, '"2025-03-10T21:30:00Z"'), _Field("reminder", _text, '"bedtime"', required=False),
    _Field("habit", _text, '"hand-massage"', required=False), _Field("kind", _name, '"fired"'),
    _Field("detail", _text, '"target met"', required=False),
)


def _excuse_order(values: dict[str, Any]) -> _Bad | None:
    if values["from_date"] > values["to_date"]:
        return _Bad(f'"{values["from_date"]}" is after to_date "{values["to_date"]}"', "swap the two dates")
    return None


def _read_list(
    document: dict[str, Any], key: str, kind: type[R], spec: tuple[_Field, ...], problems: list[Problem],
    also: Callable[[dict[str, Any]], _Bad | None] = lambda values: None,
) -> list[R]:
    """Checks every field of every record and keeps going, so one run lists all that is wrong."""
    items = document.get(key, [])
    if not isinstance(items, list):
        problems.append(Problem(key, f"is {_kind(items)}, not a list", f"write {key} as a list, [] if there are none"))
        return []
    singular = key[:-1]
    records: list[R] = []
    first_index: dict[str, int] = {}
    for index, item in enumerate(items):
        path = f"{key}[{index}]"
        if not isinstance(item, dict):
            problems.append(Problem(path, f"is {_kind(item)}, not an object", f'write each {singular} as {{"id": …}}'))
            continue
        values: dict[str, Any] = {}
        valid = True
        for spec_field in spec:
            value = values[spec_field.name] = item.get(spec_field.name)
            if value is None:
                if spec_field.required:
                    valid = False
                    problem = "is null" if spec_field.name in item else "missing"
                    fix = f"every {singular} needs {spec_field.name}, e.g. {spec_field.example}"
                    problems.append(Problem(f"{path}.{spec_field.name}", problem, fix))
                continue
            try:
                values[spec_field.name] = spec_field.check(value, spec_field.example)
            except _Bad as bad:
                valid = False
                problems.append(Problem(f"{path}.{spec_field.name}", bad.problem, bad.fix))
        record_id = values["id"]
        if isinstance(record_id, str) and record_id.strip():  # also for a record with other problems
            if record_id in first_index:
                valid = False
                first = f"{key}[{first_index[record_id]}]"
                problems.append(Problem(f"{path}.id", f"{_show(record_id)} is also the id of {first}",
                                        "ids must be unique: remove the copy or give it a new UUID"))
            else:
                first_index[record_id] = index
        if not valid:
            continue
        wrong = also(values)
        if wrong:
            problems.append(Problem(f"{path}.from_date", wrong.problem, wrong.fix))
            continue
        records.append(kind(**values))
    return records


def _header_problem(document: dict[str, Any]) -> Problem | None:
    """Format and version first: a file that is not a version-1 export has no records worth listing problems for."""
    if "format" not in document:
        return Problem("format", "missing", f'{REEXPORT}; it starts with "format": "{FORMAT}"')
    if document["format"] != FORMAT:
        return Problem("format", f'{_show(document["format"])} is not "{FORMAT}"', REEXPORT)
    version = document.get("version")
    if version is None:
        return Problem("version", "missing", f'a handhabit export says "version": {VERSION}')
    if isinstance(version, bool) or not isinstance(version, int):
        return Problem("version", f"{_show(version)} is not a version number", f"this handhabit reads {VERSION}")
    if version > VERSION:
        return Problem("version", f"{version} is from a newer handhabit",
                       f"upgrade handhabit to import it; this one reads version {VERSION}")
    if version < 1:
        return Problem("version", f"{version} is not a version handhabit ever wrote", REEXPORT)
    return None


def read_export(data: bytes) -> Records:
    """Parses and checks a JSON export completely; raises BadImport listing every problem, so nothing half-imports.

    Unknown fields are ignored (later versions may add some); missing `excuses` and `events` mean none.
    `logical_date` is kept as given: it was fixed where the session was recorded.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadImport([Problem(f"byte {exc.start}", "is not UTF-8 text", REEXPORT)]) from None
    if not text.strip():
        raise BadImport([Problem("", "is empty", REEXPORT)])
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadImport([Problem(f"line {exc.lineno} column {exc.colno}", f"is not JSON: {exc.msg}",
                                 f"fix the file there, or {REEXPORT}")]) from None
    except RecursionError:
        raise BadImport([Problem("", "is nested too deeply to be an export", REEXPORT)]) from None
    if not isinstance(document, dict):
        raise BadImport([Problem("", f"holds {_kind(document)}, not an export object", REEXPORT)])
    header = _header_problem(document)
    if header:
        raise BadImport([header])
    problems: list[Problem] = []
    if "sessions" not in document:
        problems.append(Problem("sessions", "missing", "an export has a list of sessions, [] when there are none"))
    records = Records(
        sessions=_read_list(document, "sessions", Session, _SESSION, problems),
        excuses=_read_list(document, "excuses", Excuse, _EXCUSE, problems, also=_excuse_order),
        events=_read_list(document, "events", Event, _EVENT, problems),
    )
    if problems:
        raise BadImport(problems)
    return records
