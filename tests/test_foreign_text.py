"""Text handhabit did not write (another device's records, names and file names, the config, a database row an
older version or a hand edit left) on a real terminal: tmux runs each command, then tells whether anything it
printed renamed the pane (OSC 0) or filled the clipboard (OSC 52, accepted with `set-clipboard on`), and
shows the screen, where each such character must read as its escape. Long values are cut to a short line."""

from __future__ import annotations

import io
import json
import logging
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rich.table import Table
from rich.text import Text

from handhabit.cli.output import complain, console, say
from handhabit.core.records import Event, Excuse
from handhabit.host.logs import JournalFormatter
from handhabit.interchange.journal import encode
from tests.builders import daemon_env, due_soon, handhabit, write_config
from tests.desktop import wait_for
from tests.rig import entering_rig
from tests.test_sync import Home

UTC = timezone.utc
# What the issue found: a clipboard write, a window title, and what each must read as on the screen.
CLIPBOARD, TITLE = "\x1b]52;c;aGFja2Vk\x07", "\x1b]0;pwned\x07"
CLIPBOARD_SHOWN, TITLE_SHOWN = r"\x1b]52;c;aGFja2Vk\x07", r"\x1b]0;pwned\x07"
# The same in a TOML basic string, as a person's config may hold them.
CLIPBOARD_TOML, TITLE_TOML = r"\u001b]52;c;aGFja2Vk\u0007", r"\u001b]0;pwned\u0007"
# A device name may not hold C0 controls (config.device_name), but these it may: a CSI to many terminals,
# a right-to-left override, a line separator.
DEVICE = "desk \u009b31m \u202etxt.exe \u2028 next"
DEVICE_SHOWN = r"desk \x9b31m \u202etxt.exe \u2028 next"

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)")


class Terminal:
    """A private tmux server, each command in a pane of its own that stays readable after it exits."""

    def __init__(self, folder: Path) -> None:
        self.socket = f"handhabit-test-{uuid.uuid4().hex[:8]}"
        self.conf = folder / "tmux.conf"
        self.conf.write_text("set -g remain-on-exit on\nset -g status off\nset -g set-clipboard on\n")
        self.panes = 0

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, "-f", str(self.conf), *args], capture_output=True,
                              text=True, check=True, timeout=10).stdout

    def start(self, env: dict[str, str], *args: str) -> str:
        """`handhabit ARGS` in a new 250x50 pane, with exactly `env`; the pane's name."""
        entering_rig("tmux")
        self.panes += 1
        pane = f"p{self.panes}"
        variables = [f"{key}={value}" for key, value in {**env, "TERM": "xterm-256color"}.items()]
        self.tmux("new-session", "-d", "-s", pane, "-x", "250", "-y", "50",
                  "env", "-i", *variables, sys.executable, "-m", "handhabit", *args)
        return pane

    def run(self, env: dict[str, str], *args: str) -> str:
        """Runs `handhabit ARGS` to its end and checks that it left the terminal as it was; the screen it
        left, wrapped lines joined."""
        pane = self.start(env, *args)
        wait_for(lambda: self.tmux("display", "-p", "-t", pane, "#{pane_dead}").strip() == "1", 30, f"{args} to end")
        self.assert_untouched()
        return self.screen(pane)

    def screen(self, pane: str) -> str:
        """From the start of the history: tmux 3.3 may keep the first line there, where -J alone misses it."""
        return self.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", pane)

    def assert_untouched(self) -> None:
        """No pane was renamed and nothing reached the clipboard: tmux has no paste buffer at all."""
        titles = self.tmux("list-panes", "-a", "-F", "#{pane_title}").splitlines()
        assert not [title for title in titles if "pwned" in title], titles
        assert self.tmux("list-buffers") == ""


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    screen = Terminal(tmp_path)
    try:
        yield screen
    finally:
        subprocess.run(["tmux", "-L", screen.socket, "kill-server"], capture_output=True, timeout=10)


def other_device(folder: Path, name: str, journal: str, lines: list[bytes]) -> None:
    """A device folder as another machine (or whatever wrote into the shared folder) left it."""
    device = folder / "devices" / str(uuid.uuid4())
    device.mkdir(parents=True)
    (device / "device.json").write_text(json.dumps({"id": device.name, "name": name}))
    (device / journal).write_bytes(b"".join(lines))


@needs_tmux
@pytest.mark.desktop
def test_another_devices_text_reaches_sync_log_and_status_escaped(
    tmp_path: Path, terminal: Terminal
) -> None:
    folder = tmp_path / "Sync"
    folder.mkdir()
    home = Home(tmp_path, "laptop", folder)
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    today = now.astimezone(ZoneInfo("Europe/Berlin")).date()
    event = Event(str(uuid.uuid4()), now, "bedtime", "hand-massage", "skipped", f"paused {CLIPBOARD} by hand")
    excuse = Excuse(str(uuid.uuid4()), "hand-massage", today, today, f"sick {TITLE} in bed")
    # A sync tool's conflict copy; its first line is damaged, so `sync` names the file in a warning.
    other_device(folder, DEVICE, f"{now:%Y-%m}.sync-conflict-{TITLE}.jsonl",
                 [b"not a change\n", encode(event), encode(excuse)])

    synced = terminal.run(home.env, "sync")
    assert f"From {DEVICE_SHOWN}: 1 excuse, 1 event." in synced
    assert f".sync-conflict-{TITLE_SHOWN}.jsonl: line 1 (byte 0): " in synced
    logged = terminal.run(home.env, "log")
    assert f"skipped       paused {CLIPBOARD_SHOWN} by hand" in logged
    assert f"(sick {TITLE_SHOWN} in bed)" in logged
    status = terminal.run(home.env, "status")
    assert f"{DEVICE_SHOWN} last wrote " in status


@needs_tmux
@pytest.mark.desktop
def test_the_configs_own_text_reaches_check_streak_done_and_an_error_escaped(
    tmp_path: Path, terminal: Terminal
) -> None:
    env = daemon_env(tmp_path, write_config(tmp_path, habit_name=f"Hand {TITLE_TOML} {CLIPBOARD_TOML} massage"))
    name = f"Hand {TITLE_SHOWN} {CLIPBOARD_SHOWN} massage"
    assert f"hand-massage: {name}, 2 sessions a day" in terminal.run(env, "check")
    assert f"Recorded {name} at " in terminal.run(env, "done")
    streak = terminal.run(env, "streak")
    assert TITLE_SHOWN in streak and "Week " in streak  # the table wraps the name in its column
    broken = tmp_path / "broken.toml"
    broken.write_text(f'[[habits]]\nid = "hand {TITLE_TOML} {CLIPBOARD_TOML}"\n')
    error = terminal.run({**env, "HANDHABIT_CONFIG": str(broken)}, "check")
    assert f'habits[0].id: "hand {TITLE_SHOWN} {CLIPBOARD_SHOWN}" may hold only a-z' in error


@needs_tmux
@pytest.mark.desktop
def test_the_daemons_log_on_a_terminal_shows_a_reminder_message_escaped(tmp_path: Path, terminal: Terminal) -> None:
    env = daemon_env(tmp_path, write_config(tmp_path, backend="log", message=f"Break {TITLE_TOML} {CLIPBOARD_TOML}."))
    due_soon(Path(env["HANDHABIT_DB"]))
    pane = terminal.start(env, "run")
    try:
        wait_for(lambda: "reminder: " in terminal.screen(pane), 30, "the reminder in the log")
        terminal.assert_untouched()
        assert f"Break {TITLE_SHOWN} {CLIPBOARD_SHOWN}." in terminal.screen(pane)
    finally:  # the daemon takes tmux's SIGHUP for a reload: it is stopped as a person would, with Ctrl-C
        terminal.tmux("send-keys", "-t", pane, "C-c")
        wait_for(lambda: terminal.tmux("display", "-p", "-t", pane, "#{pane_dead}").strip() == "1", 10,
                 "the daemon to stop on Ctrl-C")


@pytest.mark.process
def test_a_10_mb_habit_id_in_a_session_row_is_a_short_line(tmp_path: Path) -> None:
    """Rows stored before the length bounds, or by a hand edit, are read as they are: an id of 10 MB too."""
    env = daemon_env(tmp_path, write_config(tmp_path))
    assert handhabit(env, "done").returncode == 0
    with sqlite3.connect(env["HANDHABIT_DB"]) as db:
        db.execute("UPDATE sessions SET habit = ?", ["h" * 10_485_760])
    logged = handhabit(env, "log")
    assert logged.returncode == 0
    line = next(line for line in logged.stdout.splitlines() if " done " in line)
    assert "h" * 100 + "… (10,485,760 characters)" in line and len(line) < 300
    assert len(logged.stdout) < 1000


def test_what_slips_into_a_line_unescaped_is_still_shown_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    """The output layer's last line of defence: handhabit's own line breaks pass, nothing else does."""
    say(f"one\ntwo {TITLE}")
    complain(f"bad\nvalue \u009b {CLIPBOARD}")
    out, err = capsys.readouterr()
    assert out == f"one\ntwo {TITLE_SHOWN}\n"
    assert err == f"handhabit: bad\\nvalue \\x9b {CLIPBOARD_SHOWN}\n"


def test_rich_keeps_its_styling_and_shows_what_slipped_into_a_table_escaped() -> None:
    written = io.StringIO()
    screen = console(file=written, force_terminal=True, color_system="standard", width=100)
    table = Table("Habit")
    table.add_row(Text("name \x1b]0;pwned\x1b\\ \x1b[2J", style="bold"))  # ended by ST: rich strips a BEL
    screen.print(table)
    out = written.getvalue()
    assert r"name \x1b]0;pwned" in out  # the column was measured on the raw text: the rest is cropped
    assert "\x1b[1m" in out  # rich's own bold
    assert "\x1b]" not in out and "\x1b[2J" not in out


def test_a_log_message_is_one_journal_line_whatever_it_quotes() -> None:
    """A reminder's message, a device's name: a line break in it must not forge a line of the journal."""
    record = logging.LogRecord("handhabit", logging.WARNING, __file__, 1, "reminder: %s", ("a\n<3>forged " + TITLE,),
                               None)
    line = JournalFormatter("%(name)s: %(message)s").format(record)
    assert line == rf"<4>handhabit: reminder: a\n<3>forged {TITLE_SHOWN}"
