"""The gates a due reminder passes before it is shown, and their order, through the pure decision alone:
what `handhabit log` records (or the daemon's log says) for each is what the person sees of it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handhabit.config.model import Reminder
from handhabit.core.firing import Action, Decision, decide
from handhabit.core.progress import Progress
from tests.builders import BEDTIME, BREAK

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2025, 3, 10, 10, 0, tzinfo=BERLIN)  # a Monday, inside the break window
PAUSED_UNTIL = datetime(2025, 3, 10, 21, 0, tzinfo=ZoneInfo("UTC"))  # 22:00 in Berlin
JUST_DONE = NOW - timedelta(minutes=30)  # a session since the break was planned
LONG_AGO = NOW - timedelta(hours=3)
HALF = Progress(1, 2, False)
MET = Progress(2, 2, True)
EXCUSED = Progress(0, 2, True, excused=True)
LOCKED = "the screen is locked"


def decision(reminder: Reminder, paused_until: datetime | None = None, progress: Progress | None = HALF,
             last_session: datetime | None = LONG_AGO, away: str | None = None,
             hold_while_away: bool = True) -> Decision:
    return decide(reminder, progress, paused_until, last_session, away, hold_while_away, NOW, BERLIN)


def test_a_reminder_nothing_stands_in_the_way_of_fires() -> None:
    assert decision(BREAK).action is Action.FIRE
    assert decision(BEDTIME, progress=None, last_session=None).action is Action.FIRE


def test_a_pause_skips_before_every_other_gate_with_its_end_in_local_time() -> None:
    paused = Decision(Action.SKIP, "paused until Mon 22:00")
    for reminder in (BREAK, BEDTIME):
        assert decision(reminder, PAUSED_UNTIL) == paused
        assert decision(reminder, PAUSED_UNTIL, progress=EXCUSED, last_session=JUST_DONE, away=LOCKED) == paused


def test_a_break_with_a_session_since_says_nothing_before_the_targets_and_presence() -> None:
    quiet = Decision(Action.QUIET, "a session since the last break; the next break is 1h30m after it")
    assert decision(BREAK, last_session=JUST_DONE) == quiet
    assert decision(BREAK, last_session=JUST_DONE, progress=EXCUSED, away=LOCKED) == quiet
    assert decision(BREAK, last_session=NOW - timedelta(minutes=90)).action is Action.FIRE


def test_a_fixed_time_reminder_has_no_break_clock() -> None:
    assert decision(BEDTIME, last_session=NOW - timedelta(minutes=1)).action is Action.FIRE


def test_an_excused_day_skips_even_a_reminder_that_ignores_the_target() -> None:
    excused = Decision(Action.SKIP, "excused: 0 of 2 today (excused)")
    assert decision(BREAK, progress=EXCUSED, away=LOCKED) == excused
    assert decision(replace(BEDTIME, skip_if_met=False), progress=EXCUSED) == excused


def test_a_met_target_skips_only_a_reminder_that_asks_and_before_holding() -> None:
    assert decision(BREAK, progress=MET, away=LOCKED) == Decision(Action.SKIP, "target met: 2 of 2 today")
    assert decision(replace(BEDTIME, skip_if_met=False), progress=MET).action is Action.FIRE


def test_unknown_progress_passes_the_target_gates() -> None:
    assert decision(BREAK, progress=None).action is Action.FIRE


def test_a_break_reminder_is_held_while_away_a_fixed_time_one_never() -> None:
    assert decision(BREAK, away=LOCKED) == Decision(Action.HOLD, LOCKED)
    assert decision(BREAK, away=LOCKED, hold_while_away=False).action is Action.FIRE
    assert decision(BEDTIME, away=LOCKED).action is Action.FIRE
