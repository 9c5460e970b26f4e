"""The config as the rest of handhabit sees it: frozen dataclasses, and the limits they are held to.

Pure and small on purpose: the core imports it, so nothing here reads a file or names a library.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Literal, Protocol, TypeVar, get_args


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


Named = TypeVar("Named", bound=_HasId)
Per = Literal["day", "week"]
Backend = Literal["auto", "dbus", "plyer", "log"]
BACKENDS: tuple[Backend, ...] = get_args(Backend)


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
    backend: Backend = "auto"
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
        """Every id a reminder, a record or a command names was checked against the config first."""
        return _one(self.habits, habit_id, "habit")

    def routine(self, routine_id: str) -> Routine:
        return _one(self.routines, routine_id, "routine")

    def reminder(self, reminder_id: str) -> Reminder:
        return _one(self.reminders, reminder_id, "reminder")


def _one(items: tuple[Named, ...], wanted: str, what: str) -> Named:
    for item in items:
        if item.id == wanted:
            return item
    raise LookupError(f"no {what} {wanted!r} in the config")


class ConfigError(Exception):
    """All problems of one config at once, one line each, so a person fixes them in one pass. `paths` holds
    each line's key path where it has one (a TOML syntax error has none)."""

    def __init__(self, lines: list[str], paths: Sequence[str] = ()) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines
        self.paths = tuple(paths)


MIN_EVERY = timedelta(minutes=5)
# A snooze of seconds is there to try the button out (and for tests); a longer one than a day is a pause.
SNOOZE_LEAST, SNOOZE_MOST = timedelta(seconds=5), timedelta(hours=24)
DAY_SECONDS = 24 * 60 * 60  # like every duration in the config: a step, a daily target in minutes
DAY_MINUTES = DAY_SECONDS // 60
MAX_SESSIONS = DAY_MINUTES
