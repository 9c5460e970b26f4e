"""Reading an export file back: the whole file checked before anything is written, every problem with
its place in the file and its fix. Whether a record is valid is `records.flaws`' answer, here as for
every other way into the store; the sync journal reads its records through `read_record` too."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, TypeVar

from handhabit.core.records import Deletion, Event, Excuse, Flaw, Record, Session, flaws
from handhabit.interchange.export import FORMAT, READS, REEXPORT, VERSION
from handhabit.interchange.rows import R, show


@dataclass(frozen=True)
class Records:
    """Everything an export holds; undone sessions and taken-back excuses too, so a restore keeps what
    `undo` and `unskip` marked."""

    sessions: list[Session] = field(default_factory=list)
    excuses: list[Excuse] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


class BadImport(ValueError):
    """Carries every problem found; its text is the first one plus a count, the CLI's one error line."""

    def __init__(self, problems: list[Flaw]) -> None:
        self.problems = problems
        more = len(problems) - 1
        tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        super().__init__(f"{problems[0]}{tail}")


class _Bad(Exception):
    """A value's problem and fix, before the caller knows the path it was found at."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem, self.fix = problem, fix


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
        raise _Bad(f"{show(value)} holds a lone surrogate escape", "remove the \\ud800-\\udfff escape") from None
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
        raise _Bad(f"{show(text)} is not a date and time", f"use ISO 8601 with a zone, e.g. {example}") from None
    if parsed.tzinfo is None:
        raise _Bad(f"{show(text)} has no zone offset", f'add "Z" for UTC or an offset like "+01:00", e.g. {example}')
    try:
        instant = parsed.astimezone(timezone.utc)
    except OverflowError:
        instant = datetime.min.replace(tzinfo=timezone.utc)
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
    raise _Bad(f"{show(text)} is not a date", f"use YYYY-MM-DD, e.g. {example}")


def _minutes(value: object, example: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(f"is {_kind(value)}, not a number", f"write minutes as a number, e.g. {example}, or null")
    try:
        return float(value)
    except OverflowError:  # an integer too large for a float: out of range like any other
        return math.inf


def _whole_number(value: object, example: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(f"is {_kind(value)}, not a whole number", f"write it as a whole number, e.g. {example}, or null")
    return value


@dataclass(frozen=True)
class _Field:
    name: str
    check: Callable[[object, str], Any]
    example: str
    required: bool = True


_ID = _Field("id", _name, "a UUID")
_SESSION = (
    _ID, _Field("habit", _name, '"hand-massage"'), _Field("at_utc", _instant, '"2025-03-10T19:00:00Z"'),
    _Field("tz", _name, '"Europe/Berlin"'), _Field("logical_date", _date, '"2025-03-10"'),
    _Field("minutes", _minutes, "5.0", required=False), _Field("source", _name, '"cli"'),
    _Field("note", _text, '"after lunch"', required=False), _Field("recorded_utc", _instant, '"2025-03-10T19:00:02Z"'),
    _Field("deleted_utc", _instant, '"2025-03-10T19:05:00Z"', required=False),
    _Field("feel", _text, '"better"', required=False), _Field("discomfort", _whole_number, "3", required=False),
)
_EXCUSE = (
    _ID, _Field("habit", _name, '"*" or "hand-massage"'), _Field("from_date", _date, '"2025-03-10"'),
    _Field("to_date", _date, '"2025-03-12"'), _Field("reason", _text, '"vacation"', required=False),
    _Field("deleted_utc", _instant, '"2025-03-11T08:00:00Z"', required=False),
)
_EVENT = (
    _ID, _Field("at_utc", _instant, '"2025-03-10T21:30:00Z"'), _Field("reminder", _text, '"bedtime"', required=False),
    _Field("habit", _text, '"hand-massage"', required=False), _Field("kind", _name, '"fired"'),
    _Field("detail", _text, '"target met"', required=False),
)
_DELETION = (
    _Field("table", _name, '"sessions"'), _ID, _Field("deleted_utc", _instant, '"2025-03-10T19:05:00Z"'),
)
_SPECS: dict[type, tuple[_Field, ...]] = {
    Session: _SESSION, Excuse: _EXCUSE, Event: _EVENT, Deletion: _DELETION,
}
_SINGULAR = {Session: "session", Excuse: "excuse", Event: "event", Deletion: "deletion mark"}
Checked = TypeVar("Checked", bound=Record | Deletion)


def _checked_fields(
    item: dict[str, Any], kind: type[Checked], path: str,
) -> tuple[dict[str, Any], list[Flaw]]:
    """Each field on its own: present when required, of its type, in its form. The values come back even
    when some are wrong, so a list can still tell a duplicate id."""
    values: dict[str, Any] = {}
    problems: list[Flaw] = []
    singular = _SINGULAR[kind]
    for spec_field in _SPECS[kind]:
        value = values[spec_field.name] = item.get(spec_field.name)
        if value is None:
            if spec_field.required:
                problem = "is null" if spec_field.name in item else "missing"
                fix = f"every {singular} needs {spec_field.name}, e.g. {spec_field.example}"
                problems.append(Flaw(f"{path}.{spec_field.name}", problem, fix))
            continue
        try:
            values[spec_field.name] = spec_field.check(value, spec_field.example)
        except _Bad as bad:
            problems.append(Flaw(f"{path}.{spec_field.name}", bad.problem, bad.fix))
    return values, problems


def _whole(
    kind: type[Checked], values: dict[str, Any], path: str, now: datetime | None,
) -> tuple[Checked | None, list[Flaw]]:
    """The record its fields make, by the store's own rules (`records.flaws`)."""
    record = kind(**values)
    wrong = [Flaw(f"{path}.{flaw.field}", flaw.problem, flaw.fix) for flaw in flaws(record, now)]
    return (None if wrong else record), wrong


def _not_an_object(item: object, kind: type[Checked], path: str) -> Flaw:
    singular = _SINGULAR[kind]
    return Flaw(path, f"is {_kind(item)}, not an object", f'write each {singular} as {{"id": …}}')


def read_record(
    kind: type[Checked], item: object, path: str, now: datetime | None = None,
) -> tuple[Checked | None, list[Flaw]]:
    """One record (or deletion mark) from decoded JSON, checked as an import checks each of its records, so
    a record that comes another way (a sync journal) meets the same rules; `path` leads each flaw."""
    if not isinstance(item, dict):
        return None, [_not_an_object(item, kind, path)]
    values, problems = _checked_fields(item, kind, path)
    return (None, problems) if problems else _whole(kind, values, path, now)


def _read_list(
    document: dict[str, Any], key: str, kind: type[R], problems: list[Flaw], now: datetime | None,
) -> list[R]:
    """Checks every field of every record, then each whole record by the store's own rules (`records.flaws`),
    and keeps going, so one run lists all that is wrong."""
    items = document.get(key, [])
    if not isinstance(items, list):
        problems.append(Flaw(key, f"is {_kind(items)}, not a list", f"write {key} as a list, [] if there are none"))
        return []
    records: list[R] = []
    first_index: dict[str, int] = {}
    for index, item in enumerate(items):
        path = f"{key}[{index}]"
        if not isinstance(item, dict):
            problems.append(_not_an_object(item, kind, path))
            continue
        values, wrong = _checked_fields(item, kind, path)
        problems.extend(wrong)
        valid = not wrong
        record_id = values["id"]
        if isinstance(record_id, str) and record_id.strip():  # also for a record with other problems
            if record_id in first_index:
                valid = False
                first = f"{key}[{first_index[record_id]}]"
                problems.append(Flaw(f"{path}.id", f"{show(record_id)} is also the id of {first}",
                                        "ids must be unique: remove the copy or give it a new UUID"))
            else:
                first_index[record_id] = index
        if not valid:
            continue
        record, wrong = _whole(kind, values, path, now)
        problems.extend(wrong)
        if record is not None:
            records.append(record)
    return records


def _header_problem(document: dict[str, Any]) -> Flaw | None:
    """Format and version first: a file that is not an export this handhabit reads has no records worth
    listing problems for."""
    if "format" not in document:
        return Flaw("format", "missing", f'{REEXPORT}; it starts with "format": "{FORMAT}"')
    if document["format"] != FORMAT:
        return Flaw("format", f'{show(document["format"])} is not "{FORMAT}"', REEXPORT)
    version = document.get("version")
    if version is None:
        return Flaw("version", "missing", f'a handhabit export says "version": {VERSION}')
    if isinstance(version, bool) or not isinstance(version, int):
        return Flaw("version", f"{show(version)} is not a version number", f"this handhabit reads {READS}")
    if version > VERSION:
        return Flaw("version", f"{version} is from a newer handhabit",
                       f"upgrade handhabit to import it; this one reads {READS}")
    if version < 1:
        return Flaw("version", f"{version} is not a version handhabit ever wrote", REEXPORT)
    return None


def read_export(data: bytes, now: datetime | None = None) -> Records:
    """Parses and checks a JSON export completely; raises BadImport listing every problem, so nothing half-imports.

    Unknown fields are ignored (later versions may add some); missing `excuses` and `events` mean none,
    a missing `deleted_utc` a record that counts (version 1 has none on excuses: it is read the same way).
    `logical_date` is kept as given: it was fixed where the session was recorded. `now` bounds how far
    ahead of this machine's clock a record may be.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadImport([Flaw(f"byte {exc.start}", "is not UTF-8 text", REEXPORT)]) from None
    if not text.strip():
        raise BadImport([Flaw("", "is empty", REEXPORT)])
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadImport([Flaw(f"line {exc.lineno} column {exc.colno}", f"is not JSON: {exc.msg}",
                                 f"fix the file there, or {REEXPORT}")]) from None
    except RecursionError:
        raise BadImport([Flaw("", "is nested too deeply to be an export", REEXPORT)]) from None
    except ValueError:  # Python refuses integers of over 4300 digits (int_max_str_digits)
        raise BadImport([Flaw("", "holds a number with thousands of digits", REEXPORT)]) from None
    if not isinstance(document, dict):
        raise BadImport([Flaw("", f"holds {_kind(document)}, not an export object", REEXPORT)])
    header = _header_problem(document)
    if header:
        raise BadImport([header])
    problems: list[Flaw] = []
    if "sessions" not in document:
        problems.append(Flaw("sessions", "missing", "an export has a list of sessions, [] when there are none"))
    records = Records(
        sessions=_read_list(document, "sessions", Session, problems, now),
        excuses=_read_list(document, "excuses", Excuse, problems, now),
        events=_read_list(document, "events", Event, problems, now),
    )
    if problems:
        raise BadImport(problems)
    return records
