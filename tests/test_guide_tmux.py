"""`handhabit guide` on a real terminal: tmux runs it, sends the keys and reads the screen back."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.desktop import wait_for
from tests.test_guide import TEST_CONFIG

ROOT = Path(__file__).parent.parent
TITLES = ["Warm-up", "Palm circles, left hand", "Palm circles, right hand", "Squeeze"]

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)")


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


@pytest.fixture
def guide(tmp_path: Path) -> Iterator[Pane]:
    """`handhabit guide` in a detached 100x24 tmux session; the pane stays readable after it exits."""
    config, db, conf = tmp_path / "config.toml", tmp_path / "hh.db", tmp_path / "tmux.conf"
    config.write_text(TEST_CONFIG)
    conf.write_text("set -g remain-on-exit on\nset -g status off\n")
    pane = Pane(f"handhabit-test-{uuid.uuid4().hex[:8]}", db)
    subprocess.run(
        ["tmux", "-L", pane.socket, "-f", str(conf), "new-session", "-d", "-s", "guide", "-x", "100", "-y", "24",
         "env", f"PYTHONPATH={ROOT}", f"HANDHABIT_CONFIG={config}", f"HANDHABIT_DB={db}", "TERM=xterm-256color",
         sys.executable, "-m", "handhabit", "guide"],
        check=True, timeout=10, env={k: v for k, v in os.environ.items() if not k.startswith("TMUX")},
    )
    try:
        yield pane
    finally:
        subprocess.run(["tmux", "-L", pane.socket, "kill-server"], capture_output=True, timeout=10)


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
    assert "Recorded Hand massage, 0.07 min, at " in screens[-1]
    assert guide.sessions() == [(0.07, "guide")]


def test_space_pauses_the_countdown_and_a_partial_session_is_recorded_on_q_y(guide: Pane) -> None:
    guide.shows("Palm circles, left hand", title=True)  # a second or more into the routine
    guide.keys("Space")
    paused = guide.shows("Paused: space to go on")
    time.sleep(1.5)
    still = guide.screen()
    bars = [line for line in paused.splitlines() if line.startswith(("This step", "Whole routine"))]
    assert len(bars) == 2 and bars == [line for line in still.splitlines() if line.startswith(("This", "Whole"))]
    assert "Palm circles, left hand" in still
    guide.keys("q")
    guide.shows("Record it as a session? [y/N]")
    guide.keys("y")
    guide.shows("Recorded Hand massage, ")
    ((minutes, source),) = guide.sessions()
    assert source == "guide" and 1 / 60 <= minutes <= 0.04  # between one and two seconds, paused time left out


def test_n_skips_a_step_and_q_n_records_nothing(guide: Pane) -> None:
    guide.shows("Warm-up", title=True)
    guide.keys("n")
    guide.shows("Palm circles, left hand", seconds=0.9, title=True)
    guide.shows("Palm circles, right hand", title=True)  # a second into the session: enough to be asked
    guide.keys("q")
    guide.shows("[y/N]")
    guide.keys("n")
    guide.shows("Not recorded.")
    assert guide.sessions() == []


def test_pressing_n_through_every_step_asks_instead_of_counting_a_full_session(guide: Pane) -> None:
    guide.shows("Warm-up", title=True)
    guide.keys("n", "n", "n", "n")  # through all four parts before a second has passed
    guide.shows("Finished before a session began; nothing recorded.")
    assert guide.sessions() == []
