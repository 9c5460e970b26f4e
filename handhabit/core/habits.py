"""Habit maths (habits.md): logical days, credit, streaks and the Loop strength score.

Everything here is pure so the daemon, the CLI and the tests agree on one answer: "now" and "today"
are always parameters, records come in as plain iterables and nothing is stored. Streaks and scores are
recomputed from the whole history on every call, so the loops work on `date.toordinal()` integers and a
per-day dict instead of date objects to keep ten years of history cheap.

Excuses only ever forgive: an excused unit that falls short is neutral (habits.md), but one that is met
anyway counts like any met unit. Otherwise `skip` on a day already done would cut the streak it was
meant to protect, and "excusing a day never lowers the current streak" would not hold.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from zoneinfo import ZoneInfo

from handhabit.config.model import Habit, Target
from handhabit.core.progress import EPSILON, Progress
from handhabit.core.records import DayTotal, Excuse, Session
from handhabit.core.schedule import wall_instant
from handhabit.core.units import counted

__all__ = [
    "DayReport", "HabitReport", "History", "Progress", "calendar", "day_totals", "excused_dates", "logical_date",
    "progress", "report", "week_start",
]

HALF_LIFE_DAYS = 13


def logical_date(at: dt.datetime, zone: ZoneInfo, day_starts_at: dt.time) -> dt.date:
    """The date whose day runs from the first instant the clock shows `day_starts_at` on it to that of
    the next date (habits.md: wall time minus the day start). Bounding the day by instants keeps the
    zone's real day lengths and lets no later session get an earlier day, even when the day start
    falls in a repeated or skipped DST hour."""
    if at.tzinfo is None:
        raise ValueError("logical_date needs a timezone-aware datetime")
    wall = at.astimezone(zone).replace(tzinfo=None)
    offset = dt.timedelta(hours=day_starts_at.hour, minutes=day_starts_at.minute, seconds=day_starts_at.second)
    day = (wall - offset).date()  # the answer, unless the day start falls inside a DST change
    instant = at.astimezone(dt.timezone.utc)
    if instant < wall_instant(day, day_starts_at, zone):
        return day - dt.timedelta(days=1)
    if instant >= wall_instant(day + dt.timedelta(days=1), day_starts_at, zone):
        return day + dt.timedelta(days=1)
    return day


def week_start(day: dt.date, week_starts_on: int) -> dt.date:
    """The first day of the calendar week holding `day`; weekly targets and the summary share it."""
    return day - dt.timedelta(days=(day.weekday() - week_starts_on) % 7)


@dataclass(frozen=True)
class DayReport:
    """One day of the shown week. For weekly targets `credit`/`met` are the week's so far. A day before
    the habit's first session has not `begun`: it counts nowhere (docs/habits.md), whatever its credit."""

    date: dt.date
    due: bool
    excused: bool
    sessions: int
    minutes: float
    credit: float
    met: bool
    begun: bool


@dataclass(frozen=True)
class HabitReport:
    """Streaks and score cover the whole history up to today; the totals and `days` the shown week.
    `first_session` is the logical date of the first live session: None until there is one."""

    habit: Habit
    unit: str  # "day" | "week"
    current_streak: int
    best_streak: int
    score: float
    week_sessions: int
    week_minutes: float
    last_week_sessions: int
    last_week_minutes: float
    days: tuple[DayReport, ...]
    first_session: dt.date | None

    @property
    def streak_text(self) -> str:
        return f"streak {counted(self.current_streak, self.unit)}"


def _amount(target: Target) -> float:
    if target.sessions is not None:
        return float(target.sessions)
    if target.minutes is not None:
        return float(target.minutes)
    raise ValueError("a target needs sessions or minutes")


def _credit(done: float, required: float) -> float:
    if required <= 0 or done >= required - EPSILON:
        return 1.0
    return done / required


Buckets = dict[int, tuple[int, float]]  # ordinal -> (sessions, minutes)
# What the maths reads: the sessions themselves, or their day totals (the store's, or `day_totals`).
# Both give one answer; the day totals are what makes a report on ten years cheap.
History = Iterable[Session] | Iterable[DayTotal]


def day_totals(sessions: Iterable[Session]) -> list[DayTotal]:
    """What `Store.day_totals` reads from SQL, for sessions held in memory."""
    live = sorted((s for s in sessions if s.deleted_utc is None), key=lambda s: (s.habit, s.logical_date))
    totals = []
    for (habit, day), group in groupby(live, key=lambda s: (s.habit, s.logical_date)):
        minutes = [s.minutes for s in group]
        rated = [m for m in minutes if m is not None]
        totals.append(DayTotal(habit, day, len(minutes), math.fsum(rated), len(minutes) - len(rated)))
    return totals


def _bucket(habit: Habit, history: History, routine_minutes: float) -> Buckets:
    """Group this habit's live sessions by their stored logical date (never recomputed: travel must not
    move history). A session without minutes counts its routine's length. `math.fsum` makes the minute
    totals independent of the sessions' order."""
    mine = [entry for entry in history if entry.habit == habit.id]
    days = [entry for entry in mine if isinstance(entry, DayTotal)]
    if len(days) == len(mine):
        buckets = {d.logical_date.toordinal(): (d.sessions, d.minutes + d.unrated * routine_minutes) for d in days}
        if len(buckets) == len(days):
            return buckets  # one total a day, as SQL sums them: nothing left to add up
    minutes: dict[int, list[float]] = {}
    counts: dict[int, int] = {}
    parts: tuple[float, ...]
    for entry in mine:
        if isinstance(entry, DayTotal):
            n, parts = entry.sessions, (entry.minutes, entry.unrated * routine_minutes)
        elif entry.deleted_utc is None:
            n, parts = 1, (routine_minutes if entry.minutes is None else entry.minutes,)
        else:
            continue
        o = entry.logical_date.toordinal()
        if o in counts:
            counts[o] += n
            minutes[o].extend(parts)
        else:
            counts[o], minutes[o] = n, list(parts)
    return {o: (counts[o], math.fsum(ms)) for o, ms in minutes.items()}


def excused_dates(excuses: Iterable[Excuse], first: dt.date, last: dt.date) -> set[dt.date]:
    """The days in [first, last] that `excuses` cover, whichever habit they name: the caller picks."""
    days: set[dt.date] = set()
    for e in excuses:
        start, end = max(e.from_date, first), min(e.to_date, last)
        days.update(start + dt.timedelta(days=i) for i in range((end - start).days + 1))
    return days


def _excused(habit: Habit, excuses: Iterable[Excuse], lo: int, hi: int) -> set[int]:
    """Excused ordinals, clipped to [lo, hi] so an open-ended excuse costs nothing."""
    mine = [e for e in excuses if e.habit in ("*", habit.id)]
    return {d.toordinal() for d in excused_dates(mine, dt.date.fromordinal(lo), dt.date.fromordinal(hi))}


def _weekday(ordinal: int) -> int:
    return (ordinal - 1) % 7  # ordinal 1 is Monday 0001-01-01


def _done(target: Target, sessions: int, minutes: float) -> float:
    return float(sessions) if target.sessions is not None else minutes


class _Run:
    """Streak and score state walked forward unit by unit."""

    def __init__(self, m: float) -> None:
        self.m = m
        self.score = 0.0
        self.current = 0
        self.best = 0

    def add(self, credit: float) -> None:
        self.score = self.score * self.m + credit * (1 - self.m)
        if credit >= 1:
            self.current += 1
            self.best = max(self.best, self.current)
        else:
            self.current = 0


def report(
    habit: Habit,
    history: History,
    excuses: Iterable[Excuse],
    *,
    today: dt.date,
    week_of: dt.date,
    week_starts_on: int,
    routine_minutes: float,
) -> HabitReport:
    """The numbers behind `handhabit streak` for one habit, recomputed from the records."""
    target = habit.target
    amount = _amount(target)
    buckets = _bucket(habit, history, routine_minutes)
    today_o = today.toordinal()
    shown_o = week_start(week_of, week_starts_on).toordinal()
    start_o = min((o for o in buckets if o <= today_o), default=today_o)
    if target.per == "week":
        start_o = week_start(dt.date.fromordinal(start_o), week_starts_on).toordinal()
        end_o = week_start(today, week_starts_on).toordinal() + 6
    else:
        end_o = today_o
    excused = _excused(habit, excuses, min(start_o, shown_o - 7), max(end_o, shown_o + 6))
    due = [wd in habit.days for wd in range(7)]

    if target.per == "week":
        run = _weekly_run(target, amount, buckets, excused, start_o, today, week_starts_on)
    else:
        run = _daily_run(target, amount, buckets, excused, due, start_o, today_o)
    began_o = min(buckets, default=None)
    days = _week_days(target, amount, buckets, excused, due, shown_o, began_o)

    def totals(first: int) -> tuple[int, float]:
        week = [buckets[o] for o in range(first, first + 7) if o in buckets]
        return sum(n for n, _ in week), math.fsum(m for _, m in week)

    week_sessions, week_minutes = totals(shown_o)
    last_sessions, last_minutes = totals(shown_o - 7)
    return HabitReport(
        habit=habit,
        unit=target.per,
        current_streak=run.current,
        best_streak=run.best,
        score=round(run.score, 6),
        week_sessions=week_sessions,
        week_minutes=week_minutes,
        last_week_sessions=last_sessions,
        last_week_minutes=last_minutes,
        days=days,
        first_session=None if began_o is None else dt.date.fromordinal(began_o),
    )


def _daily_run(
    target: Target,
    amount: float,
    buckets: Buckets,
    excused: set[int],
    due: list[bool],
    start_o: int,
    today_o: int,
) -> _Run:
    run = _Run(0.5 ** (1 / HALF_LIFE_DAYS))
    for o in range(start_o, today_o + 1):
        if not due[_weekday(o)]:
            continue  # neutral: neither extends nor breaks, score unchanged
        n, minutes = buckets.get(o, (0, 0.0))
        credit = _credit(_done(target, n, minutes), amount)
        if credit < 1 and o in excused:
            continue  # an excuse forgives a shortfall; a day met anyway still counts
        if o == today_o and credit < 1:
            break  # today is still open: it counts once met and never breaks the streak
        run.add(credit)
    return run


def _week_required(amount: float, excused: set[int], first_o: int) -> float:
    """A week with excused days asks proportionally less; 0 means the whole week is excused."""
    free = sum(1 for o in range(first_o, first_o + 7) if o not in excused)
    return float(math.ceil(amount * free / 7 - EPSILON))


def _week_done(target: Target, buckets: Buckets, first_o: int, stop_o: int) -> float:
    """Sessions (or minutes) from the week's first day up to, not including, `stop_o`."""
    return math.fsum(_done(target, *buckets[o]) for o in range(first_o, stop_o) if o in buckets)


def _weekly_run(
    target: Target,
    amount: float,
    buckets: Buckets,
    excused: set[int],
    start_o: int,
    today: dt.date,
    week_starts_on: int,
) -> _Run:
    run = _Run(0.5 ** (7 * math.sqrt(amount / 7) / HALF_LIFE_DAYS))
    today_o = today.toordinal()
    current_o = week_start(today, week_starts_on).toordinal()
    for first in range(start_o, current_o + 1, 7):
        required = _week_required(amount, excused, first)
        done = _week_done(target, buckets, first, min(first + 7, today_o + 1))
        if required == 0 and done == 0:
            continue  # an all-excused week is neutral unless something was done in it
        credit = _credit(done, required)
        if first == current_o and credit < 1:
            break
        run.add(credit)
    return run


def calendar(
    habit: Habit,
    history: History,
    excuses: Iterable[Excuse],
    *,
    first: dt.date,
    weeks: int,
    week_starts_on: int,
    routine_minutes: float,
) -> tuple[DayReport, ...]:
    """Every day of `weeks` calendar weeks from the week holding `first`: the heatmap's cells, with the
    same credit rules as the weekly summary so the two never disagree."""
    target = habit.target
    amount = _amount(target)
    buckets = _bucket(habit, history, routine_minutes)
    first_o = week_start(first, week_starts_on).toordinal()
    excused = _excused(habit, excuses, first_o, first_o + 7 * weeks - 1)
    due = [wd in habit.days for wd in range(7)]
    began_o = min(buckets, default=None)
    return tuple(
        day
        for w in range(weeks)
        for day in _week_days(target, amount, buckets, excused, due, first_o + 7 * w, began_o)
    )


def _week_days(
    target: Target,
    amount: float,
    buckets: Buckets,
    excused: set[int],
    due: list[bool],
    first_o: int,
    began_o: int | None,
) -> tuple[DayReport, ...]:
    """For weekly targets a day's credit is the week's so far. An all-excused week is neutral until
    something is done in it; then it is met, like any week whose excused days leave less than one
    session to do. `began_o` is the first session's day (None: there is none yet)."""
    weekly = target.per == "week"
    required = _week_required(amount, excused, first_o) if weekly else amount
    days = []
    done = 0.0
    for o in range(first_o, first_o + 7):
        n, minutes = buckets.get(o, (0, 0.0))
        done = done + _done(target, n, minutes) if weekly else _done(target, n, minutes)
        credit = _credit(done, required) if required > 0 or done > 0 else 0.0
        days.append(
            DayReport(
                date=dt.date.fromordinal(o),
                due=due[_weekday(o)],
                excused=o in excused,
                sessions=n,
                minutes=minutes,
                credit=credit,
                met=credit >= 1,
                begun=began_o is not None and o >= began_o,
            )
        )
    return tuple(days)


def progress(
    habit: Habit,
    history: History,
    excuses: Iterable[Excuse],
    *,
    today: dt.date,
    week_starts_on: int,
    routine_minutes: float,
) -> Progress:
    """Whether a reminder is still needed today, and the "1 of 2 today" line that goes with it."""
    target = habit.target
    amount = _amount(target)
    counts = "sessions" if target.sessions is not None else "minutes"
    buckets = _bucket(habit, history, routine_minutes)
    today_o = today.toordinal()
    if target.per == "week":
        first = week_start(today, week_starts_on).toordinal()
        excused = _excused(habit, excuses, first, first + 6)
        required = _week_required(amount, excused, first)
        done = _week_done(target, buckets, first, today_o + 1)
        is_excused = today_o in excused
        met = is_excused or _credit(done, required) >= 1
        return Progress(done, required, met, "week", counts, True, is_excused)
    is_excused = bool(_excused(habit, excuses, today_o, today_o))
    is_due = today.weekday() in habit.days
    done = _done(target, *buckets.get(today_o, (0, 0.0)))
    met = is_excused or not is_due or _credit(done, amount) >= 1
    return Progress(done, amount, met, "day", counts, is_due, is_excused)
