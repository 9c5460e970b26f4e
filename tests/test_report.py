"""The weekly summary output: the exact `streak --json` shape and the table a person reads."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.text import Text

from handhabit.config.model import Habit, Target
from handhabit.core.check_in import CheckIns
from handhabit.core.habits import DayReport, HabitReport, report
from handhabit.core.marks import day_mark, streak_json
from handhabit.core.records import FEELS, Excuse, Session
from handhabit.terminal.streak_table import streak_table
from tests.builders import done_on

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
MON = date(2025, 3, 10)
TUE, WED, THU, FRI, SAT, SUN = (MON + timedelta(days=i) for i in range(1, 7))
LAST_WEEK = timedelta(days=7)

MASSAGE = Habit(
    id="hand-massage",
    name="Hand massage",
    target=Target(per="day", sessions=2),
    days=frozenset(range(7)),
    routine="classic",
)
STRETCH = Habit(
    id="stretch",
    name="Finger stretches",
    target=Target(per="week", sessions=3),
    days=frozenset(range(7)),
    routine="classic",
)
DESK = Habit(
    id="desk",
    name="Desk break",
    target=Target(per="day", minutes=10),
    days=frozenset(range(5)),
    routine="desk-break",
)


def session(
    day: date, at: time = time(19), *, habit: str = "hand-massage", minutes: float | None = None
) -> Session:
    return done_on(day, at, habit=habit, minutes=minutes)


SESSIONS = [
    # E2 of habits.md: Mon 2, Tue 1, Wed 2; now Thu with 0 today.
    session(MON),
    session(MON, time(21)),
    session(TUE),
    session(WED),
    session(WED, time(22)),
    # 3 a week: met last week, 2 of 3 this week.
    *(session(d - LAST_WEEK, habit="stretch") for d in (MON, WED, FRI)),
    session(MON, habit="stretch", minutes=2.5),
    session(THU, habit="stretch"),
    # 10 minutes on weekdays: 5 routine minutes on Mon, 10 on Tue.
    session(MON, habit="desk"),
    session(TUE, habit="desk", minutes=10.0),
]
EXCUSES = [Excuse(id="e1", habit="*", from_date=SAT, to_date=SAT, reason="trip")]


def reports(today: date = THU, week_of: date = THU) -> list[HabitReport]:
    return [
        report(h, SESSIONS, EXCUSES, today=today, week_of=week_of, week_starts_on=0, routine_minutes=5.0)
        for h in (MASSAGE, STRETCH, DESK)
    ]


def day(
    d: date,
    sessions: int = 0,
    minutes: float = 0.0,
    credit: float = 0.0,
    *,
    met: bool = False,
    excused: bool = False,
) -> dict[str, object]:
    return {
        "date": d.isoformat(),
        "due": True,
        "excused": excused,
        "sessions": sessions,
        "minutes": minutes,
        "credit": credit,
        "met": met,
    }


NO_CHECK_INS = {habit: CheckIns(dict.fromkeys(FEELS, 0), None) for habit in ("hand-massage", "stretch", "desk")}


def test_streak_json_has_the_exact_shape() -> None:
    check_ins = {**NO_CHECK_INS, "hand-massage": CheckIns({"better": 2, "same": 1, "worse": 0}, 3.5)}
    got = streak_json(THU, MON, reports()[:2], check_ins)
    assert got == {
        "today": "2025-03-13",
        "week": {"start": "2025-03-10", "end": "2025-03-16"},
        "habits": [
            {
                "id": "hand-massage",
                "name": "Hand massage",
                "target": {"sessions": 2, "per": "day"},
                "unit": "day",
                "current_streak": 1,
                "best_streak": 1,
                "score": 0.123206,
                "week_sessions": 5,
                "week_minutes": 25.0,
                "days": [
                    day(MON, 2, 10.0, 1.0, met=True),
                    day(TUE, 1, 5.0, 0.5),
                    day(WED, 2, 10.0, 1.0, met=True),
                    day(THU),
                    day(FRI),
                    day(SAT, excused=True),
                    day(SUN),
                ],
                "week_feel": {"better": 2, "same": 1, "worse": 0},
                "week_discomfort": 3.5,
            },
            {
                "id": "stretch",
                "name": "Finger stretches",
                "target": {"sessions": 3, "per": "week"},
                "unit": "week",
                "current_streak": 1,
                "best_streak": 1,
                "score": 0.216777,
                "week_sessions": 2,
                "week_minutes": 7.5,
                "days": [
                    day(MON, 1, 2.5, 0.333333),
                    day(TUE, 0, 0.0, 0.333333),
                    day(WED, 0, 0.0, 0.333333),
                    day(THU, 1, 5.0, 0.666667),
                    day(FRI, 0, 0.0, 0.666667),
                    day(SAT, 0, 0.0, 0.666667, excused=True),
                    day(SUN, 0, 0.0, 0.666667),
                ],
                "week_feel": {"better": 0, "same": 0, "worse": 0},
                "week_discomfort": None,
            },
        ],
    }
    # JSON types, not just equal values: floats stay floats, and it all serialises.
    massage = got["habits"][0]  # type: ignore[index]
    assert isinstance(massage["week_minutes"], float) and isinstance(massage["days"][3]["minutes"], float)
    assert json.loads(json.dumps(got, ensure_ascii=False)) == got


def test_streak_json_of_another_week_and_no_habits() -> None:
    got = streak_json(THU, MON - LAST_WEEK, reports(week_of=MON - LAST_WEEK), NO_CHECK_INS)
    assert got["week"] == {"start": "2025-03-03", "end": "2025-03-09"}
    stretch = got["habits"][1]  # type: ignore[index]
    assert [d["credit"] for d in stretch["days"]] == [0.333333] * 2 + [0.666667] * 2 + [1.0] * 3
    assert stretch["week_sessions"] == 3
    assert streak_json(THU, MON, [], {}) == {
        "today": "2025-03-13",
        "week": {"start": "2025-03-10", "end": "2025-03-16"},
        "habits": [],
    }


def render(today: date = THU, week_start: date = MON, week_of: date = THU) -> str:
    console = Console(record=True, width=100, file=io.StringIO())
    console.print(streak_table(today, week_start, reports(today=today, week_of=week_of)))
    return console.export_text()


def row(text: str, name: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.strip().startswith(name))
    return line.split()[len(name.split()) :]


def test_table_shows_marks_streaks_strength_and_totals() -> None:
    text = render()
    assert "Week 2025-03-10 to 2025-03-16" in text
    for header in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Streak", "Best", "Strength"):
        assert header in text
    assert " ".join(str(d) for d in range(10, 17)) in " ".join(text.split())
    # Habit, 7 marks, streak (2 words), best, strength, this week and last week ("sessions · minutes").
    assert row(text, "Hand massage") == [
        "✓", "◐", "✓", "·", "·", "⊘", "·", "1", "day", "1", "12%", "5", "·", "25m", "0", "·", "0m",
    ]  # fmt: skip
    # Weekly: the days with sessions, partial until the week is met.
    assert row(text, "Finger stretches") == [
        "◐", "·", "·", "◐", "·", "⊘", "·", "1", "week", "1", "22%", "2", "·", "8m", "3", "·", "15m",
    ]  # fmt: skip
    # Minutes target, weekdays only: Mon 5 of 10, Tue met, Wed missed, the weekend not due.
    assert row(text, "Desk break") == [
        "◐", "✓", "·", "·", "·", "⊘", "–", "0", "days", "1", "7%", "2", "·", "15m", "0", "·", "0m",
    ]  # fmt: skip
    assert "✓ met" in text and "⊘ excused" in text


def test_today_is_bold_only_in_the_current_week() -> None:
    table = streak_table(THU, MON, reports())
    thursday = table.columns[4]
    assert isinstance(thursday.header, Text) and thursday.header.style == "bold"
    assert all(isinstance(c, Text) and c.style == "bold" for c in thursday.cells)
    wednesday = table.columns[3]
    assert not isinstance(wednesday.header, Text)
    assert all(isinstance(c, Text) and c.style == "" for c in wednesday.cells)
    earlier = streak_table(THU, MON - LAST_WEEK, reports(week_of=MON - LAST_WEEK))
    assert not any(isinstance(c.header, Text) for c in earlier.columns)


def test_habit_names_are_not_markup() -> None:
    odd = Habit(
        id="odd",
        name="[bold]Palms[/bold]",
        target=Target(per="day", sessions=1),
        days=frozenset(range(7)),
        routine="classic",
    )
    r = report(odd, [], [], today=THU, week_of=THU, week_starts_on=0, routine_minutes=5.0)
    console = Console(record=True, width=100, file=io.StringIO())
    console.print(streak_table(THU, MON, [r]))
    assert "[bold]Palms[/bold]" in console.export_text()


def test_plural_streak_units() -> None:
    later = MON + 2 * LAST_WEEK
    text = render(today=later, week_start=later, week_of=later)
    assert row(text, "Hand massage")[7:10] == ["0", "days", "1"]
    assert row(text, "Finger stretches")[7:10] == ["0", "weeks", "1"]


def test_day_mark_precedence() -> None:
    base = DayReport(date=MON, due=True, excused=False, sessions=0, minutes=0.0, credit=0.0, met=False,
                     begun=True)

    def mark(unit: str = "day", **changes: Any) -> str:
        return day_mark(replace(base, **changes), unit)

    assert mark() == "·"
    assert mark(due=False) == "–"
    assert mark(sessions=1, credit=0.5) == "◐"
    assert mark(sessions=2, credit=1.0, met=True) == "✓"
    assert mark(due=False, sessions=2, credit=1.0, met=True) == "✓"  # done on a day off still shows
    assert mark(excused=True, sessions=2, credit=1.0, met=True) == "✓"  # met anyway: it counts
    assert mark(excused=True, sessions=1, credit=0.5) == "⊘"  # a shortfall on an excused day is forgiven
    assert mark("week", excused=True, sessions=1, credit=0.5) == "◐"  # still counts towards the week
    assert mark("week", excused=True) == "⊘"
    # Weekly: a day without sessions shows none even when the week's credit is carried over.
    assert mark("week", credit=0.5) == "·"
    assert mark("week", credit=1.0, met=True) == "·"
    assert mark("week", sessions=1, credit=1.0, met=True) == "✓"
    # Before the first session: blank, due or not, daily or weekly; a day excused there still shows it.
    assert mark(begun=False) == mark(due=False, begun=False) == mark("week", begun=False) == " "
    assert mark(excused=True, begun=False) == "⊘"


def test_days_before_the_first_session_are_blank_in_the_week_table() -> None:
    started = [session(WED), session(WED, time(21)), session(THU)]
    r = report(MASSAGE, started, [], today=THU, week_of=THU, week_starts_on=0, routine_minutes=5.0)
    console = Console(record=True, width=100, file=io.StringIO())
    console.print(streak_table(THU, MON, [r]))
    text = console.export_text()
    # Mon and Tue have no mark at all: the row starts with Wednesday's.
    assert row(text, "Hand massage")[:7] == ["✓", "◐", "·", "·", "·", "1", "day"]
    assert "⊘ excused  blank: not yet begun" in text
