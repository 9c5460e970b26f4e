"""`handhabit streak`'s table on a terminal: a row per habit with the week's marks (`core.marks`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rich import box
from rich.table import Table
from rich.text import Text

from handhabit.core.habits import HabitReport
from handhabit.core.marks import LEGEND, day_mark, week_totals
from handhabit.core.units import WEEKDAYS, counted
from handhabit.core.visible import visible


def streak_table(today: dt.date, week_start: dt.date, reports: Sequence[HabitReport]) -> Table:
    """A row per habit, read at a glance: the week's marks, streaks, strength and week-on-week totals."""
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
            week_totals(r.week_sessions, r.week_minutes),
            week_totals(r.last_week_sessions, r.last_week_minutes),
        )
    return table
