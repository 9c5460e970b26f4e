"""Guided routines: the walk's clock, pause and skip as pure state; the key loop with a fake clock; the
command without a terminal (a line per part) and its listing. tests/test_guide_tmux.py drives the
real screen."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from handhabit.config.loading import builtin
from handhabit.config.model import Routine, Step
from handhabit.core.guide import Ending, Walk, parts, session_minutes
from handhabit.core.units import length_words
from handhabit.terminal.guide_screen import clock_text, walk_through

ROOT = Path(__file__).parent.parent
QUICK = Routine("quick", "Quick test", (
    Step("Warm-up", 1, "Rub your hands."),
    Step("Palm circles", 1, "Thumb circles.", sides=True),
    Step("Squeeze", 1, "Squeeze lightly."),
))
TEST_CONFIG = """
[general]
timezone = "Europe/Berlin"

[[habits]]
id = "hand-massage"
name = "Hand massage"
routine = "quick"

[[routines]]
id = "quick"
name = "Quick test"
steps = [
  { name = "Warm-up", seconds = 1, how = "Rub your hands." },
  { name = "Palm circles", seconds = 1, how = "Thumb circles.", sides = true },
  { name = "Squeeze", seconds = 1, how = "Squeeze lightly." },
]

[[routines]]
id = "classic"
name = "My classic"
steps = [{ name = "Squeeze", seconds = 60, how = "Both hands." }]
"""


# --- the walk ---------------------------------------------------------------------------------------


def test_steps_done_per_hand_become_two_parts() -> None:
    titles = [p.title for p in parts(QUICK)]
    assert titles == ["Warm-up", "Palm circles, left hand", "Palm circles, right hand", "Squeeze"]
    assert [p.number for p in parts(QUICK)] == [1, 2, 2, 3]


def test_the_builtin_classic_takes_five_minutes_in_the_seed_order() -> None:
    classic = next(r for r in builtin().routines if r.id == "classic")
    assert [s.name for s in classic.steps] == [
        "Warm-up", "Palm massage", "Finger pulls and stretches", "Knuckle massage", "Wrist rotation",
        "Finishing squeeze",
    ]
    assert sum(p.seconds for p in parts(classic)) == 300
    desk = next(r for r in builtin().routines if r.id == "desk-break")
    assert sum(p.seconds for p in parts(desk)) == 120


def test_time_carries_over_into_the_next_part_and_a_full_walk_counts_its_length() -> None:
    walk = Walk(parts(QUICK))
    assert walk.advance(0.6) == 0
    assert walk.advance(0.6) == 1  # 1.2 s: into part 2 by 0.2 s
    assert walk.part is not None and walk.part.title == "Palm circles, left hand"
    assert walk.elapsed == pytest.approx(0.2)
    assert walk.advance(5) == 3 and walk.finished
    assert walk.seconds_done == 4 and walk.fraction == 1.0


def test_pause_stops_the_clock_and_skip_counts_only_what_was_done() -> None:
    walk = Walk(parts(QUICK))
    walk.advance(0.5)
    walk.toggle_pause()
    assert walk.advance(10) == 0 and walk.left == pytest.approx(0.5)
    walk.toggle_pause()
    walk.advance(0.25)
    assert walk.skip() == 1  # 0.75 s of the warm-up counted, the rest not
    assert walk.seconds_done == pytest.approx(0.75)
    assert walk.fraction == pytest.approx(1 / 4)  # skipped time still moves the routine along
    walk.advance(4)
    assert walk.finished and walk.seconds_done == pytest.approx(3.75)


def test_under_a_third_of_the_routine_is_no_session_however_the_walk_ended() -> None:
    classic = next(r for r in builtin().routines if r.id == "classic")
    stopped = Walk(parts(classic))
    stopped.advance(19)  # q after 19 s of the 300
    assert stopped.ending(finished=False) is Ending.TOO_SHORT
    stopped.advance(80)  # 99 s: still just under a third
    assert stopped.ending(finished=False) is Ending.TOO_SHORT
    stopped.advance(1)
    assert stopped.ending(finished=False) is Ending.ASK
    skipped = Walk(parts(classic))
    skipped.advance(99)  # then `n` through the rest
    while not skipped.finished:
        skipped.skip()
    assert skipped.seconds_done == pytest.approx(99) and skipped.ending(finished=True) is Ending.TOO_SHORT
    done_enough = Walk(parts(classic))
    done_enough.advance(100)
    while not done_enough.finished:
        done_enough.skip()
    assert done_enough.ending(finished=True) is Ending.RECORD
    assert Walk(parts(QUICK), index=4, spent=4).ending(finished=True) is Ending.RECORD  # run to its end


def test_minutes_and_clock_texts() -> None:
    assert session_minutes(4) == 0.07 and session_minutes(300) == 5.0
    assert [clock_text(s, countdown=True) for s in (2.0, 1.9, 0.05, 0.0)] == ["0:02", "0:02", "0:01", "0:00"]
    assert clock_text(61.9) == "1:01"
    assert [length_words(s) for s in (4, 120, 330.4)] == ["4 s", "2 min", "5 min 30 s"]
    # A session's minutes, kept to two decimals, read back in whole seconds: never "0.31 min".
    assert [length_words(m * 60) for m in (0.31, 1.67, 7.5, 90)] == ["19 s", "1 min 40 s", "7 min 30 s", "1 h 30 min"]


class Script:
    """Keys pressed at given times on a clock that moves 0.1 s per read."""

    def __init__(self, presses: dict[int, str]) -> None:
        self.presses, self.ticks = presses, 0

    def read_key(self, timeout: float) -> str | None:
        self.ticks += 1
        return self.presses.get(self.ticks)

    def clock(self) -> float:
        return self.ticks / 10


def test_the_key_loop_pauses_skips_and_quits() -> None:
    walk = Walk(parts(QUICK))
    script = Script({5: " ", 25: " ", 29: "n", 36: "q"})
    began: list[int] = []
    assert walk_through(walk, script.read_key, began.append, script.clock) is False
    # 0.5 s, paused for 2 s, 0.4 s more, "n" at 0.9 s into the warm-up, 0.7 s into the left hand, quit.
    assert walk.index == 1 and walk.seconds_done == pytest.approx(0.9 + 0.7)
    assert sum(began) == 1


def test_the_key_loop_finishes_a_routine() -> None:
    walk = Walk(parts(QUICK))
    script = Script({})
    assert walk_through(walk, script.read_key, lambda began: None, script.clock) is True
    assert walk.seconds_done == 4


# --- the command without a terminal -------------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config.toml"
    config.write_text(TEST_CONFIG)
    return {**os.environ, "PYTHONPATH": str(ROOT), "HANDHABIT_CONFIG": str(config),
            "HANDHABIT_DB": str(tmp_path / "hh.db")}


def hh(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "handhabit", *args], env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=60)


@pytest.mark.process
def test_without_a_terminal_each_part_is_a_line_and_the_session_is_recorded(env: dict[str, str]) -> None:
    result = hh(env, "guide")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:4] == [
        "1. Warm-up (1 s): Rub your hands.",
        "2. Palm circles, left hand (1 s): Thumb circles.",
        "2. Palm circles, right hand (1 s): Thumb circles.",
        "3. Squeeze (1 s): Squeeze lightly.",
    ]
    assert result.stdout.splitlines()[4].startswith("Recorded Hand massage, 4 s, at ")
    with sqlite3.connect(env["HANDHABIT_DB"]) as db:
        assert db.execute("SELECT habit, minutes, source FROM sessions").fetchall() == [
            ("hand-massage", 0.07, "guide")]
    week = json.loads(hh(env, "streak", "--json").stdout)
    assert week["habits"][0]["week_minutes"] == 0.07


@pytest.mark.process
def test_no_record_leaves_the_database_alone(env: dict[str, str]) -> None:
    result = hh(env, "guide", "quick", "--no-record")
    assert result.stdout.splitlines()[-1] == "Done after 4 s; not recorded (--no-record)."
    assert not Path(env["HANDHABIT_DB"]).exists()


@pytest.mark.process
def test_list_shows_builtin_and_own_routines_and_a_redefined_classic(env: dict[str, str]) -> None:
    listing = hh(env, "guide", "--list").stdout.splitlines()
    assert listing[0] == "desk-break: Desk break, 2 min"
    assert "quick: Quick test, 4 s" in listing
    assert "  2. Palm circles, 1 s each hand: Thumb circles." in listing
    assert listing[-2:] == ["classic: My classic, 1 min", "  1. Squeeze, 60 s: Both hands."]
    check = hh(env, "check").stdout
    assert "  classic: My classic, 1 min, 1 step" in check and "  desk-break: Desk break, 2 min, 4 steps" in check


@pytest.mark.process
def test_an_unknown_routine_is_one_line(env: dict[str, str]) -> None:
    result = hh(env, "guide", "yoga")
    assert (result.returncode, result.stderr) == (
        2, 'handhabit: no routine "yoga" in the config (known: desk-break, quick, classic)\n')
