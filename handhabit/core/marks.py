"""The weekly summary as `streak --json` data and as a table (habits.md). No maths here: every number
comes from `habits.report`, so the JSON and the table can never disagree. rich loads only when a table
is drawn: it costs `streak --json` and `done` more than their work on ten years of records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from handhabit.core.habits import DayReport, HabitReport
from handhabit.core.units import WEEKDAYS, counted
from handhabit.core.visible import visible

if TYPE_CHECKING:
    from rich.table import Table

# The en dash is escaped so nobody "fixes" it into a hyphen.
MET, PARTIAL, NONE, NOT_DUE, EXCUSED = "✓", "◐", "·", "\u2013", "⊘"
# Days before the first session are left blank, like the heatmap's days after today: nothing there counts
# yet. A glyph of their own would read as one more kind of result beside ✓ and ·.
NOT_BEGUN = " "
MARKS = ((MET, "met"), (PARTIAL, "partial"), (NONE, "none"), (NOT_DUE, "not due"), (EXCUSED, "excused"))
BLANK = "blank: not yet begun"
LEGEND = "  ".join([*(f"{mark} {words}" for mark, words in MARKS), BLANK])


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


def day_mark(day: DayReport, unit: str = "day") -> str:
    """Met wins over excused, because a met excused day counts (habits.py); a daily shortfall on an
    excused day is neutral and shows as excused. For weekly targets a day's credit is the week's so far,
    so only days with sessions get a credit mark: the row shows which days were done and how far the
    week had come by then. A day before the first session is blank unless it was excused: the person
    asked for that mark."""
    counted = unit == "day" or day.sessions > 0
    if counted and day.met:
        return MET
    if day.excused and unit == "day":
        return EXCUSED
    if counted and day.credit > 0:
        return PARTIAL
    if day.excused:
        return EXCUSED
    if not day.begun:
        return NOT_BEGUN
    if not day.due:
        return NOT_DUE
    return NONE


def _week(sessions: int, minutes: float) -> str:
    return f"{sessions} · {round(minutes)}m"


def streak_table(today: dt.date, week_start: dt.date, reports: Sequence[HabitReport]) -> Table:
    """A row per habit, read at a glance: the week's marks, streaks, strength and week-on-week totals."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    week_end = week_start + dt.timedelta(days=6)
    table = Table(
        title=f"Week {week_start.isoformat()} to {week_end.isoformat()}",
        caption=LEGEND,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 0),
    )
    table.add_column("Habit", min_width=10)
    for i in range(7):
        day = week_start + dt.timedelta(days=i)
        header = f"{WEEKDAYS[day.weekday()].capitalize()}\n{day.day}"  # not strftime: no locale
        table.add_column(
            Text(header, style="bold") if day == today else header, justify="center", min_width=3
        )
    table.add_column("Streak", justify="right", no_wrap=True)
    table.add_column("Best", justify="right", no_wrap=True)
    table.add_column("Strength", justify="right", no_wrap=True)
    table.add_column("Week", justify="right", no_wrap=True)
    table.add_column("Last wk", justify="right", no_wrap=True)
    for r in reports:
        marks = [Text(day_mark(d, r.unit), style="bold" if d.date == today else "") for d in r.days]
        table.add_row(
            Text(visible(r.habit.name)),  # the config's text: never read as rich markup, nor by the terminal
            *marks,
            counted(r.current_streak, r.unit),
            str(r.best_streak),
            f"{round(r.score * 100)}%",
            _week(r.week_sessions, r.week_minutes),
            _week(r.last_week_sessions, r.last_week_minutes),
        )
    return table
