"""Habit maths against habits.md: the worked examples E1-E6, logical days across DST, targets, excuses,
progress lines, speed, and a few properties that must hold for any history."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handhabit.config.model import Habit, Target
from handhabit.core.habits import DayReport, HabitReport, calendar, logical_date, progress, report, week_start
from handhabit.core.progress import Progress
from handhabit.core.records import Excuse, Session
from tests.builders import done_on

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
DAY_START = time(4, 0)
MON = date(2025, 3, 10)  # habits.md: 2025-03-10 is a Monday
TUE, WED, THU, FRI, SAT, SUN = (MON + timedelta(days=i) for i in range(1, 7))
M_DAY = 0.5 ** (1 / 13)


def make_habit(
    target: Target | None = None, days: frozenset[int] = frozenset(range(7)), habit_id: str = "hand-massage"
) -> Habit:
    return Habit(
        id=habit_id,
        name="Hand massage",
        target=target or Target(per="day", sessions=2),
        days=days,
        routine="classic",
    )


DAILY1 = make_habit(Target(per="day", sessions=1))
TWICE = make_habit(Target(per="day", sessions=2))
TEN_MIN = make_habit(Target(per="day", minutes=10))
WEEKLY3 = make_habit(Target(per="week", sessions=3))


def session(
    day: date,
    at: time = time(19, 0),
    *,
    minutes: float | None = None,
    habit: str = "hand-massage",
    deleted: bool = False,
    tz: str = "Europe/Berlin",
) -> Session:
    return done_on(day, at, tz=tz, habit=habit, minutes=minutes, deleted=deleted)


def excuse(first: date, last: date | None = None, habit: str = "*") -> Excuse:
    return Excuse(id=str(uuid4()), habit=habit, from_date=first, to_date=last or first, reason="rest")


def run(
    habit: Habit,
    sessions: list[Session],
    excuses: list[Excuse] | None = None,
    *,
    today: date,
    week_of: date | None = None,
    week_starts_on: int = 0,
    routine_minutes: float = 5.0,
) -> HabitReport:
    return report(
        habit,
        sessions,
        excuses or [],
        today=today,
        week_of=week_of or today,
        week_starts_on=week_starts_on,
        routine_minutes=routine_minutes,
    )


def prog(
    habit: Habit, sessions: list[Session], excuses: list[Excuse] | None = None, *, today: date
) -> Progress:
    return progress(habit, sessions, excuses or [], today=today, week_starts_on=0, routine_minutes=5.0)


# --- worked examples -------------------------------------------------------------------------------


def test_e1_half_past_midnight_counts_for_the_day_before() -> None:
    at = datetime(2025, 3, 11, 0, 30, tzinfo=BERLIN)
    assert logical_date(at, BERLIN, DAY_START) == MON
    assert logical_date(at.astimezone(UTC), BERLIN, DAY_START) == MON
    r = run(TWICE, [session(TUE, time(0, 30))], today=TUE)
    assert [d.sessions for d in r.days[:2]] == [1, 0]


def test_e2_two_per_day_scores_and_streaks() -> None:
    mon = [session(MON), session(MON, time(21))]
    tue = [session(TUE)]
    wed = [session(WED), session(WED, time(22))]
    everything = mon + tue + wed
    # Tue is still open (1 of 2), so only Mon has entered the score.
    assert run(TWICE, everything, today=TUE).score == 0.051922
    # Wed open with nothing yet: Mon and Tue are in.
    assert run(TWICE, mon + tue, today=WED).score == 0.075188
    now = run(TWICE, everything, today=THU)  # Thu 10:00, 0 sessions today
    assert now.score == 0.123206
    assert (now.current_streak, now.best_streak) == (1, 1)
    assert now.unit == "day"
    assert [d.credit for d in now.days[:4]] == [1.0, 0.5, 1.0, 0.0]
    # The current day enters the score as soon as it is met.
    assert run(TWICE, everything, today=WED).score == 0.123206


def test_e3_excused_day_is_neutral() -> None:
    sessions = [session(MON), session(TUE), session(THU)]
    excuses = [excuse(WED)]
    sat = run(DAILY1, sessions, excuses, today=SAT)
    assert (sat.current_streak, sat.best_streak) == (0, 3)
    fri = run(DAILY1, sessions, excuses, today=FRI)  # Fri still open: the streak is not broken yet
    assert (fri.current_streak, fri.best_streak) == (3, 3)
    # The score did not change on Wed: after Tue == after the excused Wed.
    after_tue = run(DAILY1, sessions[:2], excuses, today=WED).score
    after_wed = run(DAILY1, sessions[:2], excuses, today=THU).score
    assert after_tue == after_wed == round(1 - M_DAY**2, 6)
    assert fri.days[2].excused and not fri.days[2].met


def test_an_excused_day_met_anyway_counts() -> None:
    # Excuses forgive, they never take away: `skip` on a day already done keeps the streak it had.
    sessions = [session(MON), session(TUE), session(WED)]
    plain = run(DAILY1, sessions, today=THU)
    excused = run(DAILY1, sessions, [excuse(TUE)], today=THU)
    assert (excused.current_streak, excused.best_streak, excused.score) == (3, 3, plain.score)
    assert excused.days[1].excused and excused.days[1].met
    # Falling short on an excused day is still neutral: half of two sessions neither counts nor breaks.
    monday = [session(MON), session(MON, time(21))]
    short = run(TWICE, [*monday, session(TUE)], [excuse(TUE)], today=WED)
    assert (short.current_streak, short.score) == (1, run(TWICE, monday, today=TUE).score)


@pytest.mark.parametrize(("days", "expected"), [(1, 0.0519), (13, 0.5000), (87, 0.9903)])
def test_e4_score_of_a_daily_habit_from_zero(days: int, expected: float) -> None:
    start = date(2025, 1, 1)
    sessions = [session(start + timedelta(days=i)) for i in range(days)]
    r = run(DAILY1, sessions, today=start + timedelta(days=days))
    assert round(r.score, 4) == expected
    assert r.current_streak == r.best_streak == days


def test_e5_weekly_target_streak_in_weeks() -> None:
    week1 = [session(MON), session(WED), session(SAT)]
    week2 = [session(d + timedelta(days=7)) for d in (TUE, THU, SUN)]
    week3_wed = WED + timedelta(days=14)
    week3 = [session(MON + timedelta(days=14))]
    r = run(WEEKLY3, week1 + week2 + week3, today=week3_wed)
    assert r.unit == "week"
    assert (r.current_streak, r.best_streak) == (2, 2)
    n = 3
    m = 0.5 ** (7 * (n / 7) ** 0.5 / 13)
    assert r.score == round(1 - m**2, 6)
    # The shown week is week 3: credit so far, met never.
    assert [d.credit for d in r.days] == [pytest.approx(1 / 3)] * 7
    assert not any(d.met for d in r.days)
    assert prog(WEEKLY3, week1 + week2 + week3, today=week3_wed).text == "1 of 3 this week"


def test_e6_backfill_and_undo() -> None:
    sessions = [session(MON), session(WED), session(THU)]
    assert run(DAILY1, sessions, today=FRI).current_streak == 2
    backfill = session(TUE)
    assert run(DAILY1, [*sessions, backfill], today=FRI).current_streak == 4  # Fri still open
    undone = replace(backfill, deleted_utc=datetime(2025, 3, 14, 20, tzinfo=UTC))
    assert run(DAILY1, [*sessions, undone], today=FRI).current_streak == 2


# --- logical days across DST ------------------------------------------------------------------------

# (zone, a transition day): spring forward and fall back in each zone, 2025.
TRANSITIONS = [
    ("Europe/Berlin", date(2025, 3, 30)),
    ("Europe/Berlin", date(2025, 10, 26)),
    ("America/New_York", date(2025, 3, 9)),
    ("America/New_York", date(2025, 11, 2)),
    ("Australia/Sydney", date(2025, 4, 6)),
    ("Australia/Sydney", date(2025, 10, 5)),
]


@pytest.mark.parametrize(("tz", "day"), TRANSITIONS)
@pytest.mark.parametrize(
    ("wall", "days_back"), [(time(0, 30), 1), (time(3, 59), 1), (time(4, 0), 0), (time(23, 59), 0)]
)
def test_logical_date_on_dst_transition_days(tz: str, day: date, wall: time, days_back: int) -> None:
    zone = ZoneInfo(tz)
    noon = time(12)
    assert (
        datetime.combine(day - timedelta(days=1), noon, zone).utcoffset()
        != datetime.combine(day + timedelta(days=1), noon, zone).utcoffset()
    ), "not a transition day"
    at_utc = datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)
    assert logical_date(at_utc, zone, DAY_START) == day - timedelta(days=days_back)


@pytest.mark.parametrize(("tz", "day"), TRANSITIONS)
def test_logical_day_length_comes_from_the_zone(tz: str, day: date) -> None:
    # The clocks change between 02:00 and 03:00, before the 04:00 day start: the logical day that holds
    # the change is the one before the calendar transition day.
    zone = ZoneInfo(tz)
    changed = day - timedelta(days=1)
    begin = datetime.combine(changed, DAY_START, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day, DAY_START, tzinfo=zone).astimezone(UTC)
    hours = (end - begin) / timedelta(hours=1)
    assert hours in (23, 25)
    assert logical_date(begin, zone, DAY_START) == changed
    assert logical_date(end - timedelta(seconds=1), zone, DAY_START) == changed
    assert logical_date(end, zone, DAY_START) == day
    # 24 hours after the start is not always the next logical day.
    expected = changed if hours == 25 else day
    assert logical_date(begin + timedelta(hours=24), zone, DAY_START) == expected


def test_ambiguous_hour_belongs_to_the_day_before() -> None:
    fall_back = date(2025, 10, 26)
    for fold in (0, 1):
        at = datetime.combine(fall_back, time(2, 30, fold=fold), tzinfo=BERLIN)
        assert logical_date(at.astimezone(UTC), BERLIN, DAY_START) == fall_back - timedelta(days=1)


def test_day_start_inside_the_spring_gap() -> None:
    # Berlin skips 02:00-03:00 on 2025-03-30; with the day starting at 02:30 one UTC minute spans it.
    spring = date(2025, 3, 30)
    before = datetime(2025, 3, 30, 0, 59, tzinfo=UTC)  # 01:59 CET
    after = datetime(2025, 3, 30, 1, 0, tzinfo=UTC)  # 03:00 CEST
    assert logical_date(before, BERLIN, time(2, 30)) == spring - timedelta(days=1)
    assert logical_date(after, BERLIN, time(2, 30)) == spring


def test_midnight_day_start_and_naive_datetime() -> None:
    assert logical_date(datetime(2025, 3, 11, 0, 0, tzinfo=BERLIN), BERLIN, time(0)) == TUE
    with pytest.raises(ValueError, match="timezone-aware"):
        logical_date(datetime(2025, 3, 11, 0, 0), BERLIN, DAY_START)


def test_stored_logical_date_is_never_recomputed() -> None:
    # Done at 23:00 in New York on Mon = 05:00 Tue in Berlin: it stays on Mon after flying home.
    s = session(MON, time(23), tz="America/New_York")
    assert s.logical_date == MON
    assert logical_date(s.at_utc, BERLIN, DAY_START) == TUE
    r = run(DAILY1, [s], today=WED)
    assert [d.sessions for d in r.days[:3]] == [1, 0, 0]


# --- targets, excuses, not-due days -------------------------------------------------------------------


def test_minutes_target_counts_routine_minutes_for_sessions_without_minutes() -> None:
    sessions = [session(MON, minutes=5.0), session(MON, time(21)), session(TUE, minutes=7.5)]
    r = run(TEN_MIN, sessions, today=WED, routine_minutes=5.0)
    mon, tue = r.days[0], r.days[1]
    assert (mon.sessions, mon.minutes, mon.credit, mon.met) == (2, 10.0, 1.0, True)
    assert (tue.sessions, tue.minutes, tue.credit, tue.met) == (1, 7.5, 0.75, False)
    assert (r.week_sessions, r.week_minutes) == (3, 17.5)
    assert r.current_streak == 0 and r.best_streak == 1
    assert r.score == round((1 - M_DAY) * M_DAY + 0.75 * (1 - M_DAY), 6)
    # A shorter routine makes the same sessions fall short.
    assert not run(TEN_MIN, sessions, today=WED, routine_minutes=4.0).days[0].met


def test_minutes_that_add_up_to_the_target_meet_it() -> None:
    sessions = [session(MON, time(h), minutes=10 / 3) for h in (8, 12, 20)]
    day = run(TEN_MIN, sessions, today=MON).days[0]
    assert day.met and day.credit == 1.0


def test_weekly_required_shrinks_with_excused_days() -> None:
    excuses = [excuse(MON, WED)]  # 4 free days: ceil(3 * 4 / 7) = 2
    sessions = [session(THU), session(FRI)]
    r = run(WEEKLY3, sessions, excuses, today=SUN)
    assert r.current_streak == 1
    assert [d.credit for d in r.days] == [0.0, 0.0, 0.0, 0.5, 1.0, 1.0, 1.0]
    assert [d.excused for d in r.days] == [True] * 3 + [False] * 4
    p = prog(WEEKLY3, sessions, excuses, today=SUN)
    assert (p.done, p.required, p.met, p.text) == (2, 2, True, "2 of 2 this week")
    # Six excused days still ask for one session.
    six = [excuse(MON, SAT)]
    assert prog(WEEKLY3, [], six, today=SUN).required == 1
    assert run(WEEKLY3, [session(SUN)], six, today=SUN).current_streak == 1


def test_all_excused_week_is_neutral_for_weekly_targets() -> None:
    week = timedelta(days=7)
    sessions = [session(d) for d in (MON, TUE, WED)] + [session(d + 2 * week) for d in (MON, TUE, WED)]
    excuses = [excuse(MON + week, SUN + week)]
    r = run(WEEKLY3, sessions, excuses, today=MON + 3 * week)
    assert (r.current_streak, r.best_streak) == (2, 2)
    m = 0.5 ** (7 * (3 / 7) ** 0.5 / 13)
    assert r.score == round(1 - m**2, 6)
    shown = run(WEEKLY3, sessions, excuses, today=MON + 3 * week, week_of=MON + week)
    assert all(d.excused and not d.met and d.credit == 0.0 for d in shown.days)
    # A session in the excused week makes it met (six excused days would ask for one anyway).
    anyway = run(WEEKLY3, [*sessions, session(WED + week)], excuses, today=MON + 3 * week)
    assert (anyway.current_streak, anyway.best_streak) == (3, 3)


def test_only_excused_units_make_a_streak_of_zero() -> None:
    r = run(DAILY1, [session(MON)], [excuse(TUE, SUN)], today=SUN)
    assert r.current_streak == 1  # Mon, then excused days: nothing breaks it
    r = run(DAILY1, [], [excuse(MON, SUN)], today=SUN)
    assert (r.current_streak, r.best_streak, r.score) == (0, 0, 0.0)


def test_excuse_for_another_habit_does_not_apply() -> None:
    sessions = [session(MON), session(WED)]
    assert run(DAILY1, sessions, [excuse(TUE, habit="other")], today=THU).current_streak == 1
    assert run(DAILY1, sessions, [excuse(TUE, habit="hand-massage")], today=THU).current_streak == 2
    assert run(DAILY1, sessions, [excuse(TUE, habit="*")], today=THU).current_streak == 2


def test_not_due_days_neither_extend_nor_break() -> None:
    weekdays = make_habit(Target(per="day", sessions=1), days=frozenset(range(5)))
    week = [session(MON + timedelta(days=i)) for i in range(5)]
    saturday = session(SAT)
    next_mon = session(MON + timedelta(days=7))
    r = run(weekdays, [*week, saturday, next_mon], today=MON + timedelta(days=8))
    assert (r.current_streak, r.best_streak) == (6, 6)
    shown = run(weekdays, [*week, saturday], today=SUN)
    assert [d.due for d in shown.days] == [True] * 5 + [False] * 2
    assert shown.week_sessions == 6  # Saturday's session still counts in totals
    assert shown.days[5].met and not shown.days[6].met
    # The weekend leaves the score where Friday left it.
    assert run(weekdays, week, today=SAT).score == run(weekdays, week, today=MON + timedelta(days=7)).score


def test_deleted_and_other_habits_sessions_are_ignored() -> None:
    sessions = [
        session(MON),
        session(TUE, deleted=True),
        session(TUE, habit="stretching"),
        session(WED),
    ]
    r = run(DAILY1, sessions, today=THU)
    assert [d.sessions for d in r.days[:3]] == [1, 0, 1]
    assert (r.current_streak, r.best_streak, r.week_sessions) == (1, 1, 2)


def test_history_starts_at_first_session_and_ignores_the_future() -> None:
    r = run(DAILY1, [], today=WED)
    assert (r.current_streak, r.best_streak, r.score) == (0, 0, 0.0)
    future = [session(MON + timedelta(days=14))]
    r = run(DAILY1, [session(MON), *future], today=TUE)
    assert (r.current_streak, r.best_streak, r.score) == (1, 1, round(1 - M_DAY, 6))
    assert r == run(DAILY1, [session(MON)], today=TUE)


def test_week_of_and_week_starts_on_pick_the_shown_week() -> None:
    sessions = [session(SUN), session(MON + timedelta(days=7)), session(MON + timedelta(days=8))]
    r = run(DAILY1, sessions, today=MON + timedelta(days=9), week_of=WED + timedelta(days=7))
    assert r.days[0].date == MON + timedelta(days=7)
    assert (r.week_sessions, r.last_week_sessions) == (2, 1)
    assert (r.week_minutes, r.last_week_minutes) == (10.0, 5.0)
    sunday_weeks = run(DAILY1, sessions, today=MON + timedelta(days=9), week_starts_on=6)
    assert sunday_weeks.days[0].date == SUN
    assert sunday_weeks.week_sessions == 3
    assert week_start(SAT, 6) == SUN - timedelta(days=7)
    assert week_start(SUN, 0) == MON


def test_weekly_target_with_sunday_weeks() -> None:
    sessions = [session(SUN), session(MON + timedelta(days=7)), session(TUE + timedelta(days=7))]
    r = run(WEEKLY3, sessions, today=WED + timedelta(days=7), week_starts_on=6)
    assert r.current_streak == 1  # Sun + Mon + Tue are one Sunday-started week, met by Tue
    r = run(WEEKLY3, sessions, today=WED + timedelta(days=7), week_starts_on=0)
    assert r.current_streak == 0


def test_day_reports_are_plain_values() -> None:
    r = run(TWICE, [session(MON)], today=MON)
    assert r.days[0] == DayReport(
        date=MON, due=True, excused=False, sessions=1, minutes=5.0, credit=0.5, met=False, begun=True
    )
    assert len(r.days) == 7 and r.habit == TWICE


def test_days_before_the_first_live_session_have_not_begun() -> None:
    """docs/habits.md: counting starts on the day of the first session; an undone one is no start."""
    sessions = [session(MON, deleted=True), session(WED), session(FRI)]
    r = run(TWICE, sessions, today=SAT)
    assert r.first_session == WED
    assert [d.begun for d in r.days] == [False, False, True, True, True, True, True]
    weeks = calendar(TWICE, sessions, [], first=MON - timedelta(days=7), weeks=2, week_starts_on=0,
                     routine_minutes=5.0)
    assert [d.date for d in weeks if d.begun] == [WED, THU, FRI, SAT, SUN]
    nothing = run(TWICE, [], today=SAT)
    assert nothing.first_session is None and not any(d.begun for d in nothing.days)


# --- progress -----------------------------------------------------------------------------------------


def test_progress_texts() -> None:
    one = prog(TWICE, [session(MON)], today=MON)
    assert (one.done, one.required, one.met, one.text) == (1, 2, False, "1 of 2 today")
    two = prog(TWICE, [session(MON), session(MON, time(21))], today=MON)
    assert (two.met, two.text) == (True, "2 of 2 today")
    assert prog(TWICE, [], today=MON).text == "0 of 2 today"
    assert prog(TEN_MIN, [session(MON)], today=MON).text == "5 of 10 min today"
    assert prog(TEN_MIN, [session(MON, minutes=7.5)], today=MON).text == "7.5 of 10 min today"
    almost = prog(TEN_MIN, [session(MON, minutes=9.99)], today=MON)
    assert (almost.met, almost.text) == (False, "9.9 of 10 min today")
    week = [session(MON), session(WED)]
    assert prog(WEEKLY3, week, today=THU).text == "2 of 3 this week"


def test_progress_counts_only_today_and_live_sessions_of_the_habit() -> None:
    sessions = [session(SUN), session(MON, deleted=True), session(MON, habit="other"), session(TUE, time(1))]
    p = prog(TWICE, sessions, today=MON)
    assert (p.done, p.met) == (1, False)  # the 01:00 Tue session belongs to Mon


def test_progress_on_excused_and_not_due_days_is_met() -> None:
    excused = prog(TWICE, [], [excuse(MON)], today=MON)
    assert (excused.met, excused.text) == (True, "0 of 2 today (excused)")
    weekdays = make_habit(Target(per="day", sessions=2), days=frozenset(range(5)))
    off = prog(weekdays, [], today=SAT)
    assert (off.met, off.due, off.text) == (True, False, "0 of 2 today (not due)")
    weekly = prog(WEEKLY3, [], [excuse(WED)], today=WED)
    assert (weekly.met, weekly.required, weekly.text) == (True, 3, "0 of 3 this week (excused)")
    assert not prog(WEEKLY3, [], [excuse(WED)], today=THU).met


# --- properties ---------------------------------------------------------------------------------------

BASE = date(2025, 1, 6)  # a Monday
TARGETS = [DAILY1, TWICE, TEN_MIN, WEEKLY3, make_habit(Target(per="day", sessions=1), frozenset({0, 2, 4}))]

session_specs = st.tuples(st.integers(0, 59), st.sampled_from([None, 2.0, 5.0, 12.5]))
excuse_specs = st.tuples(st.integers(0, 59), st.integers(0, 4))


def build(specs: list[tuple[int, float | None]]) -> list[Session]:
    return [session(BASE + timedelta(days=d), minutes=m) for d, m in specs]


def build_excuses(specs: list[tuple[int, int]]) -> list[Excuse]:
    return [excuse(BASE + timedelta(days=d), BASE + timedelta(days=d + n)) for d, n in specs]


@settings(max_examples=150, deadline=None)
@given(
    habit=st.sampled_from(TARGETS),
    specs=st.lists(session_specs, max_size=60),
    excuse_list=st.lists(excuse_specs, max_size=4),
    today=st.integers(0, 70),
)
def test_streak_never_exceeds_met_units(
    habit: Habit, specs: list[tuple[int, float | None]], excuse_list: list[tuple[int, int]], today: int
) -> None:
    sessions = build(specs)
    r = run(habit, sessions, build_excuses(excuse_list), today=BASE + timedelta(days=today))
    # A met unit needs at least one session on a day up to today (or in a week reaching today).
    active = {d for d, _ in specs if d <= today}
    units = {d // 7 for d in active} if habit.target.per == "week" else active
    assert 0 <= r.current_streak <= r.best_streak <= len(units)
    assert 0.0 <= r.score <= 1.0


@settings(max_examples=150, deadline=None)
@given(
    habit=st.sampled_from(TARGETS),
    specs=st.lists(session_specs, max_size=50),
    extra=session_specs,
    excuse_list=st.lists(excuse_specs, max_size=3),
    today=st.integers(0, 70),
)
def test_adding_a_session_never_lowers_streak_or_score(
    habit: Habit,
    specs: list[tuple[int, float | None]],
    extra: tuple[int, float | None],
    excuse_list: list[tuple[int, int]],
    today: int,
) -> None:
    sessions = build(specs)
    excuses = build_excuses(excuse_list)
    before = run(habit, sessions, excuses, today=BASE + timedelta(days=today))
    after = run(habit, [*sessions, *build([extra])], excuses, today=BASE + timedelta(days=today))
    assert after.current_streak >= before.current_streak
    assert after.best_streak >= before.best_streak
    assert after.score >= before.score


@settings(max_examples=100, deadline=None)
@given(
    habit=st.sampled_from(TARGETS),
    specs=st.lists(session_specs, max_size=40),
    excuse_list=st.lists(excuse_specs, max_size=3),
    today=st.integers(0, 70),
    data=st.data(),
)
def test_result_is_independent_of_session_order(
    habit: Habit,
    specs: list[tuple[int, float | None]],
    excuse_list: list[tuple[int, int]],
    today: int,
    data: st.DataObject,
) -> None:
    sessions = build(specs)
    excuses = build_excuses(excuse_list)
    shuffled = data.draw(st.permutations(sessions))
    day = BASE + timedelta(days=today)
    assert run(habit, sessions, excuses, today=day) == run(habit, shuffled, excuses[::-1], today=day)
    assert prog(habit, sessions, excuses, today=day) == prog(habit, shuffled, excuses, today=day)
