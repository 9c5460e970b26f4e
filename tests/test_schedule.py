"""When reminders fire (schedule.py): fixed clock times and break slots across DST, due days, day
boundaries, restarts and sessions, in Europe/Berlin, America/New_York and Australia/Sydney.

Every input is an explicit local wall time turned into a UTC instant (as the daemon passes them), except
in the few tests about zone-aware inputs; every result is checked to be a UTC instant and then shown as
local "YYYY-MM-DD HH:MM TZNAME" text, so each assertion reads like the clock on the wall.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from handhabit.config.model import Reminder
from handhabit.core.schedule import break_still_due, next_break, next_fire, next_fixed, upcoming, wall_instant

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
EVERY_DAY = frozenset(range(7))
WEEKDAYS = frozenset(range(5))

# 2025-01-13 is a Monday, far from any DST change in Berlin.
MON, TUE, WED, THU, FRI, SAT, SUN = (date(2025, 1, 13) + timedelta(days=i) for i in range(7))
NEXT_MON = MON + timedelta(days=7)


def fixed(*at: time, days: frozenset[int] = EVERY_DAY) -> Reminder:
    return Reminder(id="bedtime", habit="hand-massage", message="m", days=days, at=at)


def breaks(
    every: timedelta = timedelta(minutes=90),
    between: tuple[time, time] = (time(9), time(17, 30)),
    days: frozenset[int] = WEEKDAYS,
) -> Reminder:
    return Reminder(
        id="work-break", habit="hand-massage", message="m", days=days, every=every, between=between
    )


WORK_BREAK = breaks()
NIGHT_BREAK = breaks(every=timedelta(minutes=60), between=(time(0), time(6)), days=EVERY_DAY)


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo = BERLIN, fold: int = 0) -> datetime:
    """The UTC instant a clock in `zone` shows hour:minute on `day` (fold=1: the second pass)."""
    return datetime.combine(day, time(hour, minute), tzinfo=zone).replace(fold=fold).astimezone(UTC)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def is_utc(instant: datetime) -> bool:
    return instant.tzinfo is not None and instant.utcoffset() == timedelta(0)


def show(instant: datetime | None, zone: ZoneInfo = BERLIN) -> str:
    """A returned instant as local text; fails unless it is a UTC-aware datetime."""
    assert instant is not None
    assert is_utc(instant), f"not a UTC instant: {instant!r}"
    return instant.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def fires_fixed(reminder: Reminder, zone: ZoneInfo, after: datetime, until: datetime) -> list[datetime]:
    """Iterates next_fixed from one fire to the next, as the daemon does."""
    fires: list[datetime] = []
    while (instant := next_fixed(reminder, zone, after)) is not None and instant <= until:
        assert instant > after, f"{show(instant, zone)} is not strictly after {show(after, zone)}"
        fires.append(instant)
        after = instant
    return fires


# The zone matrix: (zone, day, wall time, expected UTC instant, expected local text).
REPEATED_HOUR = [
    pytest.param(BERLIN, date(2025, 10, 26), time(2, 30), utc(2025, 10, 26, 0, 30), "2025-10-26 02:30 CEST",
                 id="berlin"),
    pytest.param(NEW_YORK, date(2025, 11, 2), time(1, 30), utc(2025, 11, 2, 5, 30), "2025-11-02 01:30 EDT",
                 id="new-york"),
    pytest.param(SYDNEY, date(2025, 4, 6), time(2, 30), utc(2025, 4, 5, 15, 30), "2025-04-06 02:30 AEDT",
                 id="sydney"),
]
SPRING_GAP = [
    pytest.param(BERLIN, date(2025, 3, 30), time(2, 30), utc(2025, 3, 30, 1, 0), "2025-03-30 03:00 CEST",
                 id="berlin"),
    pytest.param(NEW_YORK, date(2025, 3, 9), time(2, 30), utc(2025, 3, 9, 7, 0), "2025-03-09 03:00 EDT",
                 id="new-york"),
    pytest.param(SYDNEY, date(2025, 10, 5), time(2, 30), utc(2025, 10, 4, 16, 0), "2025-10-05 03:00 AEDT",
                 id="sydney"),
]
# (zone, the day before a DST change, local text and UTC of 22:30 on that day and on the change day)
ACROSS_CHANGE = [
    pytest.param(BERLIN, date(2025, 3, 29), ["2025-03-29 22:30 CET", "2025-03-30 22:30 CEST"],
                 [utc(2025, 3, 29, 21, 30), utc(2025, 3, 30, 20, 30)], id="berlin-spring"),
    pytest.param(BERLIN, date(2025, 10, 25), ["2025-10-25 22:30 CEST", "2025-10-26 22:30 CET"],
                 [utc(2025, 10, 25, 20, 30), utc(2025, 10, 26, 21, 30)], id="berlin-autumn"),
    pytest.param(NEW_YORK, date(2025, 3, 8), ["2025-03-08 22:30 EST", "2025-03-09 22:30 EDT"],
                 [utc(2025, 3, 9, 3, 30), utc(2025, 3, 10, 2, 30)], id="new-york-spring"),
    pytest.param(NEW_YORK, date(2025, 11, 1), ["2025-11-01 22:30 EDT", "2025-11-02 22:30 EST"],
                 [utc(2025, 11, 2, 2, 30), utc(2025, 11, 3, 3, 30)], id="new-york-autumn"),
    pytest.param(SYDNEY, date(2025, 4, 5), ["2025-04-05 22:30 AEDT", "2025-04-06 22:30 AEST"],
                 [utc(2025, 4, 5, 11, 30), utc(2025, 4, 6, 12, 30)], id="sydney-autumn"),
    pytest.param(SYDNEY, date(2025, 10, 4), ["2025-10-04 22:30 AEST", "2025-10-05 22:30 AEDT"],
                 [utc(2025, 10, 4, 12, 30), utc(2025, 10, 5, 11, 30)], id="sydney-spring"),
]
# (zone, DST change day, number of hourly slots in a 00:00-06:00 window: 5 when the day is 23 h long)
NIGHT_WINDOWS = [
    pytest.param(BERLIN, date(2025, 3, 30), 5, id="berlin-spring"),
    pytest.param(BERLIN, date(2025, 10, 26), 7, id="berlin-autumn"),
    pytest.param(NEW_YORK, date(2025, 3, 9), 5, id="new-york-spring"),
    pytest.param(NEW_YORK, date(2025, 11, 2), 7, id="new-york-autumn"),
    pytest.param(SYDNEY, date(2025, 10, 5), 5, id="sydney-spring"),
    pytest.param(SYDNEY, date(2025, 4, 6), 7, id="sydney-autumn"),
]


# wall_instant ----------------------------------------------------------------------------------------


def test_wall_instant_on_a_normal_day_is_the_utc_instant_of_that_wall_time() -> None:
    instant = wall_instant(MON, time(22, 30), BERLIN)
    assert instant == utc(2025, 1, 13, 21, 30)
    assert instant.tzinfo is UTC
    assert show(instant) == "2025-01-13 22:30 CET"


@pytest.mark.parametrize(("zone", "day", "clock", "expected", "text"), REPEATED_HOUR)
def test_wall_instant_in_the_repeated_hour_is_the_first_instant(
    zone: ZoneInfo, day: date, clock: time, expected: datetime, text: str
) -> None:
    instant = wall_instant(day, clock, zone)
    assert instant == expected
    assert instant == at(day, clock.hour, clock.minute, zone, fold=0)
    assert instant == at(day, clock.hour, clock.minute, zone, fold=1) - timedelta(hours=1)
    assert show(instant, zone) == text


@pytest.mark.parametrize(("zone", "day", "clock", "expected", "text"), SPRING_GAP)
def test_wall_instant_in_the_spring_gap_is_the_next_existing_minute(
    zone: ZoneInfo, day: date, clock: time, expected: datetime, text: str
) -> None:
    instant = wall_instant(day, clock, zone)
    assert instant == expected
    assert show(instant, zone) == text


@pytest.mark.parametrize("clock", [time(2, 0), time(2, 1), time(2, 59), time(3, 0)])
def test_wall_instant_anywhere_in_the_berlin_gap_lands_on_0300_cest(clock: time) -> None:
    assert show(wall_instant(date(2025, 3, 30), clock, BERLIN)) == "2025-03-30 03:00 CEST"


def test_wall_instant_at_the_day_boundaries() -> None:
    assert show(wall_instant(MON, time(0, 0), BERLIN)) == "2025-01-13 00:00 CET"
    assert show(wall_instant(MON, time(23, 59), BERLIN)) == "2025-01-13 23:59 CET"
    assert wall_instant(MON, time(0, 0), BERLIN) == utc(2025, 1, 12, 23, 0)


# next_fixed ------------------------------------------------------------------------------------------


def test_fixed_fires_later_the_same_day_at_its_wall_time() -> None:
    assert show(next_fixed(fixed(time(22, 30)), BERLIN, at(MON, 12))) == "2025-01-13 22:30 CET"


def test_fixed_after_exactly_the_fire_time_returns_the_next_day() -> None:
    bedtime = fixed(time(22, 30))
    fire = next_fixed(bedtime, BERLIN, at(MON, 12))
    assert fire is not None
    assert show(next_fixed(bedtime, BERLIN, fire)) == "2025-01-14 22:30 CET"


def test_fixed_one_microsecond_before_the_fire_time_returns_it() -> None:
    after = utc(2025, 1, 13, 21, 30) - timedelta(microseconds=1)
    assert show(next_fixed(fixed(time(22, 30)), BERLIN, after)) == "2025-01-13 22:30 CET"


def test_fixed_accepts_after_in_any_zone() -> None:
    bedtime = fixed(time(22, 30))
    local = next_fixed(bedtime, BERLIN, at(MON, 12))
    assert next_fixed(bedtime, BERLIN, datetime(2025, 1, 13, 12, tzinfo=BERLIN)) == local
    assert next_fixed(bedtime, BERLIN, datetime(2025, 1, 13, 6, tzinfo=NEW_YORK)) == local  # 12:00 Berlin
    assert show(local) == "2025-01-13 22:30 CET"


@pytest.mark.parametrize(("zone", "day_before", "texts", "instants"), ACROSS_CHANGE)
def test_fixed_keeps_its_wall_time_across_a_dst_change(
    zone: ZoneInfo, day_before: date, texts: list[str], instants: list[datetime]
) -> None:
    fires = fires_fixed(fixed(time(22, 30)), zone, at(day_before, 12, zone=zone), instants[1])
    assert [show(f, zone) for f in fires] == texts
    assert fires == instants
    assert fires[1] - fires[0] in (timedelta(hours=23), timedelta(hours=25))


@pytest.mark.parametrize(("zone", "day", "clock", "expected", "text"), REPEATED_HOUR)
def test_fixed_in_the_repeated_hour_fires_exactly_once(
    zone: ZoneInfo, day: date, clock: time, expected: datetime, text: str
) -> None:
    reminder = fixed(clock)
    start = at(day - timedelta(days=1), 12, zone=zone)
    fires = fires_fixed(reminder, zone, start, at(day + timedelta(days=1), 23, zone=zone))
    on_the_day = [f for f in fires if f.astimezone(zone).date() == day]
    assert on_the_day == [expected]
    assert [show(f, zone) for f in on_the_day] == [text]
    assert len(fires) == 2  # the change day and the day after: nothing in the second pass of the hour
    wall = clock.strftime("%H:%M")
    assert all(f.astimezone(zone).strftime("%H:%M") == wall for f in fires)


@pytest.mark.parametrize(("zone", "day", "clock", "expected", "text"), REPEATED_HOUR)
def test_fixed_from_inside_the_repeated_hour_does_not_fire_again_in_its_second_pass(
    zone: ZoneInfo, day: date, clock: time, expected: datetime, text: str
) -> None:
    # after the first pass of the wall time, before the second: the next fire is the next day
    between_passes = expected + timedelta(minutes=30)
    fire = next_fixed(fixed(clock), zone, between_passes)
    assert fire is not None
    assert fire.astimezone(zone).date() == day + timedelta(days=1)
    assert fire.astimezone(zone).strftime("%H:%M") == clock.strftime("%H:%M")


@pytest.mark.parametrize(("zone", "day", "clock", "expected", "text"), SPRING_GAP)
def test_fixed_in_the_spring_gap_fires_at_the_next_valid_minute_then_normally(
    zone: ZoneInfo, day: date, clock: time, expected: datetime, text: str
) -> None:
    reminder = fixed(clock)
    start = at(day - timedelta(days=1), 12, zone=zone)
    fires = fires_fixed(reminder, zone, start, at(day + timedelta(days=1), 23, zone=zone))
    next_day = (day + timedelta(days=1)).isoformat()
    assert len(fires) == 2
    assert fires[0] == expected
    assert show(fires[0], zone) == text
    assert show(fires[1], zone).startswith(f"{next_day} 02:30 ")


def test_fixed_weekdays_only_from_friday_is_monday() -> None:
    bedtime = fixed(time(22, 30), days=WEEKDAYS)
    friday_fire = next_fixed(bedtime, BERLIN, at(FRI, 12))
    assert show(friday_fire) == "2025-01-17 22:30 CET"
    assert friday_fire is not None
    assert show(next_fixed(bedtime, BERLIN, friday_fire)) == "2025-01-20 22:30 CET"
    assert show(next_fixed(bedtime, BERLIN, at(SAT, 23))) == "2025-01-20 22:30 CET"


def test_fixed_on_one_weekday_only_waits_a_whole_week() -> None:
    sundays = fixed(time(22, 30), days=frozenset({6}))
    fire = next_fixed(sundays, BERLIN, at(MON, 12))
    assert show(fire) == "2025-01-19 22:30 CET"
    assert fire is not None
    assert show(next_fixed(sundays, BERLIN, fire)) == "2025-01-26 22:30 CET"


def test_fixed_several_times_a_day_come_in_order() -> None:
    reminder = fixed(time(8, 0), time(13, 0), time(22, 30))
    fires = fires_fixed(reminder, BERLIN, at(MON, 0), at(TUE, 8))
    assert [show(f) for f in fires] == [
        "2025-01-13 08:00 CET",
        "2025-01-13 13:00 CET",
        "2025-01-13 22:30 CET",
        "2025-01-14 08:00 CET",
    ]


def test_fixed_several_times_from_between_them_picks_the_next_one() -> None:
    reminder = fixed(time(8, 0), time(13, 0), time(22, 30))
    assert show(next_fixed(reminder, BERLIN, at(MON, 12, 59))) == "2025-01-13 13:00 CET"
    assert show(next_fixed(reminder, BERLIN, at(MON, 13))) == "2025-01-13 22:30 CET"


def test_fixed_at_midnight() -> None:
    midnight = fixed(time(0, 0))
    assert show(next_fixed(midnight, BERLIN, at(MON, 23, 59))) == "2025-01-14 00:00 CET"
    assert show(next_fixed(midnight, BERLIN, at(TUE, 0))) == "2025-01-15 00:00 CET"


def test_fixed_at_midnight_on_a_due_day_follows_a_non_due_day() -> None:
    mondays = fixed(time(0, 0), days=frozenset({0}))
    assert show(next_fixed(mondays, BERLIN, at(SUN, 23, 59))) == "2025-01-20 00:00 CET"


def test_fixed_at_2359() -> None:
    late = fixed(time(23, 59))
    assert show(next_fixed(late, BERLIN, at(MON, 23, 58))) == "2025-01-13 23:59 CET"
    assert show(next_fixed(late, BERLIN, at(MON, 23, 59))) == "2025-01-14 23:59 CET"


def test_fixed_at_2359_on_friday_skips_the_weekend() -> None:
    late = fixed(time(23, 59), days=WEEKDAYS)
    assert show(next_fixed(late, BERLIN, at(FRI, 23, 59))) == "2025-01-20 23:59 CET"


def test_fixed_without_due_days_never_fires() -> None:
    assert next_fixed(fixed(time(22, 30), days=frozenset()), BERLIN, at(MON, 12)) is None


# next_break ------------------------------------------------------------------------------------------


def test_break_first_slot_of_a_day_is_window_start_plus_every() -> None:
    assert show(next_break(WORK_BREAK, BERLIN, at(MON, 8))) == "2025-01-13 10:30 CET"


def test_break_slots_through_a_day_then_the_next_day() -> None:
    assert [show(t) for t in upcoming(WORK_BREAK, BERLIN, at(MON, 8), 6)] == [
        "2025-01-13 10:30 CET",
        "2025-01-13 12:00 CET",
        "2025-01-13 13:30 CET",
        "2025-01-13 15:00 CET",
        "2025-01-13 16:30 CET",
        "2025-01-14 10:30 CET",
    ]


def test_break_slot_past_the_window_end_moves_to_the_next_due_day() -> None:
    last = at(MON, 16, 30)  # 18:00 would be past 17:30
    assert show(next_break(WORK_BREAK, BERLIN, last, last_fire=last)) == "2025-01-14 10:30 CET"


def test_break_slot_exactly_at_the_window_end_still_fires() -> None:
    hourly = breaks(every=timedelta(minutes=60), between=(time(9), time(12)))
    assert show(next_break(hourly, BERLIN, at(MON, 11), last_fire=at(MON, 11))) == "2025-01-13 12:00 CET"


def test_break_on_friday_after_the_last_slot_is_monday() -> None:
    last = at(FRI, 16, 30)
    assert show(next_break(WORK_BREAK, BERLIN, last, last_fire=last)) == "2025-01-20 10:30 CET"


def test_break_windows_on_non_due_days_produce_nothing() -> None:
    assert show(next_break(WORK_BREAK, BERLIN, at(SAT, 8))) == "2025-01-20 10:30 CET"
    assert show(next_break(WORK_BREAK, BERLIN, at(SUN, 12))) == "2025-01-20 10:30 CET"
    weekend = [t for t in upcoming(WORK_BREAK, BERLIN, at(MON, 0), 30) if t.astimezone(BERLIN).weekday() >= 5]
    assert weekend == []


def test_break_session_moves_the_next_slot() -> None:
    session = at(MON, 11)
    assert show(next_break(WORK_BREAK, BERLIN, session, last_session=session)) == "2025-01-13 12:30 CET"
    # the daemon asks again from the old slot it had planned: the session still wins
    after_first = at(MON, 10, 30)
    assert show(next_break(WORK_BREAK, BERLIN, after_first, last_session=session, last_fire=after_first)) == (
        "2025-01-13 12:30 CET"
    )


def test_break_session_before_the_window_counts_from_the_window_start() -> None:
    session = at(MON, 8, 45)
    assert show(next_break(WORK_BREAK, BERLIN, session, last_session=session)) == "2025-01-13 10:30 CET"


def test_break_session_yesterday_does_not_shift_today() -> None:
    yesterday = at(MON, 16, 45)
    assert show(next_break(WORK_BREAK, BERLIN, at(TUE, 8), last_session=yesterday)) == "2025-01-14 10:30 CET"


def test_break_after_in_the_middle_of_the_grid_picks_the_next_grid_slot() -> None:
    assert show(next_break(WORK_BREAK, BERLIN, at(MON, 11))) == "2025-01-13 12:00 CET"
    assert show(next_break(WORK_BREAK, BERLIN, at(MON, 12))) == "2025-01-13 13:30 CET"  # strictly after
    assert show(next_break(WORK_BREAK, BERLIN, at(MON, 16, 31))) == "2025-01-14 10:30 CET"


@pytest.mark.parametrize(("hour", "minute"), [(10, 30), (10, 31), (11, 0), (11, 59)])
def test_break_restart_does_not_drift(hour: int, minute: int) -> None:
    last_fire = at(MON, 10, 30)
    after = at(MON, hour, minute)
    assert show(next_break(WORK_BREAK, BERLIN, after, last_fire=last_fire)) == "2025-01-13 12:00 CET"


def test_break_off_grid_last_fire_restarts_the_rhythm() -> None:
    snoozed = at(MON, 10, 40)
    assert show(next_break(WORK_BREAK, BERLIN, snoozed, last_fire=snoozed)) == "2025-01-13 12:10 CET"


def test_break_counts_from_the_later_of_last_fire_and_last_session() -> None:
    fire, session = at(MON, 10, 30), at(MON, 11, 15)
    assert show(next_break(WORK_BREAK, BERLIN, session, session, fire)) == "2025-01-13 12:45 CET"
    assert show(next_break(WORK_BREAK, BERLIN, fire, at(MON, 10), fire)) == "2025-01-13 12:00 CET"


@pytest.mark.parametrize(("zone", "day", "slots"), NIGHT_WINDOWS)
def test_break_every_is_elapsed_time_in_a_window_across_dst(zone: ZoneInfo, day: date, slots: int) -> None:
    start = wall_instant(day, time(0), zone)
    end = wall_instant(day, time(6), zone)
    times = upcoming(NIGHT_BREAK, zone, at(day - timedelta(days=1), 12, zone=zone), slots + 1)
    on_the_day, following = times[:slots], times[slots]
    assert all(is_utc(t) for t in times)
    assert all(b - a == timedelta(hours=1) for a, b in pairwise(on_the_day))
    assert all(start < t <= end for t in on_the_day)
    assert on_the_day[0] == start + timedelta(hours=1)
    assert on_the_day[-1] == end
    assert show(following, zone).startswith(f"{(day + timedelta(days=1)).isoformat()} 01:00 ")


def test_break_night_window_on_the_berlin_spring_day() -> None:
    times = upcoming(NIGHT_BREAK, BERLIN, at(date(2025, 3, 29), 12), 5)
    assert [show(t) for t in times] == [
        "2025-03-30 01:00 CET",
        "2025-03-30 03:00 CEST",
        "2025-03-30 04:00 CEST",
        "2025-03-30 05:00 CEST",
        "2025-03-30 06:00 CEST",
    ]


def test_break_night_window_on_the_berlin_autumn_day() -> None:
    times = upcoming(NIGHT_BREAK, BERLIN, at(date(2025, 10, 25), 12), 7)
    assert [show(t) for t in times] == [
        "2025-10-26 01:00 CEST",
        "2025-10-26 02:00 CEST",
        "2025-10-26 02:00 CET",
        "2025-10-26 03:00 CET",
        "2025-10-26 04:00 CET",
        "2025-10-26 05:00 CET",
        "2025-10-26 06:00 CET",
    ]


def test_break_last_fire_in_the_repeated_hour_is_followed_an_elapsed_hour_later() -> None:
    first_0230 = utc(2025, 10, 26, 0, 30)  # 02:30 CEST, the first pass
    assert show(next_break(NIGHT_BREAK, BERLIN, first_0230, last_fire=first_0230)) == "2025-10-26 02:30 CET"


def test_break_with_a_local_aware_last_session_still_returns_utc() -> None:
    # Inputs built with ZoneInfo are allowed; every returned instant must be UTC.
    session = datetime(2025, 1, 13, 11, tzinfo=BERLIN)
    result = next_break(WORK_BREAK, BERLIN, session, last_session=session)
    assert result is not None
    assert is_utc(result), f"not a UTC instant: {result!r}"
    assert result == utc(2025, 1, 13, 11, 30)


def test_break_with_a_local_aware_last_fire_in_the_repeated_hour_adds_elapsed_time() -> None:
    first_0230 = datetime(2025, 10, 26, 2, 30, fold=0, tzinfo=BERLIN)  # 02:30 CEST = 00:30 UTC
    result = next_break(NIGHT_BREAK, BERLIN, first_0230, last_fire=first_0230)
    assert result is not None
    assert result == utc(2025, 10, 26, 1, 30)  # one hour later: 02:30 CET, not 03:30 CET
    assert show(result) == "2025-10-26 02:30 CET"


# next_fire -------------------------------------------------------------------------------------------


def test_next_fire_uses_the_reminders_kind() -> None:
    bedtime = fixed(time(22, 30))
    assert next_fire(bedtime, BERLIN, at(MON, 12)) == next_fixed(bedtime, BERLIN, at(MON, 12))
    session = at(MON, 11)
    assert show(next_fire(WORK_BREAK, BERLIN, session, last_session=session)) == "2025-01-13 12:30 CET"
    last = at(MON, 10, 30)
    assert show(next_fire(WORK_BREAK, BERLIN, at(MON, 11), last_fire=last)) == "2025-01-13 12:00 CET"


def test_next_fire_for_a_fixed_reminder_ignores_sessions_and_fires() -> None:
    bedtime = fixed(time(22, 30))
    assert show(next_fire(bedtime, BERLIN, at(MON, 12), at(MON, 21), at(MON, 21))) == "2025-01-13 22:30 CET"


# upcoming --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("zone", "day", "clock", "expected", "text"), REPEATED_HOUR + SPRING_GAP)
def test_upcoming_across_dst_is_strictly_increasing_and_once_a_day(
    zone: ZoneInfo, day: date, clock: time, expected: datetime, text: str
) -> None:
    now = at(day - timedelta(days=3), 12, zone=zone)
    times = upcoming(fixed(clock), zone, now, 7)
    assert len(times) == 7
    assert all(is_utc(t) for t in times)
    assert times[0] > now
    assert all(a < b for a, b in pairwise(times))
    local_days = [t.astimezone(zone).date() for t in times]
    assert local_days == [day + timedelta(days=n) for n in range(-2, 5)]
    assert [show(t, zone) for t in times if t.astimezone(zone).date() == day] == [text]


def test_upcoming_from_exactly_a_fire_time_starts_with_the_next_one() -> None:
    now = utc(2025, 1, 13, 21, 30)  # Monday 22:30 CET
    assert [show(t) for t in upcoming(fixed(time(22, 30), days=WEEKDAYS), BERLIN, now, 3)] == [
        "2025-01-14 22:30 CET",
        "2025-01-15 22:30 CET",
        "2025-01-16 22:30 CET",
    ]


def test_upcoming_breaks_across_the_weekend() -> None:
    assert [show(t) for t in upcoming(WORK_BREAK, BERLIN, at(FRI, 15), 3)] == [
        "2025-01-17 16:30 CET",
        "2025-01-20 10:30 CET",
        "2025-01-20 12:00 CET",
    ]


@pytest.mark.parametrize("count", [0, 1, 12])
def test_upcoming_returns_count_times(count: int) -> None:
    times = upcoming(WORK_BREAK, BERLIN, at(MON, 8), count)
    assert len(times) == count
    assert all(a < b for a, b in pairwise(times))
    assert all(t > at(MON, 8) and is_utc(t) for t in times)


def test_upcoming_without_due_days_is_empty() -> None:
    assert upcoming(fixed(time(22, 30), days=frozenset()), BERLIN, at(MON, 12), 5) == []
    assert upcoming(breaks(days=frozenset()), BERLIN, at(MON, 12), 5) == []


# break_still_due -------------------------------------------------------------------------------------


def test_break_still_due_without_any_session() -> None:
    assert break_still_due(timedelta(minutes=90), None, utc(2025, 1, 13, 10))


@pytest.mark.parametrize(
    ("since", "due"),
    [
        (timedelta(0), False),
        (timedelta(minutes=89, seconds=59), False),
        (timedelta(minutes=90), True),
        (timedelta(hours=5), True),
    ],
)
def test_break_still_due_once_every_has_passed_since_the_session(since: timedelta, due: bool) -> None:
    now = utc(2025, 1, 13, 12)
    assert break_still_due(timedelta(minutes=90), now - since, now) is due


def test_break_still_due_counts_elapsed_time_across_zones() -> None:
    session = datetime(2025, 10, 26, 2, 30, fold=0, tzinfo=BERLIN)  # 02:30 CEST = 00:30 UTC
    assert not break_still_due(timedelta(minutes=90), session, utc(2025, 10, 26, 1, 59))
    assert break_still_due(timedelta(minutes=90), session, utc(2025, 10, 26, 2, 0))


def test_break_still_due_counts_elapsed_time_in_the_repeated_hour() -> None:
    # Both in the zone: the second 02:30 (CET) is an hour after the first (CEST), not zero.
    session = datetime(2025, 10, 26, 2, 30, fold=0, tzinfo=BERLIN)  # 00:30 UTC
    now = datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=BERLIN)  # 01:30 UTC
    assert break_still_due(timedelta(minutes=60), session, now)
