"""A guided routine as a pure state machine: parts, a clock that only moves when told, pause and skip.

The terminal (`guide_screen`) feeds it the seconds that passed and the keys pressed; tests feed it
explicit numbers. The minutes a session records are the seconds spent in parts, each capped at the
part's length, so a finished routine records exactly its length and pauses never count.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from handhabit.config.model import Routine

SIDES = ("left hand", "right hand")


class Ending(Enum):
    """What becomes of a walk: a session, the person's call (stopped part way), or nothing."""

    RECORD = "record"
    ASK = "ask"
    TOO_SHORT = "too short"


@dataclass(frozen=True)
class Part:
    """One timed stretch of a routine: a step, or one hand's half of a step done per hand."""

    number: int  # the step's number, from 1
    name: str
    how: str
    seconds: int
    side: str | None = None

    @property
    def title(self) -> str:
        return f"{self.name}, {self.side}" if self.side else self.name


def parts(routine: Routine) -> tuple[Part, ...]:
    return tuple(
        Part(number, step.name, step.how, step.seconds, side)
        for number, step in enumerate(routine.steps, start=1)
        for side in (SIDES if step.sides else (None,))
    )


@dataclass
class Walk:
    """Where a person is in a routine. `advance` returns how many parts began, for the cue between them."""

    parts: tuple[Part, ...]
    index: int = 0
    elapsed: float = 0.0  # in the current part
    paused: bool = False
    spent: float = 0.0  # in the parts before the current one

    @property
    def finished(self) -> bool:
        return self.index >= len(self.parts)

    @property
    def part(self) -> Part | None:
        return None if self.finished else self.parts[self.index]

    @property
    def left(self) -> float:
        """Seconds left in the current part."""
        part = self.part
        return 0.0 if part is None else part.seconds - self.elapsed

    @property
    def total(self) -> int:
        return sum(p.seconds for p in self.parts)

    @property
    def seconds_done(self) -> float:
        """Time spent in parts, each at most its length: the session's length."""
        return self.spent + self.elapsed

    def ending(self, finished: bool) -> Ending:
        """A third of the routine's time is the least that counts as a session, however the walk ended:
        stopped after 19 s of 5 minutes, or `n` pressed through it, it is not even offered."""
        if self.seconds_done < self.total / 3:
            return Ending.TOO_SHORT
        return Ending.RECORD if finished else Ending.ASK

    @property
    def fraction(self) -> float:
        """How far through the routine, counting skipped parts as done."""
        if self.finished:
            return 1.0
        behind = sum(p.seconds for p in self.parts[: self.index])
        return (behind + self.elapsed) / self.total

    def advance(self, seconds: float) -> int:
        if self.paused or self.finished:
            return 0
        began = 0
        self.elapsed += seconds
        while not self.finished and self.elapsed >= self.parts[self.index].seconds:
            overflow = self.elapsed - self.parts[self.index].seconds
            self._next(self.parts[self.index].seconds)
            self.elapsed = overflow
            began += 1
        if self.finished:
            self.elapsed = 0.0
        return began

    def skip(self) -> int:
        """Ends the current part now: what was done of it counts, the rest does not."""
        if self.finished:
            return 0
        self._next(self.elapsed)
        self.elapsed = 0.0
        self.paused = False
        return 1

    def toggle_pause(self) -> None:
        if not self.finished:
            self.paused = not self.paused

    def _next(self, counted: float) -> None:
        self.spent += counted
        self.index += 1


def session_minutes(seconds: float) -> float:
    """Minutes to two decimals: enough for a 1-second test step, short enough to read back."""
    return round(seconds / 60, 2)

