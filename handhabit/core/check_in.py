"""The check-in over a span of days: how often the hands felt better, the same or worse after a session, and
the mean discomfort rated (habits.md, "The check-in"). Sessions without answers count in neither."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from handhabit.core.records import DISCOMFORT_LEAST, DISCOMFORT_MOST, FEELS


@dataclass(frozen=True)
class CheckIns:
    feel: dict[str, int]  # each of FEELS -> how many sessions were answered so
    discomfort: float | None  # the mean rating; None when no session was rated

    def as_json(self) -> dict[str, object]:
        return {"week_feel": self.feel, "week_discomfort": self.discomfort}


def check_ins(answers: Iterable[tuple[object, object]]) -> CheckIns:
    """Over the (feel, discomfort) answers of the sessions of a span (`Store.check_ins`). A value no
    session can hold (a hand edit) counts in neither: a summary must not stop on one bad row."""
    feel = dict.fromkeys(FEELS, 0)
    ratings = []
    for felt, discomfort in answers:
        if isinstance(felt, str) and felt in feel:
            feel[felt] += 1
        if (isinstance(discomfort, int) and not isinstance(discomfort, bool)
                and DISCOMFORT_LEAST <= discomfort <= DISCOMFORT_MOST):
            ratings.append(discomfort)
    return CheckIns(feel, round(sum(ratings) / len(ratings), 2) if ratings else None)
