"""The habit maths on ten years of history: `streak` recomputes everything on every call (habits.md:
streaks and scores are never stored), so this is the budget it spends, per habit, before any I/O."""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import date, datetime, timedelta, timezone

from handhabit.config.model import Habit, Target
from handhabit.core.habits import calendar, report
from handhabit.core.records import Excuse, Session


def main() -> None:
    start = date(2015, 1, 1)
    days = 3653
    at = datetime(2015, 1, 1, 18, tzinfo=timezone.utc)
    sessions = [
        Session(str(uuid.uuid4()), "hand-massage", at, "Europe/Berlin", start + timedelta(days=i), None, "cli", None,
                at)
        for i in range(days)
        for _ in range(3)
    ]
    excuses = [Excuse("vacation", "*", date(2016, 8, 1), date(2016, 8, 14), "vacation")]
    today = start + timedelta(days=days)
    print(f"{len(sessions)} sessions over {days} days")
    for target in (Target("day", sessions=2), Target("day", minutes=10), Target("week", sessions=3)):
        habit = Habit("hand-massage", "Hand massage", target, frozenset(range(7)), "classic")
        for name, work in (
            ("report", lambda h=habit: report(h, sessions, excuses, today=today, week_of=today, week_starts_on=0,
                                              routine_minutes=5.0)),
            ("calendar 52 weeks", lambda h=habit: calendar(h, sessions, excuses, first=today - timedelta(weeks=51),
                                                          weeks=52, week_starts_on=0, routine_minutes=5.0)),
        ):
            times = []
            for _ in range(20):
                began = time.perf_counter()
                work()
                times.append(time.perf_counter() - began)
            amount = f"{target.sessions} sessions" if target.sessions else f"{target.minutes:g} min"
            label = f"{amount} a {target.per}"
            print(f"{label:<18} {name:<18} median {1000 * statistics.median(times):5.1f} ms"
                  f"   worst {1000 * max(times):5.1f} ms")


if __name__ == "__main__":
    main()
