"""The weekly summary as `streak --json` data and as a table (habits.md). No maths here: every number
comes from `habits.report`, so the JSON and the table can never disagree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from handhabit.habits import DayReport, HabitReport

MET, PARTIAL, NONE, NOT_DUE, EXCUSED = "✓", "◐", "·", "\u2013", "⊘"  # en dash, escaped so it is not mistaken for "-"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # fixed: the table must not follow the locale
LEGEND = f"{MET} met  {PARTIAL} partial  {NONE} not yet  {NOT_DUE} not due  {EXCUSED} excused"


def _day_json(day: DayReport) -> dict[str, object]:
    return {
        "date": day.date.isoformat(),
        "due": day.due,
        "excused": day.excused,
        "sessions": day.sessions,
        "minutes": float(day.minutes),
        "credit": round(float(day.credit), 6),
        "met": day.met,
    }


def _habit_json(r: HabitReport) -> dict[str, object]:
    return {
        "id": r.habit.id,
        "name": r.habit.name,
        "target": r.habit.target.as_json(),
        "unit": r.unit,
        "current_streak": r.current_streak,
        "best_streak": r.best_streak,
        "score": r.score,
        "week_sessions": r.week_sessions,
        "week_minutes": float(r.week_minutes),
        "days": [_day_json(d) for d in r.days],
    }


def streak_json(today: dt.date, week_start: dt.date, reports: Sequence[HabitReport]) -> dict[str, object]:
    """The `handhabit streak --json` object; scripts depend on its exact shape."""
    return {
        "today": today.isoformat(),
        "week": {"start": week_start.isoformat(), "end": (week_start + dt.timedelta(days=6)).isoformat()},
        "habits": [_habit_json(r) for r in reports],
    }


def day_mark(day: DayReport) -> str:
    """Excused wins over met: an excused day counts for nothing, whatever was done on it."""
    if day.excused:
        return EXCUSED
    if day.met:
        return MET
    if day.credit > 0:
        return PARTIAL
    if not day.due:
        return NOT_DUE
    return NONE


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def _amount(minutes: float) -> str:
    return str(round(minutes)) if abs(minutes - round(minutes)) < 0.05 else f"{minutes:.1f}"


def streak_table(today: dt.date, week_start: dt.date, reports: Sequence[HabitReport]) -> Table:
    """A row per habit, read at a glance: the week's marks, streaks, strength and week-on-week totals."""
    week_end = week_start + dt.timedelta(days=6)
    table = Table(title=f"Week {week_start.isoformat()} to {week_end.isoformat()}", caption=LEGEND)
    table.add_column("Habit")
    for i in range(7):
        day = week_start + dt.timedelta(days=i)
        header = f"{WEEKDAYS[day.weekday()]} {day.day}"
        table.add_column(Text(header, style="bold") if day == today else header, justify="center")
    table.add_column("Streak", justify="right")
    table.add_column("Best", justify="right")
    table.add_column("Strength", justify="right")
    table.add_column("Sessions", justify="right")
    table.add_column("Minutes", justify="right")
    for r in reports:
        marks = [Text(day_mark(d), style="bold" if d.date == today else "") for d in r.days]
        table.add_row(
            r.habit.name,
            *marks,
            _count(r.current_streak, r.unit),
            _count(r.best_streak, r.unit),
            f"{round(r.score * 100)}%",
            f"{r.week_sessions} (last {r.last_week_sessions})",
            f"{_amount(r.week_minutes)} (last {_amount(r.last_week_minutes)})",
        )
    return table
