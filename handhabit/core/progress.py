"""How today (or this week) stands against a habit's target: what a reminder's `skip_if_met` obeys and the
"1 of 2 today" line shown after `done` and on a reminder. `habits.progress` works it out."""

from __future__ import annotations

import math
from dataclasses import dataclass

# Sums of float minutes (e.g. 3.3 + 3.3 + 3.4) may land a hair under a whole target.
EPSILON = 1e-9


@dataclass(frozen=True)
class Progress:
    """Today's (or this week's) standing, for `skip_if_met` and the line printed after `done`.

    `met` is what a reminder obeys, so it is also true on excused and not-due days even though `done`
    may be below `required` there.
    """

    done: float
    required: float
    met: bool
    per: str = "day"  # "day" | "week"
    counts: str = "sessions"  # "sessions" | "minutes"
    due: bool = True
    excused: bool = False

    @property
    def amount(self) -> str:
        amount = f"{amount_text(self.done, floor=True)} of {amount_text(self.required)}"
        return amount + " min" if self.counts == "minutes" else amount

    @property
    def text(self) -> str:
        text = f"{self.amount} this week" if self.per == "week" else f"{self.amount} today"
        if self.excused:
            text += " (excused)"
        elif not self.due:
            text += " (not due)"
        return text


def amount_text(value: float, *, floor: bool = False) -> str:
    """Whole numbers without a decimal point; otherwise one decimal, rounded down for amounts done so
    "10 of 10 min" is never shown while the target is still unmet."""
    if abs(value - round(value)) < EPSILON:
        return str(round(value))
    shown = math.floor(value * 10 + EPSILON) / 10 if floor else round(value, 1)
    return f"{shown:.1f}".removesuffix(".0")
