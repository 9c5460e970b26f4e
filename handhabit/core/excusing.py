"""Taking excuses back (`handhabit unskip`): which excuses to mark deleted, and which new ones keep
excused what they covered beyond the days named.

Pure, like the habit maths: the store applies the answer under its write lock. An excuse is never edited
in place: it is marked deleted whole, and new excuses (its habit, its reason) cover what stays excused.
Every change is then an insert or a deletion mark, the two things that records merged by id (an import,
a sync between machines) can carry; a shortened date range would not travel.

Ranges are worked out as intervals, never as sets of days: an imported excuse may span centuries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from handhabit.core.records import Excuse

ALL_HABITS = "*"
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class TakeBack:
    """What `unskip` changes: `taken` are marked deleted, `kept` are added. Nothing taken, nothing to do."""

    taken: tuple[Excuse, ...] = ()
    kept: tuple[Excuse, ...] = ()


def uncovered(start: date, end: date, covers: Iterable[tuple[date, date]]) -> list[tuple[date, date]]:
    """The runs of days in [start, end] that no (first, last) range of `covers` holds, in order."""
    runs: list[tuple[date, date]] = []
    day = start
    for first, last in sorted(covers):
        if first > end:
            break
        if last < day:
            continue
        if first > day:
            runs.append((day, first - _DAY))
        if last >= end:  # before adding a day: `last` may be the last date Python holds
            return runs
        day = last + _DAY
    if day <= end:
        runs.append((day, end))
    return runs


def overlap(excuse: Excuse, first: date, last: date) -> tuple[date, date]:
    """The days of [first, last] that `excuse` covers (an empty range, start after end, when none)."""
    return max(excuse.from_date, first), min(excuse.to_date, last)


def take_back(
    excuses: Iterable[Excuse], habit: str | None, first: date, last: date, others: Sequence[str],
    new_id: Callable[[], str],
) -> TakeBack:
    """Makes [first, last] count again for `habit`, or for every habit when it is None (then every excuse
    on those days goes, whichever habit it names). `excuses` are the live ones.

    An excuse reaching beyond those days is taken back whole, and what it covered before and after them
    is excused again. Taking one habit out of an all-habit ("*") excuse leaves the `others` (the other
    habits of the config) excused on those days by excuses of their own, where none of theirs already
    covers them: asking for one habit back must not cost the others their excuse."""
    live = list(excuses)
    taken = [e for e in live if e.from_date <= last and e.to_date >= first
             and (habit is None or e.habit in (ALL_HABITS, habit))]
    kept = [replace(e, id=new_id(), from_date=start, to_date=end)
            for e in taken for start, end in uncovered(e.from_date, e.to_date, [(first, last)])]
    for every in (e for e in taken if habit is not None and e.habit == ALL_HABITS):
        start, end = overlap(every, first, last)
        for other in others:
            own = [(e.from_date, e.to_date) for e in (*live, *kept) if e.habit == other]
            kept += [Excuse(new_id(), other, a, b, every.reason) for a, b in uncovered(start, end, own)]
    return TakeBack(tuple(taken), tuple(kept))
