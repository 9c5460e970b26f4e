"""Taking excuses back, the pure part (`handhabit.core.excusing`): examples, then the property that says it all.
Whatever the excuses and whatever is taken back, afterwards exactly the days named count again for the
habits named, every other (habit, day) is excused as it was, and every change is a deletion mark or a
new excuse."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from itertools import count

from hypothesis import given
from hypothesis import strategies as st

from handhabit.core.excusing import TakeBack, take_back, uncovered
from handhabit.core.habits import excused_dates
from handhabit.core.records import LAST_DAY, Excuse, excuse_flaws

MON = date(2025, 3, 10)
CONFIG_HABITS = ("hand-massage", "daily", "stretch")


def day(n: int) -> date:
    return MON + timedelta(days=n)


def ids() -> Iterable[str]:
    return (f"new-{n}" for n in count())


def planned(excuses: list[Excuse], habit: str | None, first: date, last: date) -> TakeBack:
    fresh = iter(ids())
    others = [h for h in CONFIG_HABITS if habit is not None and h != habit]
    return take_back(excuses, habit, first, last, others, lambda: next(fresh))


def spans(excuses: Iterable[Excuse]) -> list[tuple[str, date, date, str | None]]:
    return sorted((e.habit, e.from_date, e.to_date, e.reason) for e in excuses)


def test_uncovered_leaves_the_gaps_between_ranges() -> None:
    assert uncovered(day(0), day(9), []) == [(day(0), day(9))]
    assert uncovered(day(0), day(9), [(day(2), day(3)), (day(-5), day(0)), (day(5), day(5))]) == [
        (day(1), day(1)), (day(4), day(4)), (day(6), day(9))]
    assert uncovered(day(0), day(9), [(day(-1), day(20))]) == []
    assert uncovered(day(0), day(2), [(day(0), day(0)), (day(1), day(1)), (day(2), day(2))]) == []
    # The last date Python holds ends a cover without a day added to it.
    assert uncovered(LAST_DAY, LAST_DAY, [(LAST_DAY, date.max)]) == []


def test_a_day_out_of_the_middle_splits_an_excuse_into_what_comes_before_and_after() -> None:
    travel = Excuse("x", "daily", day(0), day(4), "travel")
    change = planned([travel], "daily", day(2), day(2))
    assert change.taken == (travel,)
    assert spans(change.kept) == [("daily", day(0), day(1), "travel"), ("daily", day(3), day(4), "travel")]
    assert [e.id for e in change.kept] == ["new-0", "new-1"]


def test_one_habit_out_of_an_all_habit_excuse_leaves_the_other_habits_excused() -> None:
    sick = Excuse("x", "*", day(0), day(2), "sick")
    change = planned([sick, Excuse("own", "stretch", day(1), day(1), None)], "hand-massage", day(1), day(5))
    assert change.taken == (sick,)
    # "stretch" is excused on day 1 by its own excuse already: no second one.
    assert spans(change.kept) == [("*", day(0), day(0), "sick"), ("daily", day(1), day(2), "sick"),
                                  ("stretch", day(2), day(2), "sick")]


def test_no_habit_named_takes_back_every_excuse_on_those_days_and_nothing_else() -> None:
    excuses = [Excuse("a", "*", day(0), day(0), None), Excuse("b", "daily", day(1), day(1), None),
               Excuse("c", "gone-habit", day(1), day(3), None), Excuse("d", "daily", day(5), day(5), None)]
    change = planned(excuses, None, day(0), day(2))
    assert [e.id for e in change.taken] == ["a", "b", "c"]
    assert spans(change.kept) == [("gone-habit", day(3), day(3), None)]


def test_nothing_excused_on_those_days_is_nothing_to_do() -> None:
    assert planned([Excuse("a", "*", day(0), day(0), None)], "daily", day(1), day(9)) == TakeBack()
    assert planned([Excuse("a", "daily", day(1), day(1), None)], "stretch", day(1), day(1)) == TakeBack()


# Excuses over three weeks, for the config's habits, all of them, or a habit no longer in the config.
excuse_specs = st.lists(
    st.tuples(st.integers(0, 20), st.integers(0, 6), st.sampled_from(["*", *CONFIG_HABITS, "gone-habit"]),
              st.sampled_from([None, "sick", "travel"])),
    max_size=6,
)


def covered(excuses: Iterable[Excuse], habit: str) -> set[date]:
    return excused_dates([e for e in excuses if e.habit in ("*", habit)], day(-1), day(30))


@given(specs=excuse_specs, named=st.sampled_from([None, *CONFIG_HABITS]), start=st.integers(-2, 24),
       length=st.integers(0, 8))
def test_exactly_the_days_named_count_again_for_the_habits_named(
    specs: list[tuple[int, int, str, str | None]], named: str | None, start: int, length: int
) -> None:
    excuses = [Excuse(f"x-{n}", habit, day(d), day(d + k), reason) for n, (d, k, habit, reason) in enumerate(specs)]
    first, last = day(start), day(start + length)
    change = planned(excuses, named, first, last)
    after = [*(e for e in excuses if e not in change.taken), *change.kept]
    named_days = set(excused_dates([Excuse("all", "*", first, last, None)], first, last))
    for habit in (*CONFIG_HABITS, "gone-habit"):
        before, now = covered(excuses, habit), covered(after, habit)
        if named is None or habit == named:
            assert now == before - named_days, habit
        elif habit in CONFIG_HABITS:
            assert now == before, habit
        else:  # all-habit excuses are kept for the config's habits only: a habit gone from it is not asked about
            assert now - named_days == before - named_days, habit
    # Only deletion marks and new records: what is taken was live, what is kept is new and valid.
    assert all(e in excuses for e in change.taken)
    assert len({e.id for e in change.kept}) == len(change.kept)
    assert not {e.id for e in change.kept} & {e.id for e in excuses}
    assert not [flaw for e in change.kept for flaw in excuse_flaws(e)]
    # Kept excuses keep the reason of the one they came from.
    assert {e.reason for e in change.kept} <= {e.reason for e in change.taken}
