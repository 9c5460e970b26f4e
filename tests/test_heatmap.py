"""The `streak --weeks` heatmap: cells agree with the weekly summary, months line up, narrow terminals
get blocks, and it reads the same without colour."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta, timezone
from uuid import uuid4

from rich.console import Console

from handhabit.config.model import Habit, Target
from handhabit.core.habits import calendar, report
from handhabit.core.records import Excuse, Session
from handhabit.terminal.heatmap import heatmap, legend

MON = date(2025, 3, 10)
WEEKLY = Habit("stretch", "Stretches", Target("week", sessions=3), frozenset(range(7)), "classic")
WEEKDAYS_ONLY = Habit("desk", "Desk breaks", Target("day", sessions=1), frozenset(range(5)), "classic")


def session(habit: Habit, day: date) -> Session:
    at = datetime.combine(day, time(18), tzinfo=timezone.utc)
    return Session(str(uuid4()), habit.id, at, "UTC", day, None, "cli", None, at)


def render(habit: Habit, days: list[date], today: date, weeks: int, *, width: int = 80,
           week_starts_on: int = 0, excuses: tuple[Excuse, ...] = (), week_of: date | None = None) -> list[str]:
    """`streak --weeks N` as drawn without colour; `week_of` is `--week` (default: today)."""
    sessions = [session(habit, d) for d in days]
    shown = week_of or today
    kwargs = {"week_starts_on": week_starts_on, "routine_minutes": 5.0}
    r = report(habit, sessions, excuses, today=today, week_of=shown, **kwargs)  # type: ignore[arg-type]
    cells = calendar(habit, sessions, excuses, first=shown - timedelta(weeks=weeks - 1), weeks=weeks,
                     **kwargs)  # type: ignore[arg-type]
    console = Console(file=io.StringIO(), width=width, record=True, color_system=None)
    console.print(heatmap(r, cells, today=today, week_starts_on=week_starts_on, width=width))
    return console.export_text().splitlines()


def test_weekly_target_marks_the_days_done_and_counts_weeks() -> None:
    done = [MON, MON + timedelta(days=2), MON + timedelta(days=5), MON + timedelta(days=8)]
    lines = render(WEEKLY, done, today=MON + timedelta(days=9), weeks=2)
    assert lines[0] == "Stretches: streak 1 week, best 1, strength 22%"
    assert lines[1] == "2025-03-10 to 2025-03-23: 1 of 1 week met"  # the open week is not counted yet
    assert lines[3:] == ["Mon ◐ ·", "Tue · ◐", "Wed ◐ ·", "Thu ·", "Fri ·", "Sat ✓", "Sun ·"]


def test_days_off_and_sunday_weeks() -> None:
    sunday = MON - timedelta(days=1)
    lines = render(WEEKDAYS_ONLY, [MON, MON + timedelta(days=5)], today=MON + timedelta(days=6), weeks=2,
                   week_starts_on=6)
    assert [line[:3] for line in lines[3:]] == ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    # The first Sunday, before the first session, is blank. Today is Sunday, the first day of the second
    # week: the rest of that week is still blank.
    assert lines[3:] == ["Sun   –", "Mon ✓", "Tue ·", "Wed ·", "Thu ·", "Fri ·", "Sat ✓"]
    assert lines[1] == f"{sunday} to {sunday + timedelta(days=13)}: 1 of 5 due days met"


def test_a_narrow_terminal_gets_blocks_with_their_own_months() -> None:
    today = date(2025, 6, 4)
    lines = render(WEEKDAYS_ONLY, [date(2025, 1, 20)], today=today, weeks=20, width=24)
    blocks = [i for i, line in enumerate(lines) if line.startswith("Mon")]
    assert len(blocks) == 2  # 10 weeks fit in 24 columns
    assert all(len(line) <= 24 for line in lines[2:])
    assert lines[blocks[0] - 1].split() == ["Jan", "Feb", "Mar"]  # weeks from Mon 2025-01-20
    # No room for "Mar" before April's week, nor for "Jun" over the last column.
    assert lines[blocks[1] - 1].split() == ["Apr", "May"]
    assert lines[blocks[1] + 2].startswith("Wed · ·")  # today, Wed 2025-06-04, is the last cell


def test_legend_lists_every_mark() -> None:
    assert legend().plain == "✓ met  ◐ partial  · none  – not due  ⊘ excused  blank: not yet begun"


# --- days before the first session (issue 18) ---------------------------------------------------------

DAILY = Habit("daily", "Finger stretches", Target("day", sessions=1), frozenset(range(7)), "classic")
TUE, WED, THU = (MON + timedelta(days=i) for i in (1, 2, 3))


def test_days_before_the_first_session_stay_blank_and_count_nowhere() -> None:
    """Three days of use, shown in four weeks: the three days are all there is to count."""
    lines = render(DAILY, [TUE, WED, THU], today=THU, weeks=4)
    assert lines[1] == "2025-02-17 to 2025-03-16: 3 of 3 due days met"
    # Three weeks and Monday before the first session are blank; so are the days after today.
    assert lines[3:] == ["Mon", "Tue       ✓", "Wed       ✓", "Thu       ✓", "Fri", "Sat", "Sun"]


def test_today_still_open_after_the_first_days_counts_nowhere_either() -> None:
    lines = render(DAILY, [TUE, WED], today=THU, weeks=4)
    assert lines[1] == "2025-02-17 to 2025-03-16: 2 of 2 due days met"
    assert lines[6] == "Thu       ·"


def test_nothing_recorded_yet_says_so_instead_of_counting() -> None:
    lines = render(DAILY, [], today=THU, weeks=2)
    assert lines[:2] == ["Finger stretches: streak 0 days, best 0, strength 0%",
                         "2025-03-03 to 2025-03-16: nothing recorded yet"]
    assert lines[3:] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert render(WEEKLY, [], today=THU, weeks=2)[1] == "2025-03-03 to 2025-03-16: nothing recorded yet"


def test_weeks_shown_from_before_the_first_session_say_when_it_was() -> None:
    first = MON + timedelta(weeks=3)
    lines = render(DAILY, [first], today=first, weeks=2, week_of=MON)
    assert lines[1] == "2025-03-03 to 2025-03-16: before the first session on 2025-03-31"
    assert lines[3:] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def test_a_weekly_target_counts_from_the_week_of_the_first_session() -> None:
    """The first session's week counts whole (its target is the week's), the weeks before it not at all;
    its days before the first session are blank."""
    lines = render(WEEKLY, [WED, THU, MON + timedelta(days=5)], today=MON + timedelta(days=8), weeks=3)
    assert lines[1] == "2025-03-03 to 2025-03-23: 1 of 1 week met"
    assert lines[3:] == ["Mon     ·", "Tue     ·", "Wed   ◐", "Thu   ◐", "Fri   ·", "Sat   ✓", "Sun   ·"]
