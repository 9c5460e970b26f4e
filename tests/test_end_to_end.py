"""The whole main path through real parts: `handhabit run` notifies through dunst, the CLI records."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import MESSAGE, write_config
from tests.desktop import desktop, needs_desktop, wait_for


def handhabit(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "handhabit", *args], env=env, capture_output=True, text=True,
                          timeout=60)


def start_daemon(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as log:
        return subprocess.Popen([sys.executable, "-m", "handhabit", "run"], env=env, stderr=log,
                                stdout=subprocess.DEVNULL)


def stop(daemon: subprocess.Popen[bytes]) -> int:
    daemon.send_signal(signal.SIGTERM)
    return daemon.wait(timeout=10)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "HANDHABIT_", "DISPLAY"))}
    return {**base, "HANDHABIT_CONFIG": str(write_config(tmp_path)), "HANDHABIT_DB": str(tmp_path / "data" / "hh.db"),
            "XDG_RUNTIME_DIR": str(tmp_path), "PYTHONPATH": str(Path(__file__).parent.parent)}


@needs_desktop
def test_reminder_reaches_dunst_then_done_shows_in_streak(env: dict[str, str], tmp_path: Path) -> None:
    with desktop(env) as rig:
        daemon = start_daemon(rig.env, tmp_path / "daemon.log")
        try:
            wait_for(rig.displayed, 20, "the reminder in dunst")
        finally:
            assert stop(daemon) == 0, (tmp_path / "daemon.log").read_text()
        shown = [n for n in rig.history() if n["appname"] == "handhabit"]
    assert shown, "no notification from handhabit"
    assert shown[0]["summary"] == "Hand massage"
    body = shown[0]["body"].splitlines()
    assert body[0] == MESSAGE and body[1].startswith("Tip: ")
    assert body[2:] == ["0 of 2 today · done? run: handhabit done", "Guided: handhabit guide desk-break"]
    log = (tmp_path / "daemon.log").read_text()
    assert "notifications go through the plyer backend" in log

    with sqlite3.connect(env["HANDHABIT_DB"]) as db:
        kinds = {row[0] for row in db.execute("SELECT kind FROM events WHERE reminder = 'work-break'")}
    assert "fired" in kinds

    done = handhabit(env, "done")
    assert done.returncode == 0, done.stderr
    assert "1 of 2 today" in done.stdout
    summary = json.loads(handhabit(env, "streak", "--json").stdout)
    (habit,) = summary["habits"]
    today = next(day for day in habit["days"] if day["date"] == summary["today"])
    assert (habit["week_sessions"], today["sessions"], today["credit"], today["met"]) == (1, 1, 0.5, False)


def test_without_any_backend_reminders_go_to_the_log_and_the_daemon_keeps_running(
    env: dict[str, str], tmp_path: Path
) -> None:
    env = {**env, "HANDHABIT_CONFIG": str(write_config(tmp_path, every="1s"))}
    env.pop("DISPLAY", None)
    log_path = tmp_path / "daemon.log"
    daemon = start_daemon(env, log_path)
    try:
        wait_for(lambda: log_path.read_text().count("reminder: Hand massage") >= 2, 20, "two reminders in the log")
        assert daemon.poll() is None
    finally:
        assert stop(daemon) == 0
    log = log_path.read_text()
    assert "no desktop notifications here: reminders go to the log" in log
    assert f"reminder: Hand massage: {MESSAGE} / Tip: " in log
    assert "/ 0 of 2 today · done? run: handhabit done / Guided: handhabit guide desk-break" in log
    assert "Traceback" not in log


def skipped_events(env: dict[str, str]) -> list[str]:
    if not Path(env["HANDHABIT_DB"]).exists():
        return []
    with sqlite3.connect(env["HANDHABIT_DB"]) as db:
        return [row[0] for row in db.execute("SELECT detail FROM events WHERE kind = 'skipped'")]


@needs_desktop
def test_a_skipped_day_keeps_the_desktop_quiet(env: dict[str, str], tmp_path: Path) -> None:
    env = {**env, "HANDHABIT_CONFIG": str(write_config(tmp_path, every="1s"))}
    skip = handhabit(env, "skip", "--reason", "sore wrist")
    assert skip.returncode == 0, skip.stderr
    assert "0 of 2 today (excused)" in skip.stdout
    with desktop(env) as rig:
        daemon = start_daemon(rig.env, tmp_path / "daemon.log")
        try:
            wait_for(lambda: len(skipped_events(env)) >= 2, 20, "two held reminders")
        finally:
            assert stop(daemon) == 0, (tmp_path / "daemon.log").read_text()
        assert [n for n in rig.history() if n["appname"] == "handhabit"] == []
    assert skipped_events(env)[0] == "excused: 0 of 2 today (excused)"
