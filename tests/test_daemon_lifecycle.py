"""The daemon as a service: readiness, reload and stop told to systemd over $NOTIFY_SOCKET (a socket the
test owns), journal priorities, SIGHUP and file-change reloads that keep the last good config, one
daemon per user, and pause/resume, end to end with the log backend."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from handhabit.config import load
from handhabit.daemon import Daemon
from handhabit.store import Store
from tests.builders import write_config
from tests.desktop import wait_for

ROOT = Path(__file__).parent.parent
@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    config = write_config(tmp_path, every="1s", backend="log", message="Tick one.")
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HANDHABIT_", "NOTIFY_", "JOURNAL_", "WATCHDOG_"))}
    return {**base, "HANDHABIT_CONFIG": str(config), "HANDHABIT_DB": str(tmp_path / "hh.db"),
            "XDG_RUNTIME_DIR": str(runtime), "PYTHONPATH": str(ROOT)}


class Running:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log_path = log
        with log.open("wb") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "handhabit", "run"], env=env, stderr=out,
                                            stdout=subprocess.DEVNULL)

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def count(self, text: str) -> int:
        return self.log.count(text)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=10)


@pytest.fixture
def daemon(env: dict[str, str], tmp_path: Path) -> Iterator[Running]:
    running = Running(env, tmp_path / "daemon.log")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def listener() -> Iterator[tuple[str, socket.socket]]:
    """An abstract datagram socket, as systemd's $NOTIFY_SOCKET is: "@name" in the variable."""
    name = f"handhabit-test-{uuid.uuid4().hex}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    try:
        yield f"@{name}", sock
    finally:
        sock.close()


def receive(sock: socket.socket, wanted: str, seconds: float) -> list[str]:
    """Messages until one holds the line `wanted`; fails after `seconds`."""
    got: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            message = sock.recv(4096).decode()
        except TimeoutError:
            break
        got.append(message)
        if wanted in message.splitlines():
            return got
    raise AssertionError(f"no {wanted} within {seconds} s; got {got}")


def test_readiness_reload_and_stop_are_told_to_systemd(
    env: dict[str, str], tmp_path: Path, listener: tuple[str, socket.socket]
) -> None:
    address, sock = listener
    running = Running({**env, "NOTIFY_SOCKET": address, "JOURNAL_STREAM": "8:1234"}, tmp_path / "daemon.log")
    try:
        ready = receive(sock, "READY=1", 3)
        assert any(line.startswith("STATUS=next: work-break ") for line in ready[-1].splitlines()), ready
        running.process.send_signal(signal.SIGHUP)
        reload = receive(sock, "READY=1", 5)
        first = reload[0].splitlines()
        assert first[0] == "RELOADING=1" and first[1].startswith("MONOTONIC_USEC=")
        running.process.send_signal(signal.SIGTERM)
        assert "STOPPING=1" in receive(sock, "STOPPING=1", 5)[-1].splitlines()
        assert running.process.wait(timeout=10) == 0
    finally:
        running.stop()
    # Under systemd every line carries its journal priority.
    lines = running.log.splitlines()
    assert lines[0].startswith("<6>handhabit: config: ")
    assert all(line[:3] in ("<3>", "<4>", "<6>", "<7>") for line in lines), lines


def test_a_broken_config_on_reload_keeps_the_old_reminders_firing(
    env: dict[str, str], daemon: Running
) -> None:
    config = Path(env["HANDHABIT_CONFIG"])
    wait_for(lambda: daemon.count("reminder: Hand massage: Tick one.") >= 1, 15, "the first reminder")
    write_config(config.parent, every="soon", backend="log", message="Tick two.")
    daemon.process.send_signal(signal.SIGHUP)
    wait_for(lambda: "keeping the config that was running" in daemon.log, 10, "the failed reload")
    assert f'{config}: reminders[0].every: "soon" is not a duration' in daemon.log
    before = daemon.count("Tick one.")
    wait_for(lambda: daemon.count("Tick one.") >= before + 2, 15, "the old reminder after the failed reload")
    assert daemon.process.poll() is None

    write_config(config.parent, every="1s", backend="log", message="Tick two.")
    daemon.process.send_signal(signal.SIGHUP)
    wait_for(lambda: daemon.count("reminder: Hand massage: Tick two.") >= 1, 15, "the new reminder")
    assert daemon.stop() == 0
    with sqlite3.connect(env["HANDHABIT_DB"]) as db:
        kinds = [row[0] for row in db.execute("SELECT kind FROM events WHERE reminder IS NULL ORDER BY rowid")]
    assert kinds == ["reload-failed", "reloaded"]


def test_a_second_daemon_exits_1_naming_the_first(env: dict[str, str], daemon: Running) -> None:
    wait_for(lambda: "handhabit is running" in daemon.log, 15, "the first daemon")
    second = subprocess.run([sys.executable, "-m", "handhabit", "run"], env=env, capture_output=True, text=True,
                            timeout=30)
    assert second.returncode == 1
    assert second.stderr.splitlines()[-1] == (
        f"handhabit: already running as pid {daemon.process.pid}: one daemon per user (stop it with "
        f"`systemctl --user stop handhabit` or `kill {daemon.process.pid}`)")
    status = subprocess.run([sys.executable, "-m", "handhabit", "status"], env=env, capture_output=True, text=True,
                            timeout=30)
    assert status.stdout.splitlines()[0] == f"handhabit is running (pid {daemon.process.pid})."
    assert daemon.stop() == 0
    status = subprocess.run([sys.executable, "-m", "handhabit", "status"], env=env, capture_output=True, text=True,
                            timeout=30)
    assert status.stdout.startswith("handhabit is not running")


def test_pause_holds_reminders_and_resume_brings_them_back(env: dict[str, str], tmp_path: Path) -> None:
    paused = subprocess.run([sys.executable, "-m", "handhabit", "pause", "1h"], env=env, capture_output=True,
                            text=True, timeout=30)
    assert paused.returncode == 0, paused.stderr
    running = Running(env, tmp_path / "daemon.log")
    try:
        wait_for(lambda: running.count("work-break: skipped (paused until") >= 2, 15, "two held reminders")
        assert running.count("reminder: Hand massage") == 0
        resumed = subprocess.run([sys.executable, "-m", "handhabit", "resume"], env=env, capture_output=True,
                                 text=True, timeout=30)
        assert resumed.stdout == "Resumed: reminders are on again.\n"
        wait_for(lambda: running.count("reminder: Hand massage: Tick one.") >= 1, 15, "a reminder after resume")
    finally:
        assert running.stop() == 0


# --- in process: the heartbeat's file check and the watchdog ------------------------------------------


def test_a_changed_config_file_is_reloaded_by_the_heartbeat(tmp_path: Path) -> None:
    path = write_config(tmp_path, every="1s", backend="log", message="Tick one.")
    path.write_text(path.read_text() + '[[reminders]]\nid = "bedtime"\nhabit = "hand-massage"\nat = ["22:30"]\n')
    store = Store(tmp_path / "hh.db")
    daemon = Daemon(load(path), store, object(), ZoneInfo("UTC"),  # type: ignore[arg-type]
                    scheduler_class=BackgroundScheduler, config_path=path)
    daemon.schedule_jobs()
    assert sorted(j.id for j in daemon.scheduler.get_jobs()) == ["heartbeat", "reminder:bedtime", "reminder:work-break"]
    daemon.heartbeat()  # nothing changed: nothing reloaded
    assert store.events() == []
    path.write_text(path.read_text().split("[[reminders]]")[0] + '[[reminders]]\nid = "tock"\nhabit = "hand-massage"\n'
                    'at = ["12:00"]\nmessage = "Tick two."\n')
    daemon.heartbeat()
    assert sorted(j.id for j in daemon.scheduler.get_jobs()) == ["heartbeat", "reminder:tock"]
    assert daemon.config.reminders[0].message == "Tick two."
    path.write_text("[[habits]]\nid = 3\n")
    daemon.heartbeat()
    assert daemon.config.reminders[0].message == "Tick two."  # the broken file changed nothing
    assert [(e.kind, e.detail) for e in store.events()] == [
        ("reloaded", "the config file changed"),
        ("reload-failed", f"{path}: habits[0].id: expected a string, got 3"),
    ]
    store.close()


def test_the_heartbeat_feeds_the_watchdog(
    tmp_path: Path, listener: tuple[str, socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    address, sock = listener
    monkeypatch.setenv("NOTIFY_SOCKET", address)
    monkeypatch.setenv("WATCHDOG_USEC", str(int(timedelta(minutes=3).total_seconds() * 1e6)))
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    store = Store(tmp_path / "hh.db")
    Daemon(load(tmp_path / "none.toml"), store, object(), ZoneInfo("UTC"),  # type: ignore[arg-type]
           scheduler_class=BackgroundScheduler).heartbeat()
    assert receive(sock, "WATCHDOG=1", 2) == ["WATCHDOG=1"]
    monkeypatch.setenv("WATCHDOG_PID", "1")  # meant for another process: stay silent
    Daemon(load(tmp_path / "none.toml"), store, object(), ZoneInfo("UTC"),  # type: ignore[arg-type]
           scheduler_class=BackgroundScheduler).heartbeat()
    sock.settimeout(0.3)
    with pytest.raises(TimeoutError):
        sock.recv(100)
    store.close()


def test_a_lock_that_cannot_be_made_is_one_line(env: dict[str, str], tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    result = subprocess.run([sys.executable, "-m", "handhabit", "run"], capture_output=True, text=True, timeout=30,
                            env={**env, "XDG_RUNTIME_DIR": str(not_a_folder)})
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"handhabit: cannot create the daemon's lock at {not_a_folder}/handhabit/daemon.lock: Not a directory")
