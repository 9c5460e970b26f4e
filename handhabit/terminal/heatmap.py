"""`handhabit streak --weeks N`: the last N weeks as a calendar heatmap, like a contribution graph.

A row per weekday and a column per week, each cell the day's mark from the weekly summary, so the two
views can never disagree. The marks are characters, not just colours: the map stays readable without
colour (NO_COLOR, a pipe, a colour-blind reader). Wider than the terminal, it continues in blocks below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rich.console import Group
from rich.text import Text

from handhabit.core import units
from handhabit.core.habits import DayReport, HabitReport
from handhabit.core.marks import BLANK, EXCUSED, MARKS, MET, NONE, NOT_BEGUN, NOT_DUE, PARTIAL, day_mark
from handhabit.core.units import WEEKDAYS
from handhabit.core.visible import visible

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # no locale
STYLES = {MET: "bold green", PARTIAL: "yellow", NONE: "dim", NOT_DUE: "dim", EXCUSED: "blue", NOT_BEGUN: ""}
CELL = 2  # a mark and a space
LABEL = 4  # "Mon "


def _month_row(week_starts: Sequence[dt.date]) -> str:
    """A month's name over the first week that starts in it, and the first column's month while there
    is room for it before the next name."""
    names = [(i, start.month) for i, start in enumerate(week_starts)
             if i == 0 or start.month != week_starts[i - 1].month]
    row = ""
    for (i, month), (following, _) in zip(names, [*names[1:], (len(week_starts), 0)], strict=True):
        if following - i >= 2:  # a name and its space take two columns
            row = row.ljust(LABEL + CELL * i) + MONTHS[month - 1]
    return row


def _block(days: Sequence[DayReport], unit: str, today: dt.date, week_starts_on: int) -> list[Text]:
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    lines = [Text(_month_row([w[0].date for w in weeks]), style="dim")]
    for row in range(7):
        line = Text(WEEKDAYS[(week_starts_on + row) % 7].capitalize().ljust(LABEL), style="dim")
        for week in weeks:
            day = week[row]
            if day.date > today:
                line.append(" " * CELL)
                continue
            mark = day_mark(day, unit)
            line.append(mark, style=STYLES[mark] + (" underline" if day.date == today else ""))
            line.append(" ")
        line.rstrip()
        lines.append(line)
    return lines


def _summary(report: HabitReport, days: Sequence[DayReport], today: dt.date) -> str:
    """How many units in the shown weeks were met: the long view the weekly row cannot give. Excused
    shortfalls and today, while still open, are left out, as in the streak, and so is every day before
    the first session: a newcomer's first days are not "2 of 25"."""
    if report.first_session is None:
        return "nothing recorded yet"
    if report.first_session > days[-1].date:
        return f"before the first session on {report.first_session.isoformat()}"
    past = [d for d in days if d.date <= today]
    if report.unit == "week":
        # `days` are whole weeks, so past splits into them; a week's last day holds its credit so far,
        # and has begun from the week of the first session on: that week counts whole, as in the streak.
        ends = [past[min(i + 6, len(past) - 1)] for i in range(0, len(past), 7)]
        counted = [d for d in ends if d.begun and (d.met or d.date != today)]
        return f"{sum(d.met for d in counted)} of {units.counted(len(counted), 'week')} met"
    counted = [d for d in past if d.begun and d.due and (d.met or not (d.excused or d.date == today))]
    return f"{sum(d.met for d in counted)} of {units.counted(len(counted), 'due day')} met"


def heatmap(
    report: HabitReport, days: Sequence[DayReport], *, today: dt.date, week_starts_on: int, width: int
) -> Group:
    """`days` are whole weeks (habits.calendar); `width` is the terminal's, for splitting into blocks."""
    first, last = days[0].date, days[-1].date
    title = Text.assemble(
        (visible(report.habit.name), "bold"),  # the config's text: never read as rich markup, nor by the terminal
        f": {report.streak_text}, best {report.best_streak}, strength {round(report.score * 100)}%",
    )
    period = Text(f"{first.isoformat()} to {last.isoformat()}: {_summary(report, days, today)}", style="dim")
    per_block = max(1, (width - LABEL) // CELL)
    lines = [title, period]
    for start in range(0, len(days), 7 * per_block):
        lines.extend(_block(days[start : start + 7 * per_block], report.unit, today, week_starts_on))
    return Group(*lines)


def legend() -> Text:
    text = Text()
    for mark, words in MARKS:
        text.append(mark, style=STYLES[mark])
        text.append(f" {words}  ")
    text.append(BLANK)
    return text
