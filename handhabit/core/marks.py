"""The marks of a day and the weekly summary as `streak --json` data (habits.md). No maths here: every
number comes from `habits.report`, so the JSON and the table (`terminal.streak_table`, which draws these
marks) can never disagree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from handhabit.core.check_in import CheckIns
from handhabit.core.habits import DayReport, HabitReport

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


def streak_json(today: dt.date, week_start: dt.date, reports: Sequence[HabitReport],
                check_ins: Mapping[str, CheckIns]) -> dict[str, object]:
    """The `handhabit streak --json` object; scripts depend on its exact shape. `check_ins`: the week's,
    per habit id."""
    return {
        "today": today.isoformat(),
        "week": {"start": week_start.isoformat(), "end": (week_start + dt.timedelta(days=6)).isoformat()},
        "habits": [{**_habit_json(r), **check_ins[r.habit.id].as_json()} for r in reports],
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


def week_totals(sessions: int, minutes: float) -> str:
    return f"{sessions} · {round(minutes)}m"
