"""The config's sections built from a decoded TOML document: `parse` checks the whole file and gives
the config, or a ConfigError with every problem, one line each, with its key path."""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence
from datetime import time, timedelta
from typing import Any

from handhabit.config.checker import MISSING, Checker, must_name, show
from handhabit.config.model import (
    DAY_MINUTES,
    DAY_SECONDS,
    MAX_SESSIONS,
    Config,
    ConfigError,
    General,
    Habit,
    Notify,
    Reminder,
    Routine,
    Step,
    Sync,
    Target,
)
from handhabit.config.parsers import (
    at_least_a_minute,
    break_interval,
    parse_backend,
    parse_day_start,
    parse_week_start,
    parse_zone,
    snooze_length,
    sync_folder,
)
from handhabit.core.units import (
    device_name,
    parse_duration,
)


def _general(c: Checker) -> General:
    c.unknown(("day_starts_at", "week_starts_on", "timezone"))
    return General(
        day_starts_at=c.parsed("day_starts_at", parse_day_start, time(4, 0)),
        week_starts_on=c.parsed("week_starts_on", parse_week_start, 0),
        timezone=c.parsed("timezone", parse_zone, None),
    )


def _notify(c: Checker) -> Notify:
    c.unknown(("backend", "snooze", "hold_while_away", "away_after"))
    return Notify(
        backend=c.parsed("backend", parse_backend, "auto"),
        snooze=c.parsed("snooze", snooze_length, timedelta(minutes=10)),
        hold_while_away=c.boolean("hold_while_away", True),
        away_after=c.parsed("away_after", at_least_a_minute, timedelta(minutes=5)),
    )


def _sync(c: Checker) -> Sync:
    c.unknown(("folder", "device"))
    return Sync(
        folder=c.parsed("folder", sync_folder, None),
        device=c.parsed("device", device_name, socket.gethostname()),
    )


def _target(c: Checker) -> Target:
    c.unknown(("sessions", "minutes", "per"))
    per = c.text("per", "day")
    if per not in ("day", "week"):
        c.error(c.key("per"), f'"{per}" is not a period (use "day" or "week")')
        per = "day"
    sessions = c.raw("sessions", int, "a whole number of sessions")
    minutes = c.raw("minutes", (int, float), "a number of minutes")
    if sessions is not MISSING and minutes is not MISSING:
        c.error(c.path, "give sessions or minutes, not both")
    elif sessions is MISSING and minutes is MISSING:
        if c.ok:
            c.error(c.path, "needs sessions or minutes (e.g. { sessions = 2, per = \"day\" })")
    elif sessions is not MISSING and sessions < 1:
        c.error(c.key("sessions"), f"must be 1 or more, got {show(sessions)}")
    elif sessions is not MISSING and sessions > MAX_SESSIONS:  # 10**400 would overflow every report's maths
        c.error(c.key("sessions"), f"must be at most {MAX_SESSIONS} (one a minute, all day), got {show(sessions)}")
    elif minutes is not MISSING and minutes <= 0:
        c.error(c.key("minutes"), f"must be more than 0, got {show(minutes)}")
    elif minutes is not MISSING and not minutes <= DAY_MINUTES:  # also nan and inf, which no day can meet
        c.error(c.key("minutes"), f"must be at most {DAY_MINUTES} (a day), got {show(minutes)}")
    elif minutes is not MISSING and per == "week":
        c.error(c.path, 'a weekly target counts sessions (use { sessions = N, per = "week" })')
    if sessions is not MISSING:
        return Target(per=per, sessions=int(sessions))  # type: ignore[arg-type]
    valid = minutes is not MISSING and c.ok  # an error is reported instead; float(10**400) would raise
    return Target(per=per, minutes=float(minutes) if valid else 1.0)  # type: ignore[arg-type]


def _habit(c: Checker) -> Habit:
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


def _reminder(c: Checker) -> Reminder:
    c.unknown(("id", "habit", "message", "at", "every", "between", "days", "routine", "skip_if_met", "grace"))
    reminder_id = c.ident("id")
    habit = c.filled("habit")
    at = c.clocks("at")
    every = c.parsed("every", break_interval, None)
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


def _step(c: Checker) -> Step:
    c.unknown(("name", "seconds", "how", "sides"))
    seconds = c.raw("seconds", int, "a whole number of seconds", required=True)
    if seconds is not MISSING and seconds < 1:
        c.error(c.key("seconds"), f"must be 1 or more, got {show(seconds)}")
    elif seconds is not MISSING and seconds > DAY_SECONDS:
        c.error(c.key("seconds"), f"must be at most {DAY_SECONDS} (a day), got {show(seconds)}")
    return Step(
        name=c.text("name", "", required=True),
        seconds=int(seconds) if seconds is not MISSING else 1,
        how=c.text("how", ""),
        sides=c.boolean("sides", False),
    )


def _routine(c: Checker) -> Routine:
    c.unknown(("id", "name", "steps"))
    routine_id = c.ident("id")
    steps = tuple(_step(s) for s in c.tables("steps"))
    if not steps and isinstance(c.data.get("steps", []), list):  # a wrong type was reported by tables()
        c.error(c.key("steps"), 'a routine needs steps (add steps = [{ name = "...", seconds = 30 }])')
    return Routine(id=routine_id, name=c.text("name", routine_id), steps=steps)


def _duplicates(c: Checker, section: str, ids: Sequence[str]) -> None:
    seen: set[str] = set()
    for index, item in enumerate(ids):
        if item and item in seen:
            c.error(f"{section}[{index}].id", f'"{item}" is used twice (ids must be unique)')
        seen.add(item)


def parse(data: Mapping[str, Any], source: str, builtin_routines: Sequence[Routine] = ()) -> Config:
    """Validates decoded TOML; `builtin_routines` stay available unless the file redefines them by id."""
    errors: list[tuple[str, str]] = []
    root = Checker(source, errors, data, "")
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
        must_name(root, f"habits[{index}].routine", habit.routine, routine_ids, "routine")
    for index, reminder in enumerate(reminders):
        if reminder.habit:
            must_name(root, f"reminders[{index}].habit", reminder.habit, habit_ids, "habit")
        if reminder.routine:
            must_name(root, f"reminders[{index}].routine", reminder.routine, routine_ids, "routine")
    if errors:
        raise ConfigError([line for _, line in errors], [key_path for key_path, _ in errors])
    return Config(general, notify, habits, reminders, routines, sync)
