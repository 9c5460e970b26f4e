"""The habit maths on day totals: SQLite sums a habit's sessions per logical date, and every report made
from those sums is the one made from the sessions themselves; a row the sums cannot read is named."""

from __future__ import annotations

import math
import sqlite3
from dataclasses import astuple, replace
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handhabit.config.model import Habit, Target
from handhabit.core.habits import calendar, day_totals, progress, report
from handhabit.core.records import DayTotal, Excuse, Session, utc_text
from handhabit.store import Store, StoreError
from tests.builders import done_on

UTC = timezone.utc
MONDAY, TUESDAY = date(2025, 3, 3), date(2025, 3, 4)
TARGETS = (
    Target(per="day", sessions=2),
    Target(per="day", minutes=10),
    Target(per="week", sessions=3),
    Target(per="week", minutes=45),
)
# Minutes as people record them (3.3 + 3.3 + 3.4 is where naive float sums go wrong) and none at all.
MINUTES = st.sampled_from([None, None, 0.1, 0.2, 2.5, 3.3, 3.4, 5.0, 12.5, 1440.0])


def habit(target: Target, habit_id: str = "hand-massage") -> Habit:
    return Habit(id=habit_id, name="Hand massage", target=target, days=frozenset({0, 1, 2, 3, 4}), routine="classic")


def rounded(value: object) -> object:
    """Float sums in another order may differ in the last bit; nothing a person sees does."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, tuple):
        return tuple(rounded(v) for v in value)
    if isinstance(value, Habit):
        return value.id
    return value


sessions_specs = st.lists(
    st.tuples(st.integers(0, 27), MINUTES, st.sampled_from(["hand-massage", "stretch"]), st.booleans()),
    max_size=60,
)


def build(specs: list[tuple[int, float | None, str, bool]]) -> list[Session]:
    built = []
    for day, minutes, habit_id, undone in specs:
        session = done_on(MONDAY + timedelta(days=day), time(19), habit=habit_id, minutes=minutes)
        built.append(replace(session, deleted_utc=session.at_utc) if undone else session)
    return built


@settings(max_examples=200, deadline=None)
@given(specs=sessions_specs, excused=st.lists(st.integers(0, 27), max_size=3), today=st.integers(0, 30))
def test_every_report_from_day_totals_is_the_report_from_the_sessions(
    specs: list[tuple[int, float | None, str, bool]], excused: list[int], today: int
) -> None:
    sessions = build(specs)
    totals = day_totals(sessions)
    excuses = [Excuse(str(uuid4()), "*", MONDAY + timedelta(days=d), MONDAY + timedelta(days=d), None) for d in excused]
    on = MONDAY + timedelta(days=today)
    for target in TARGETS:
        h = habit(target)
        common = {"week_starts_on": 0, "routine_minutes": 5.0}
        assert rounded(astuple(report(h, totals, excuses, today=on, week_of=on, **common))) == rounded(
            astuple(report(h, sessions, excuses, today=on, week_of=on, **common))
        )
        assert progress(h, totals, excuses, today=on, **common) == progress(h, sessions, excuses, today=on, **common)
        first = MONDAY - timedelta(weeks=1)
        assert [rounded(astuple(d)) for d in calendar(h, totals, excuses, first=first, weeks=6, **common)] == [
            rounded(astuple(d)) for d in calendar(h, sessions, excuses, first=first, weeks=6, **common)
        ]


def write(store: Store, sessions: list[Session]) -> None:
    store.import_records(sessions, [], [])


def test_sqlite_sums_what_the_maths_would(store: Store) -> None:
    sessions = build([(0, 3.3, "hand-massage", False), (0, 3.3, "hand-massage", False), (0, 3.4, "hand-massage", False),
                      (0, None, "hand-massage", False), (0, 5.0, "hand-massage", True), (1, None, "stretch", False),
                      (1, 2.5, "stretch", False), (3, None, "hand-massage", False)])
    write(store, sessions)
    assert store.day_totals("hand-massage") == [
        DayTotal("hand-massage", MONDAY, 4, 10.0, 1),  # the undone session is not counted
        DayTotal("hand-massage", MONDAY + timedelta(days=3), 1, 0.0, 1),
    ]
    assert store.day_totals("stretch") == [DayTotal("stretch", MONDAY + timedelta(days=1), 2, 2.5, 1)]
    assert store.day_totals("hand-massage") + store.day_totals("stretch") == day_totals(sessions)
    assert [t.logical_date for t in store.day_totals("hand-massage", since=MONDAY + timedelta(days=1))] == [
        MONDAY + timedelta(days=3)
    ]
    assert store.day_totals("lotion") == []


@settings(max_examples=25, deadline=None)
@given(specs=sessions_specs)
def test_the_streak_read_through_sqlite_is_the_streak_of_the_sessions(
    tmp_path_factory: pytest.TempPathFactory, specs: list[tuple[int, float | None, str, bool]]
) -> None:
    sessions = build(specs)
    store = Store(tmp_path_factory.mktemp("db") / "hh.db")
    write(store, sessions)
    on = MONDAY + timedelta(days=28)
    for target in TARGETS:
        h = habit(target)
        from_sql = report(h, store.day_totals(h.id), [], today=on, week_of=on, week_starts_on=0, routine_minutes=5.0)
        from_sessions = report(h, sessions, [], today=on, week_of=on, week_starts_on=0, routine_minutes=5.0)
        assert rounded(astuple(from_sql)) == rounded(astuple(from_sessions))
        assert math.isclose(from_sql.score, from_sessions.score, abs_tol=1e-9)
    store.close()


@pytest.mark.parametrize(
    ("column", "value", "named"),
    [
        ("logical_date", "2025-02-30", "logical_date"),
        ("logical_date", "1969-12-31", "logical_date"),
        ("minutes", "five", "wrong type"),
        ("minutes", 1e308, "minutes"),
        ("minutes", 0, "minutes"),
    ],
)
def test_a_row_the_sums_cannot_read_is_named_and_an_undone_one_is_not_read(
    tmp_path: Path, column: str, value: object, named: str
) -> None:
    db = tmp_path / "hh.db"
    store = Store(db)
    write(store, build([(0, 5.0, "hand-massage", False), (1, None, "hand-massage", False)]))
    store.close()
    with sqlite3.connect(db) as conn:
        conn.execute(f"UPDATE sessions SET {column} = ? WHERE logical_date = ?", [value, MONDAY.isoformat()])
    with pytest.raises(StoreError) as raised:
        Store(db, writable=False).day_totals("hand-massage")
    assert str(raised.value).startswith(f'{db}: sessions row "'), raised.value
    assert named in str(raised.value), raised.value
    assert "no command can use it" in str(raised.value)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE sessions SET deleted_utc = ? WHERE logical_date IS NOT ?",
                     [utc_text(datetime(2025, 3, 5, tzinfo=UTC)), TUESDAY.isoformat()])
    assert Store(db, writable=False).day_totals("hand-massage") == [DayTotal("hand-massage", TUESDAY, 1, 0.0, 1)]
