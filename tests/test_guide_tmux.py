"""`handhabit guide` on a real terminal: tmux runs it, sends the keys and reads the screen back."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.desktop import wait_for
from tests.rig import entering_rig
from tests.test_guide import TEST_CONFIG

ROOT = Path(__file__).parent.parent
TITLES = ["Warm-up", "Palm circles, left hand", "Palm circles, right hand", "Squeeze"]

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)"),
    pytest.mark.desktop,
]


@dataclass
class Pane:
    socket: str
    db: Path

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True,
                              timeout=10).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "guide")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "guide", *keys)

    def shows(self, text: str, seconds: float = 10, *, title: bool = False) -> str:
        """Waits for `text` on the screen (as the step's title line with `title`); on a timeout the
        message holds the last screen."""
        last = ""

        def showing() -> str:
            nonlocal last
            last = self.screen()
            return last if (current_title(last) == text if title else text in last) else ""

        try:
            return str(wait_for(showing, seconds, repr(text)))
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the screen:\n{last}") from None

    def sessions(self) -> list[tuple[float, str]]:
        if not self.db.exists():
            return []
        with sqlite3.connect(self.db) as db:
            return db.execute("SELECT minutes, source FROM sessions").fetchall()


StartGuide = Callable[..., Pane]


@pytest.fixture
def start_guide(tmp_path: Path) -> Iterator[StartGuide]:
    """`handhabit guide ARGS` in a detached tmux session, `width` columns by 24 lines; the pane stays
    readable after it exits."""
    config, db, conf = tmp_path / "config.toml", tmp_path / "hh.db", tmp_path / "tmux.conf"
    config.write_text(TEST_CONFIG)
    conf.write_text("set -g remain-on-exit on\nset -g status off\n")
    started: list[Pane] = []

    def start(*args: str, width: int = 100) -> Pane:
        pane = Pane(f"handhabit-test-{uuid.uuid4().hex[:8]}", db)
        started.append(pane)
        entering_rig("tmux")
        subprocess.run(
            ["tmux", "-L", pane.socket, "-f", str(conf), "new-session", "-d", "-s", "guide", "-x", str(width),
             "-y", "24", "env", f"PYTHONPATH={ROOT}", f"HANDHABIT_CONFIG={config}", f"HANDHABIT_DB={db}",
             "TERM=xterm-256color", sys.executable, "-m", "handhabit", "guide", *args],
            check=True, timeout=10, env={k: v for k, v in os.environ.items() if not k.startswith("TMUX")},
        )
        return pane

    try:
        yield start
    finally:
        for pane in started:
            subprocess.run(["tmux", "-L", pane.socket, "kill-server"], capture_output=True, timeout=10)


@pytest.fixture
def guide(start_guide: StartGuide) -> Pane:
    """The test config's 4-second routine, at 100 columns."""
    return start_guide()


def current_title(screen: str) -> str | None:
    return next((line.strip() for line in screen.splitlines() if line.strip() in TITLES), None)


def test_a_full_run_shows_every_step_in_order_and_records_the_routine(guide: Pane) -> None:
    seen: list[str] = []
    screens = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        screen = guide.screen()
        screens.append(screen)
        title = current_title(screen)
        if title and (not seen or seen[-1] != title):
            seen.append(title)
        if "Recorded" in screen:
            break
        time.sleep(0.05)
    assert seen == TITLES
    first = next(s for s in screens if "Warm-up" in s)
    assert "Quick test  ·  step 1 of 3" in first and "Whole routine" in first and "of 0:04" in first
    assert "Next: Palm circles, left hand" in first
    assert "Recorded Hand massage, 4 s, at " in screens[-1]
    assert guide.sessions() == [(0.07, "guide")]


def test_space_pauses_the_countdown_and_a_partial_session_is_recorded_on_q_y(guide: Pane) -> None:
    guide.shows("Palm circles, right hand", title=True)  # two seconds or more of four: over a third
    guide.keys("Space")
    paused = guide.shows("Paused: space to go on")
    time.sleep(1.5)
    still = guide.screen()
    bars = [line for line in paused.splitlines() if line.startswith(("This step", "Whole routine"))]
    assert len(bars) == 2 and bars == [line for line in still.splitlines() if line.startswith(("This", "Whole"))]
    assert "Palm circles, right hand" in still
    guide.keys("q")
    guide.shows("Record it as a session? [y/N]")
    guide.keys("y")
    guide.shows("Recorded Hand massage, ")
    ((minutes, source),) = guide.sessions()
    assert source == "guide" and 0.03 <= minutes <= 0.05  # two to three seconds (to 2 decimals), pauses left out


def test_n_skips_a_step_and_q_n_records_nothing(guide: Pane) -> None:
    guide.shows("Warm-up", title=True)
    guide.keys("n")
    guide.shows("Palm circles, left hand", seconds=0.9, title=True)
    guide.shows("Squeeze", title=True)  # both hands' seconds done: over a third, enough to be asked
    guide.keys("q")
    guide.shows("[y/N]")
    guide.keys("n")
    guide.shows("Not recorded.")
    assert guide.sessions() == []


def test_pressing_n_through_every_step_records_nothing_and_asks_nothing(guide: Pane) -> None:
    guide.shows("Warm-up", title=True)
    guide.keys("n", "n", "n", "n")  # through all four parts before a second has passed
    end = guide.shows("Finished after 0 s: under a third of the routine, not recorded.")
    assert "[y/N]" not in end and guide.sessions() == []


def test_q_before_a_third_of_the_routine_records_nothing_and_asks_nothing(start_guide: StartGuide) -> None:
    pane = start_guide("classic")  # one 60-second step
    pane.shows("0:58 left")
    pane.keys("q")
    end = pane.shows(": under a third of the routine, not recorded.")
    assert re.search(r"^Stopped after [23] s: under a third of the routine, not recorded\.$", end, re.MULTILINE), end
    assert "[y/N]" not in end and pane.sessions() == []


def test_at_50_columns_the_bars_shrink_and_keep_their_labels_and_times(start_guide: StartGuide) -> None:
    pane = start_guide("classic", width=50)
    screen = pane.shows("0:58 left")
    bars = [line.rstrip() for line in screen.splitlines() if line.startswith(("This", "Whole"))]
    assert len(bars) == 2, screen
    assert bars[0].startswith("This step ") and bars[0].endswith(" 0:58 left"), screen
    assert bars[1].startswith("Whole routine ") and bars[1].endswith(" 0:02 of 1:00"), screen
    assert "━" in bars[1], screen  # the bar itself is still drawn
