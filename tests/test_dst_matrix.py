"""DST matrix for the habit maths (habits.md "Logical day"): every 2025 clock change of Berlin, New York
and Sydney, with Pacific/Kiritimati (UTC+14 all year, no DST) on Berlin's dates as a control, crossed
with the day starts 04:00, 03:30 and 00:00.

The transitions are found by scanning the zone database for changes of `utcoffset`, not typed in. A day
start of 04:00 or 03:30 lies after the change in all three zones, so the logical day holding it is the
calendar day before; with 00:00 it is the calendar transition day itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from handhabit.config.model import Habit, Target
from handhabit.core.habits import HabitReport, logical_date, progress, report
from handhabit.core.progress import Progress
from handhabit.core.records import Session
from handhabit.core.schedule import wall_instant
from tests.builders import clock_changes, recorded

UTC = timezone.utc
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
DAY_STARTS = (time(4, 0), time(3, 30), time(0, 0))
DST_ZONES = ("Europe/Berlin", "America/New_York", "Australia/Sydney")
CONTROL_ZONE = "Pacific/Kiritimati"
# Cross-check of the scan: the local calendar dates of the 2025 changes (spring forward, fall back).
EXPECTED_DATES = {
    "Europe/Berlin": (date(2025, 3, 30), date(2025, 10, 26)),
    "America/New_York": (date(2025, 3, 9), date(2025, 11, 2)),
    "Australia/Sydney": (date(2025, 10, 5), date(2025, 4, 6)),
}
M_DAY = 0.5 ** (1 / 13)


@dataclass(frozen=True)
class Case:
    """One cell of the matrix. `change` is the UTC instant the clocks change (for the control zone: local
    02:00 on Berlin's date); `before`/`after` are the UTC offsets on either side of it."""

    tz: str
    calendar_day: date
    day_start: time
    change: datetime
    before: timedelta
    after: timedelta

    @property
    def id(self) -> str:
        return f"{self.tz}-{self.calendar_day.isoformat()}-{self.day_start:%H:%M}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def kind(self) -> str:
        if self.after > self.before:
            return "spring"
        return "fall" if self.after < self.before else "none"

    @property
    def day(self) -> date:
        """The logical day that holds the change."""
        return logical_date(self.change, self.zone, self.day_start)

    @property
    def jump_start(self) -> datetime:
        """Naive local wall time where the skipped (spring) or repeated (fall) span begins."""
        wall = self.change + min(self.before, self.after)
        return wall.replace(tzinfo=None)

    @property
    def jump_length(self) -> timedelta:
        return abs(self.after - self.before)


def build_cases() -> list[Case]:
    cases = []
    for tz in DST_ZONES:
        changes = clock_changes(tz, 2025)
        assert len(changes) == 2, f"{tz}: expected two offset changes in 2025, found {changes}"
        for instant, before, after in changes:
            cases += [
                Case(tz, instant.astimezone(ZoneInfo(tz)).date(), ds, instant, before, after) for ds in DAY_STARTS
            ]
    control = ZoneInfo(CONTROL_ZONE)
    for instant, _, _ in clock_changes("Europe/Berlin", 2025):
        # Berlin's calendar date at 02:00, where Berlin's clocks jump, but in Kiritimati.
        day = instant.astimezone(ZoneInfo("Europe/Berlin")).date()
        local = datetime.combine(day, time(2, 0), tzinfo=control)
        offset = local.utcoffset()
        assert offset is not None
        cases += [Case(CONTROL_ZONE, day, ds, local.astimezone(UTC), offset, offset) for ds in DAY_STARTS]
    return cases


CASES = build_cases()
DST_CASES = [c for c in CASES if c.kind != "none"]
FALL_CASES = [c for c in CASES if c.kind == "fall"]
SPRING_CASES = [c for c in CASES if c.kind == "spring"]
CONTROL_CASES = [c for c in CASES if c.kind == "none"]


def cases(chosen: list[Case]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("case", chosen, ids=[c.id for c in chosen])


def make_habit(target: Target) -> Habit:
    return Habit(id="hand-massage", name="Hand massage", target=target, days=frozenset(range(7)), routine="classic")


DAILY1 = make_habit(Target(per="day", sessions=1))
TWICE = make_habit(Target(per="day", sessions=2))
WEEKLY3 = make_habit(Target(per="week", sessions=3))


def run(habit: Habit, sessions: list[Session], *, today: date, week_of: date | None = None) -> HabitReport:
    return report(habit, sessions, [], today=today, week_of=week_of or today, week_starts_on=0, routine_minutes=5.0)


def prog(habit: Habit, sessions: list[Session], *, today: date) -> Progress:
    return progress(habit, sessions, [], today=today, week_starts_on=0, routine_minutes=5.0)


def hours(case: Case, day: date) -> float:
    """Length of logical day `day` from the zone database: next day's start minus this day's start."""
    length = wall_instant(day + timedelta(days=1), case.day_start, case.zone) - wall_instant(
        day, case.day_start, case.zone
    )
    return length / HOUR


def local(case: Case, wall: datetime, fold: int = 0) -> datetime:
    """A naive wall time made aware in the case's zone (the way `session()` in test_habits.py does)."""
    return wall.replace(tzinfo=case.zone, fold=fold)


def is_unambiguous(case: Case, wall: datetime) -> bool:
    """The wall time exists exactly once in the zone: both folds name the same instant, which shows it."""
    first, second = local(case, wall, 0), local(case, wall, 1)
    return first.astimezone(UTC) == second.astimezone(UTC) and (
        first.astimezone(UTC).astimezone(case.zone).replace(tzinfo=None) == wall
    )


def test_scan_finds_the_known_2025_transition_dates() -> None:
    for tz, (spring, fall) in EXPECTED_DATES.items():
        found = {c.calendar_day: c.kind for c in DST_CASES if c.tz == tz}
        assert found == {spring: "spring", fall: "fall"}, tz
    assert {c.calendar_day for c in CONTROL_CASES} == set(EXPECTED_DATES["Europe/Berlin"])
    assert clock_changes(CONTROL_ZONE, 2025) == []
    assert len(CASES) == 24 and len({c.id for c in CASES}) == 24


# --- the logical day's length ---------------------------------------------------------------------------


@cases(CASES)
def test_logical_day_holding_the_change_lasts_23_or_25_hours(case: Case) -> None:
    expected = {"spring": 23, "fall": 25, "none": 24}[case.kind]
    assert hours(case, case.day) == expected
    # The neighbours are ordinary days: only the change's own day is short or long.
    assert hours(case, case.day - timedelta(days=1)) == 24
    assert hours(case, case.day + timedelta(days=1)) == 24
    # Which logical day holds the change: the calendar day before when the day starts after the change.
    changed_before_day_start = case.day_start > case.jump_start.time()
    assert case.day == case.calendar_day - timedelta(days=1 if changed_before_day_start else 0)
    assert case.day_start != time(0) or case.day == case.calendar_day
    # The day's first and last instants, taken from the zone, carry its date; the next instant does not.
    first = wall_instant(case.day, case.day_start, case.zone)
    end = wall_instant(case.day + timedelta(days=1), case.day_start, case.zone)
    assert logical_date(first, case.zone, case.day_start) == case.day
    assert logical_date(end - timedelta(microseconds=1), case.zone, case.day_start) == case.day
    assert logical_date(end, case.zone, case.day_start) == case.day + timedelta(days=1)


@cases(CASES)
def test_every_instant_falls_in_the_day_whose_boundaries_hold_it(case: Case) -> None:
    # An oracle independent of the wall-clock formula: [wall_instant(d), wall_instant(d + 1)) is day d.
    days = [case.day + timedelta(days=n) for n in range(-2, 3)]
    starts = [wall_instant(d, case.day_start, case.zone) for d in days]
    instant = starts[1]
    while instant < starts[-1]:
        expected = next(d for d, lo, hi in zip(days, starts, starts[1:], strict=False) if lo <= instant < hi)
        assert logical_date(instant, case.zone, case.day_start) == expected, instant
        instant += timedelta(minutes=5)


# --- sessions at awkward wall times ---------------------------------------------------------------------


@cases(CASES)
def test_sessions_just_before_at_and_after_the_day_start(case: Case) -> None:
    for n in range(-2, 4):
        day = case.calendar_day + timedelta(days=n)
        start = datetime.combine(day, case.day_start)
        for delta, expected in ((-MINUTE, day - timedelta(days=1)), (timedelta(0), day), (MINUTE, day)):
            wall = start + delta
            assert is_unambiguous(case, wall), f"{wall} is not a plain wall time in {case.tz}"
            s = recorded(local(case, wall), case.tz, case.day_start)
            assert s.logical_date == expected, wall


@cases(FALL_CASES + CONTROL_CASES)
def test_sessions_in_the_repeated_hour_belong_to_the_day_holding_the_change(case: Case) -> None:
    # Control zone: there is no repeated hour, both folds are the same instant, the date is the same.
    for offset in (timedelta(0), MINUTE, timedelta(minutes=30), timedelta(minutes=59)):
        wall = case.jump_start + offset
        first, second = local(case, wall, 0), local(case, wall, 1)
        assert second.astimezone(UTC) - first.astimezone(UTC) == case.jump_length
        for at in (first, second):
            assert at.astimezone(UTC).astimezone(case.zone).replace(tzinfo=None) == wall  # really shows `wall`
            assert recorded(at, case.tz, case.day_start).logical_date == case.day, at


@cases(SPRING_CASES)
def test_sessions_around_the_skipped_hour(case: Case) -> None:
    gap_end = case.jump_start + case.jump_length
    # Real instants on either side of the gap: one minute apart, an hour apart on the wall clock.
    before, after = case.change - MINUTE, case.change
    assert before.astimezone(case.zone).replace(tzinfo=None) == case.jump_start - MINUTE
    assert after.astimezone(case.zone).replace(tzinfo=None) == gap_end
    for at in (before, after):
        assert recorded(at, case.tz, case.day_start).logical_date == case.day, at
    # Wall times inside the gap do not exist. `wall_instant` (the project's convention) moves them to the
    # first minute that does; fold=1 reads them with the new offset, an instant before the gap: either way
    # the day holding the change. (fold=0 reads 02:30 with the old offset, an hour after it, which with
    # the 03:30 day start is the next logical day: that is the reading's doing, not logical_date's.)
    for offset in (timedelta(0), MINUTE, timedelta(minutes=30), case.jump_length - MINUTE):
        wall = case.jump_start + offset
        moved = wall_instant(wall.date(), wall.time(), case.zone)
        assert moved == case.change
        early = local(case, wall, fold=1).astimezone(UTC)
        assert early < case.change
        for at in (moved, early):
            assert recorded(at, case.tz, case.day_start).logical_date == case.day, (wall, at)


@cases(CONTROL_CASES)
def test_kiritimati_local_date_runs_ahead_of_utc(case: Case) -> None:
    # UTC+14: from 00:00 to 13:59 local time it is still the day before in UTC.
    assert case.before == case.after == timedelta(hours=14)
    for n in range(-5, 6):
        day = case.day + timedelta(days=n)
        assert hours(case, day) == 24
        start = wall_instant(day, case.day_start, case.zone)
        assert start.date() == day - timedelta(days=1)
        for later in (timedelta(0), HOUR, timedelta(hours=13, minutes=59), timedelta(hours=23, minutes=59)):
            s = recorded(start + later, case.tz, case.day_start)
            assert s.logical_date == day
            wall = s.at_utc.astimezone(case.zone)
            assert s.at_utc.date() == wall.date() - timedelta(days=1 if wall.hour < 14 else 0)


# --- streaks, score, targets and progress across the change -----------------------------------------------


def transition_pair(case: Case) -> list[Session]:
    """Two sessions of the day holding the change, as close to it as possible: the same wall time twice
    (fold 0 and 1) in a repeated hour, the minutes either side of a skipped hour, or, in the control zone,
    both folds of one wall time (the same instant, recorded twice)."""
    if case.kind == "spring":
        instants = [case.change - MINUTE, case.change]
    else:
        wall = case.jump_start + timedelta(minutes=30)
        instants = [local(case, wall, 0), local(case, wall, 1)]
    pair = [recorded(at, case.tz, case.day_start) for at in instants]
    assert [s.logical_date for s in pair] == [case.day, case.day]
    return pair


def daily_run(case: Case, first: date, count: int, *, with_pair: bool = False) -> list[Session]:
    """One session every logical day from `first` for `count` days, alternating between the first and the
    last minute of the day (where 24-hour arithmetic would slip into a neighbour). The day holding the
    change gets its session at the change itself."""
    sessions = []
    for n in range(count):
        day = first + timedelta(days=n)
        if day == case.day and case.kind != "none":
            at = case.change
        elif n % 2:
            at = wall_instant(day + timedelta(days=1), case.day_start, case.zone) - MINUTE
        else:
            at = wall_instant(day, case.day_start, case.zone) + MINUTE
        sessions.append(recorded(at, case.tz, case.day_start))
    assert [s.logical_date for s in sessions] == [first + timedelta(days=n) for n in range(count)]
    return sessions


@cases(CASES)
def test_a_daily_run_across_the_change_is_eleven_days(case: Case) -> None:
    first = case.day - timedelta(days=5)
    across = run(DAILY1, daily_run(case, first, 11), today=first + timedelta(days=11))
    assert across.current_streak == across.best_streak == 11
    # The same run on ordinary days (June has no change in any of these zones) scores the same.
    june = date(2025, 6, 2)
    ordinary = run(DAILY1, daily_run(case, june, 11), today=june + timedelta(days=11))
    assert (ordinary.current_streak, ordinary.best_streak) == (11, 11)
    assert across.score == ordinary.score == round(1 - M_DAY**11, 6)
    # The change's day holds exactly one session: it is neither dropped nor doubled.
    shown = run(DAILY1, daily_run(case, first, 11), today=first + timedelta(days=11), week_of=case.day)
    assert [d.sessions for d in shown.days if d.date == case.day] == [1]
    assert all(d.sessions == (1 if first <= d.date < first + timedelta(days=11) else 0) for d in shown.days)


@cases(CASES)
def test_two_per_day_with_both_sessions_at_the_change(case: Case) -> None:
    pair = transition_pair(case)
    today = run(TWICE, pair, today=case.day)
    assert [(d.sessions, d.met) for d in today.days if d.date == case.day] == [(2, True)]
    assert today.current_streak == today.best_streak == 1
    assert sum(d.sessions for d in today.days) == 2
    p = prog(TWICE, pair, today=case.day)
    assert (p.done, p.required, p.met, p.text) == (2, 2, True, "2 of 2 today")
    assert prog(TWICE, pair[:1], today=case.day).text == "1 of 2 today"
    # Next day: the change's day is finished and met.
    later = run(TWICE, pair, today=case.day + timedelta(days=1))
    assert (later.current_streak, later.best_streak, later.score) == (1, 1, round(1 - M_DAY, 6))


@cases(CASES)
def test_weekly_target_across_the_change_week(case: Case) -> None:
    monday = case.day - timedelta(days=case.day.weekday())
    sunday = monday + timedelta(days=6)
    pair = transition_pair(case)
    # The third session: the week's first minute or its last, whichever is not the change's own day.
    edge_day = sunday if case.day == monday else monday
    edge = (
        wall_instant(monday, case.day_start, case.zone) + MINUTE
        if edge_day == monday
        else wall_instant(sunday + timedelta(days=1), case.day_start, case.zone) - MINUTE
    )
    third = recorded(edge, case.tz, case.day_start)
    assert third.logical_date == edge_day
    sessions = [*pair, third]
    end_of_week = run(WEEKLY3, sessions, today=sunday, week_of=case.day)
    assert end_of_week.days[-1].met and end_of_week.week_sessions == 3
    assert end_of_week.current_streak == end_of_week.best_streak == 1
    following = run(WEEKLY3, sessions, today=sunday + timedelta(days=3))
    assert (following.current_streak, following.best_streak) == (1, 1)
    m = 0.5 ** (7 * math.sqrt(3 / 7) / 13)
    assert following.score == round(1 - m, 6)
    # The pair alone is two of three: the change neither adds nor loses a session.
    assert prog(WEEKLY3, pair, today=sunday).text == "2 of 3 this week"
    assert prog(WEEKLY3, sessions, today=sunday).text == "3 of 3 this week"
    assert run(WEEKLY3, pair, today=sunday + timedelta(days=3)).current_streak == 0
