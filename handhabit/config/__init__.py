"""The validated configuration: frozen dataclasses built from TOML (config.md).

Validation is pure (`parse` takes the decoded TOML); only `load` touches the file system.
"""

from __future__ import annotations

import re
import socket
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import time, timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from handhabit.core.units import (
    DAY_SHORTHANDS,
    IDENTIFIER,
    MOST_NAME,
    WEEKDAY_NAMES,
    parse_clock,
    parse_duration,
    parse_weekday,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Per = Literal["day", "week"]


@dataclass(frozen=True)
class Target:
    """Exactly one of `sessions` / `minutes` is set; weekly targets count sessions only."""

    per: Per
    sessions: int | None = None
    minutes: float | None = None

    def as_json(self) -> dict[str, object]:
        amount: dict[str, object] = (
            {"sessions": self.sessions} if self.sessions is not None else {"minutes": self.minutes}
        )
        return {**amount, "per": self.per}


@dataclass(frozen=True)
class Habit:
    id: str
    name: str
    target: Target
    days: frozenset[int]  # due weekdays, 0 = Monday
    routine: str


@dataclass(frozen=True)
class Step:
    name: str
    seconds: int
    how: str
    sides: bool = False  # done once per hand, so it takes twice `seconds`


@dataclass(frozen=True)
class Routine:
    id: str
    name: str
    steps: tuple[Step, ...]

    @property
    def minutes(self) -> float:
        return sum(s.seconds * (2 if s.sides else 1) for s in self.steps) / 60


@dataclass(frozen=True)
class Reminder:
    """A fixed-time reminder has `at`; a break reminder has `every` and `between`."""

    id: str
    habit: str
    message: str
    days: frozenset[int]
    at: tuple[time, ...] = ()
    every: timedelta | None = None
    between: tuple[time, time] | None = None
    routine: str | None = None
    skip_if_met: bool = True
    grace: timedelta = timedelta(minutes=30)


@dataclass(frozen=True)
class General:
    day_starts_at: time = time(4, 0)
    week_starts_on: int = 0  # 0 = Monday
    timezone: str | None = None  # None: the system's zone


@dataclass(frozen=True)
class Notify:
    backend: Literal["auto", "dbus", "plyer", "log"] = "auto"
    snooze: timedelta = timedelta(minutes=10)
    hold_while_away: bool = True
    away_after: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class Sync:
    """Sync is off while `folder` is None. `device` is only what `status` and `sync` show: devices are told
    apart by an id each database makes for itself, as two machines may well share a host name."""

    folder: Path | None = None
    device: str = field(default_factory=socket.gethostname)


@dataclass(frozen=True)
class Config:
    general: General
    notify: Notify
    habits: tuple[Habit, ...]
    reminders: tuple[Reminder, ...]
    routines: tuple[Routine, ...]
    sync: Sync = field(default_factory=Sync)
    source: Path | None = field(default=None, compare=False)  # None: the built-in default
    # The file's text as read: what the daemon runs is published with it, for `status` to tell it from the
    # file as it is now (None: the built-in default).
    text: str | None = field(default=None, compare=False, repr=False)

    def habit(self, habit_id: str) -> Habit:
        return next(h for h in self.habits if h.id == habit_id)

    def routine(self, routine_id: str) -> Routine:
        return next(r for r in self.routines if r.id == routine_id)


class ConfigError(Exception):
    """All problems of one config at once, one line each, so a person fixes them in one pass. `paths` holds
    each line's key path where it has one (a TOML syntax error has none)."""

    def __init__(self, lines: list[str], paths: Sequence[str] = ()) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines
        self.paths = tuple(paths)


BACKENDS = ("auto", "dbus", "plyer", "log")
MIN_EVERY = timedelta(minutes=5)
# A snooze of seconds is there to try the button out (and for tests); a longer one than a day is a pause.
SNOOZE_LEAST, SNOOZE_MOST = timedelta(seconds=5), timedelta(hours=24)
DEVICE_NAME_MOST = 64  # a name to tell machines apart in a line of `status`, not a description
DAY_SECONDS = 24 * 60 * 60  # like every duration in the config: a step, a daily target in minutes
DAY_MINUTES = DAY_SECONDS // 60
MAX_SESSIONS = DAY_MINUTES
_TOML_POSITION = re.compile(r"^(.*) \(at line (\d+), column (\d+)\)$")
_MISSING = object()


class _Checker:
    """Reads one TOML table, noting every problem with its key path instead of stopping at the first."""

    def __init__(self, source: str, errors: list[tuple[str, str]], data: Mapping[str, Any], path: str) -> None:
        self.source, self.errors, self.data, self.path = source, errors, data, path
        self.ok = True

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def error(self, key_path: str, problem: str) -> None:
        self.errors.append((key_path, f"{self.source}: {key_path}: {problem}"))
        self.ok = False

    def unknown(self, known: Sequence[str]) -> None:
        for name in self.data:
            if name not in known:
                close = _closest(name, known)
                hint = f'did you mean "{close}"?' if close else "known keys: " + ", ".join(known)
                self.error(self.key(name), f"unknown key ({hint})")

    def raw(self, name: str, expected: type | tuple[type, ...], what: str, required: bool = False) -> Any:
        value = self.data.get(name, _MISSING)
        if value is _MISSING:
            if required:
                self.error(self.key(name), f"required key is missing (add {name} = ...)")
            return _MISSING
        if isinstance(value, bool) != (bool in _as_tuple(expected)) or not isinstance(value, expected):
            self.error(self.key(name), f"expected {what}, got {_show(value)}")
            return _MISSING
        return value

    def parsed(self, name: str, parse: Callable[[str], T], default: T) -> T:
        """A string value turned into its type by a units parser, whose message carries the hint."""
        text = self.raw(name, str, "a string")
        if text is _MISSING:
            return default
        try:
            return parse(text)
        except ValueError as exc:
            self.error(self.key(name), str(exc))
            return default

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw(name, bool, "true or false")
        return default if value is _MISSING else bool(value)

    def text(self, name: str, default: str, required: bool = False) -> str:
        value = self.raw(name, str, "a string", required)
        return default if value is _MISSING else str(value)

    def filled(self, name: str) -> str:
        """A required id that must not be empty: a habit's, reminder's or routine's, or the habit a reminder is for."""
        value = self.text(name, "", required=True)
        if not value and isinstance(self.data.get(name), str):
            self.error(self.key(name), 'is empty (ids hold a-z, 0-9 and "-", e.g. "hand-massage")')
        return value

    def ident(self, name: str) -> str:
        value = self.filled(name)
        if value and not IDENTIFIER.fullmatch(value):
            suggestion = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-") or "my-id"
            self.error(self.key(name), f'{_show(value)} may hold only a-z, 0-9 and "-" (try {_show(suggestion)})')
        elif len(value) > MOST_NAME:
            self.error(self.key(name), f"is {len(value)} characters long (use at most {MOST_NAME})")
        return value

    def days(self, name: str) -> frozenset[int]:
        value = self.raw(name, (str, list), 'a list of weekdays like ["mon", "fri"], "daily" or "weekdays"')
        if value is _MISSING:
            return DAY_SHORTHANDS["daily"]
        if isinstance(value, str):
            if value in DAY_SHORTHANDS:
                return DAY_SHORTHANDS[value]
            self.error(self.key(name), f'"{value}" is not a day list (use "daily", "weekdays" or ["mon", ...])')
            return DAY_SHORTHANDS["daily"]
        days = set()
        for index, item in enumerate(value):
            try:
                days.add(parse_weekday(item) if isinstance(item, str) else parse_weekday(str(item)))
            except ValueError as exc:
                self.error(f"{self.key(name)}[{index}]", str(exc))
        if not value:
            self.error(self.key(name), 'no days given (a reminder or habit needs at least one, e.g. "daily")')
        return frozenset(days)

    def clocks(self, name: str) -> tuple[time, ...]:
        value = self.raw(name, (str, list), 'a list of times like ["22:30"]')
        if value is _MISSING:
            return ()
        items = [value] if isinstance(value, str) else value
        clocks = []
        for index, item in enumerate(items):
            try:
                clocks.append(parse_clock(item if isinstance(item, str) else str(item)))
            except ValueError as exc:
                self.error(f"{self.key(name)}[{index}]" if isinstance(value, list) else self.key(name), str(exc))
        if not items:
            self.error(self.key(name), 'no times given (e.g. at = ["22:30"])')
        return tuple(sorted(set(clocks)))

    def clocks_pair(self, name: str) -> tuple[time, time] | None:
        value = self.data.get(name)
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
            self.error(self.key(name), f'expected a start and an end like ["09:00", "17:30"], got {_show(value)}')
            return None
        try:
            start, end = parse_clock(value[0]), parse_clock(value[1])
        except ValueError as exc:
            self.error(self.key(name), str(exc))
            return None
        if start >= end:
            problem = f'the window must start before it ends ("{value[0]}" is not before "{value[1]}")'
            self.error(self.key(name), problem)
            return None
        return (start, end)

    def tables(self, name: str) -> list[_Checker]:
        value = self.data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.error(self.key(name), f"expected [[{name}]] tables, got {_show(value)}")
            return []
        return [_Checker(self.source, self.errors, item, f"{self.key(name)}[{i}]") for i, item in enumerate(value)]

    def table(self, name: str) -> _Checker:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            self.error(self.key(name), f"expected a [{name}] table, got {_show(value)}")
            value = {}
        return _Checker(self.source, self.errors, value, self.key(name))


T = TypeVar("T")


def _as_tuple(expected: type | tuple[type, ...]) -> tuple[type, ...]:
    return expected if isinstance(expected, tuple) else (expected,)


def _show(value: object) -> str:
    """A value as the file has it, cut short so a 400-digit number cannot flood the error line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    text = f'"{value}"' if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _parse_day_start(text: str) -> time:
    value = parse_clock(text)
    if value > time(12, 0):
        raise ValueError(f'"{text}" is out of range (use "00:00".."12:00")')
    return value


def _parse_week_start(text: str) -> int:
    name = text.strip().lower()
    for index, long in enumerate(WEEKDAY_NAMES):
        if name in (long, long[:3]):
            return index
    raise ValueError(f'"{text}" is not a weekday (use e.g. "monday" or "sunday")')


def _parse_zone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder such as "Europe"
        close = _closest(text, sorted(available_timezones()))
        hint = f'did you mean "{close}"?' if close else 'use an IANA name like "Europe/Berlin"'
        raise ValueError(f'"{text}" is not a known time zone ({hint})') from None
    return text


def _at_least_a_minute(text: str) -> timedelta:
    return parse_duration(text, least=timedelta(minutes=1))


def snooze_length(text: str) -> timedelta:
    """`notify.snooze` and `handhabit snooze DURATION`: one rule, 5s to 24h."""
    return parse_duration(text, least=SNOOZE_LEAST, most=SNOOZE_MOST)


def _break_interval(text: str) -> timedelta:
    """Five minutes at least: a shorter break rhythm is a typo ("1s" for "1h"), and would nag every second."""
    return parse_duration(text, least=MIN_EVERY)


def _parse_backend(text: str) -> str:
    if text not in BACKENDS:
        raise ValueError(f'"{text}" is not a backend (use one of {", ".join(BACKENDS)})')
    return text


def _sync_folder(text: str) -> Path:
    """Absolute only: the CLI and the service run in different working folders, and a relative path would
    name a different folder for each."""
    _one_line(text, "~/Sync/handhabit")
    if not text.strip():
        raise ValueError('is empty (name the synced folder, e.g. "~/Sync/handhabit", or leave folder out)')
    folder = Path(text).expanduser()
    if not folder.is_absolute():
        raise ValueError(f'{_show(text)} is a relative path (start it with "~/" or "/", e.g. "~/Sync/handhabit")')
    return folder


def device_name(text: str) -> str:
    """`[sync] device`, and the name another device's device.json gives it in the sync folder: shown in one
    line of `status` and `sync`, so held to the same rules wherever it comes from."""
    _one_line(text, "laptop")
    if not text.strip():
        raise ValueError('is empty (name this machine, e.g. "laptop")')
    if len(text) > DEVICE_NAME_MOST:
        raise ValueError(f'is {len(text)} characters long (use at most {DEVICE_NAME_MOST}, e.g. "laptop")')
    return text


def _one_line(text: str, example: str) -> None:
    """A line break or other control character would break the one-line messages the value appears in."""
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        raise ValueError(f'holds a line break or control character (write it on one line, e.g. "{example}")')


def _general(c: _Checker) -> General:
    c.unknown(("day_starts_at", "week_starts_on", "timezone"))
    return General(
        day_starts_at=c.parsed("day_starts_at", _parse_day_start, time(4, 0)),
        week_starts_on=c.parsed("week_starts_on", _parse_week_start, 0),
        timezone=c.parsed("timezone", _parse_zone, None),
    )


def _notify(c: _Checker) -> Notify:
    c.unknown(("backend", "snooze", "hold_while_away", "away_after"))
    return Notify(
        backend=c.parsed("backend", _parse_backend, "auto"),  # type: ignore[arg-type]
        snooze=c.parsed("snooze", snooze_length, timedelta(minutes=10)),
        hold_while_away=c.boolean("hold_while_away", True),
        away_after=c.parsed("away_after", _at_least_a_minute, timedelta(minutes=5)),
    )


def _sync(c: _Checker) -> Sync:
    c.unknown(("folder", "device"))
    return Sync(
        folder=c.parsed("folder", _sync_folder, None),
        device=c.parsed("device", device_name, socket.gethostname()),
    )


def _target(c: _Checker) -> Target:
    c.unknown(("sessions", "minutes", "per"))
    per = c.text("per", "day")
    if per not in ("day", "week"):
        c.error(c.key("per"), f'"{per}" is not a period (use "day" or "week")')
        per = "day"
    sessions = c.raw("sessions", int, "a whole number of sessions")
    minutes = c.raw("minutes", (int, float), "a number of minutes")
    if sessions is not _MISSING and minutes is not _MISSING:
        c.error(c.path, "give sessions or minutes, not both")
    elif sessions is _MISSING and minutes is _MISSING:
        if c.ok:
            c.error(c.path, "needs sessions or minutes (e.g. { sessions = 2, per = \"day\" })")
    elif sessions is not _MISSING and sessions < 1:
        c.error(c.key("sessions"), f"must be 1 or more, got {_show(sessions)}")
    elif sessions is not _MISSING and sessions > MAX_SESSIONS:  # 10**400 would overflow every report's maths
        c.error(c.key("sessions"), f"must be at most {MAX_SESSIONS} (one a minute, all day), got {_show(sessions)}")
    elif minutes is not _MISSING and minutes <= 0:
        c.error(c.key("minutes"), f"must be more than 0, got {_show(minutes)}")
    elif minutes is not _MISSING and not minutes <= DAY_MINUTES:  # also nan and inf, which no day can meet
        c.error(c.key("minutes"), f"must be at most {DAY_MINUTES} (a day), got {_show(minutes)}")
    elif minutes is not _MISSING and per == "week":
        c.error(c.path, 'a weekly target counts sessions (use { sessions = N, per = "week" })')
    if sessions is not _MISSING:
        return Target(per=per, sessions=int(sessions))  # type: ignore[arg-type]
    valid = minutes is not _MISSING and c.ok  # an error is reported instead; float(10**400) would raise
    return Target(per=per, minutes=float(minutes) if valid else 1.0)  # type: ignore[arg-type]


def _habit(c: _Checker) -> Habit:
    c.unknown(("id", "name", "target", "days", "routine"))
    habit_id = c.ident("id")
    target = _target(c.table("target")) if "target" in c.data else Target(per="day", sessions=1)
    return Habit(
        id=habit_id,
        name=c.text("name", habit_id),
        target=target,
        days=c.days("days"),
        routine=c.text("routine", "classic"),
    )


def _reminder(c: _Checker) -> Reminder:
    c.unknown(("id", "habit", "message", "at", "every", "between", "days", "routine", "skip_if_met", "grace"))
    reminder_id = c.ident("id")
    habit = c.filled("habit")
    at = c.clocks("at")
    every = c.parsed("every", _break_interval, None)
    between = c.clocks_pair("between") if "between" in c.data else None
    has_at, has_every = "at" in c.data, "every" in c.data
    if has_at == has_every:
        c.error(c.path, 'needs exactly one of at = ["22:30"] (fixed times) or every = "90m" (breaks)')
    elif has_every and "between" not in c.data:
        c.error(c.key("between"), 'a break reminder needs a window (add between = ["09:00", "17:30"])')
    elif has_at and "between" in c.data:
        c.error(c.key("between"), "only break reminders (every) have a window; remove it or use every")
    return Reminder(
        id=reminder_id,
        habit=habit,
        message=c.text("message", "Time for your hand-care routine."),
        days=c.days("days"),
        at=at,
        every=every,
        between=between,
        routine=c.text("routine", "") or None,
        skip_if_met=c.boolean("skip_if_met", True),
        grace=c.parsed("grace", parse_duration, timedelta(minutes=30)),
    )


def _step(c: _Checker) -> Step:
    c.unknown(("name", "seconds", "how", "sides"))
    seconds = c.raw("seconds", int, "a whole number of seconds", required=True)
    if seconds is not _MISSING and seconds < 1:
        c.error(c.key("seconds"), f"must be 1 or more, got {_show(seconds)}")
    elif seconds is not _MISSING and seconds > DAY_SECONDS:
        c.error(c.key("seconds"), f"must be at most {DAY_SECONDS} (a day), got {_show(seconds)}")
    return Step(
        name=c.text("name", "", required=True),
        seconds=int(seconds) if seconds is not _MISSING else 1,
        how=c.text("how", ""),
        sides=c.boolean("sides", False),
    )


def _routine(c: _Checker) -> Routine:
    c.unknown(("id", "name", "steps"))
    routine_id = c.ident("id")
    steps = tuple(_step(s) for s in c.tables("steps"))
    if not steps and isinstance(c.data.get("steps", []), list):  # a wrong type was reported by tables()
        c.error(c.key("steps"), 'a routine needs steps (add steps = [{ name = "...", seconds = 30 }])')
    return Routine(id=routine_id, name=c.text("name", routine_id), steps=steps)


def _duplicates(c: _Checker, section: str, ids: Sequence[str]) -> None:
    seen: set[str] = set()
    for index, item in enumerate(ids):
        if item and item in seen:
            c.error(f"{section}[{index}].id", f'"{item}" is used twice (ids must be unique)')
        seen.add(item)


def parse(data: Mapping[str, Any], source: str, builtin_routines: Sequence[Routine] = ()) -> Config:
    """Validates decoded TOML; `builtin_routines` stay available unless the file redefines them by id."""
    errors: list[tuple[str, str]] = []
    root = _Checker(source, errors, data, "")
    root.unknown(("general", "notify", "sync", "habits", "reminders", "routines"))
    general = _general(root.table("general"))
    notify = _notify(root.table("notify"))
    sync = _sync(root.table("sync"))
    habits = tuple(_habit(h) for h in root.tables("habits"))
    reminders = tuple(_reminder(r) for r in root.tables("reminders"))
    own_routines = tuple(_routine(r) for r in root.tables("routines"))
    if "habits" not in data or not habits:
        root.error("habits", "no habits defined (add a [[habits]] table; `handhabit init` writes an example)")
    for section, items in (("habits", habits), ("reminders", reminders), ("routines", own_routines)):
        _duplicates(root, section, [item.id for item in items])
    own_ids = {r.id for r in own_routines}
    routines = tuple(r for r in builtin_routines if r.id not in own_ids) + own_routines
    routine_ids = [r.id for r in routines]
    habit_ids = [h.id for h in habits]
    for index, habit in enumerate(habits):
        _must_name(root, f"habits[{index}].routine", habit.routine, routine_ids, "routine")
    for index, reminder in enumerate(reminders):
        if reminder.habit:
            _must_name(root, f"reminders[{index}].habit", reminder.habit, habit_ids, "habit")
        if reminder.routine:
            _must_name(root, f"reminders[{index}].routine", reminder.routine, routine_ids, "routine")
    if errors:
        raise ConfigError([line for _, line in errors], [key_path for key_path, _ in errors])
    return Config(general, notify, habits, reminders, routines, sync)


# Where a mistake leaves the record untouched: a reminder, a routine or a notification setting. What the
# record needs (the habits, the day's start and zone, the sync folder) must be right for any command to run.
_SPARED = re.compile(r"(?P<table>reminders|routines)\[(?P<index>\d+)\]|notify\.(?P<key>[^.\[]+)")
_SECTIONS = ("general", "notify", "sync", "habits", "reminders", "routines")


def parse_usable(
    data: Mapping[str, Any], source: str, builtin_routines: Sequence[Routine] = ()
) -> tuple[Config, ConfigError | None]:
    """`parse`, for the commands that record or read the record: a session done must be recordable while a
    reminder has a typo. The reminders, routines and notification settings with problems are left out
    until what is left parses, and the whole file's problems come with it. Problems elsewhere raise as in
    `parse`."""
    try:
        return parse(data, source, builtin_routines), None
    except ConfigError as whole:
        problems, trimmed = whole, _without(data, whole.paths)
        while trimmed is not None:
            try:
                return parse(trimmed, source, builtin_routines), whole
            except ConfigError as exc:
                problems = exc
            trimmed = _without(trimmed, problems.paths)
        raise whole from None


def _without(data: Mapping[str, Any], paths: Sequence[str]) -> dict[str, Any] | None:
    """`data` without the parts the key paths point into; None when one of them is not to be left out."""
    trimmed = dict(data)
    dropped: dict[str, set[int]] = {"reminders": set(), "routines": set()}
    for key_path in paths:
        spared = _SPARED.match(key_path)
        if spared and spared["table"] and isinstance(data.get(spared["table"]), list):
            dropped[spared["table"]].add(int(spared["index"]))
        elif spared and spared["key"] and isinstance(data.get("notify"), dict):
            trimmed["notify"] = {k: v for k, v in trimmed["notify"].items() if k != spared["key"]}
        elif key_path in ("notify", "reminders", "routines") or key_path.split(".")[0] not in _SECTIONS:
            trimmed.pop(key_path.split(".")[0], None)  # a wrong type, or a key no section of the config has
        else:
            return None
    for table, indexes in dropped.items():
        if indexes and table in trimmed:
            trimmed[table] = [item for index, item in enumerate(trimmed[table]) if index not in indexes]
    return trimmed if trimmed != data else None  # nothing left out: the same problems again


def _closest(word: str, known: Sequence[str]) -> str | None:
    """The "did you mean" of an error line; difflib loads only when there is a mistake to explain."""
    import difflib

    close = difflib.get_close_matches(word, known, n=1)
    return close[0] if close else None


def _must_name(c: _Checker, key_path: str, value: str, known: Sequence[str], what: str) -> None:
    if value not in known:
        close = _closest(value, known)
        hint = f'did you mean "{close}"?' if close else f"known: {', '.join(known) or 'none'}"
        c.error(key_path, f'no {what} "{value}" ({hint})')


def read_text(path: Path) -> str:
    """The file's text, every way it can be unreadable a ConfigError line. A UTF-8 byte order mark, which
    Windows editors write, is allowed: TOML itself forbids it."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read the config: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: not UTF-8 text (save the config as UTF-8)"]) from None


def decode(text: str, source: str) -> dict[str, Any]:
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.match(message)
        where = f"{source}:{match[2]}:{match[3]}" if match else source
        detail = match[1] if match else message
        raise ConfigError([f"{where}: TOML syntax error: {detail[:1].lower()}{detail[1:]}"]) from None
    except RecursionError:
        raise ConfigError([f"{source}: TOML nested too deeply to be a handhabit config"]) from None
    except ValueError:  # Python refuses integers of over 4300 digits (int_max_str_digits)
        raise ConfigError([f"{source}: a number with thousands of digits (no setting needs one: shorten it)"]) from None
    return data


def builtin() -> Config:
    from handhabit.config.default import DEFAULT_CONFIG

    return parse(DEFAULT_CONFIG, "built-in default")


def load(path: Path) -> Config:
    """The config at `path`, or the built-in default when no file is there (zero-setup start)."""
    return from_text(read_text(path), path) if path.exists() else builtin()


def from_text(text: str, path: Path) -> Config:
    """The config a file at `path` with this text gives: also the text a running daemon published."""
    return replace(parse(decode(text, str(path)), str(path), builtin().routines), source=path, text=text)


def load_usable(path: Path) -> tuple[Config, ConfigError | None]:
    """`load` through `parse_usable`: what the commands that record or read the record run on."""
    if not path.exists():
        return builtin(), None
    text = read_text(path)
    config, problems = parse_usable(decode(text, str(path)), str(path), builtin().routines)
    return replace(config, source=path, text=text), problems
