"""The daemon as a service: readiness, reload and stop told to systemd over $NOTIFY_SOCKET (a socket the
test owns), journal priorities, SIGHUP and file-change reloads that keep the last good config when the
new one is broken or the file is gone, one daemon per user, and pause/resume, end to end with the log
backend. Break reminders come every five minutes at the shortest, so `due_soon` records earlier fires
that bring them within seconds."""

from __future__ import annotations

import logging
import os
import signal
import socket
import sqlite3
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from handhabit.config.loading import load
from handhabit.daemon.coordinator import Daemon
from handhabit.notify.backends import LogNotifier
from handhabit.store import Store
from tests.builders import Running, daemon_env, due_soon, handhabit, receive, write_config
from tests.desktop import wait_for

GONE_WARNING = ("the config file {} is gone, keeping the config that was running; restore the file, or run "
                "`handhabit init` to write the example config there")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return daemon_env(tmp_path, write_config(tmp_path, backend="log", message="Tick one."))


@pytest.fixture
def start(env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., Running]]:
    """Starts `handhabit run` when the test has prepared its records; stops it after the test."""
    started: list[Running] = []

    def run(**variables: str) -> Running:
        started.append(Running({**env, **variables}, tmp_path / "daemon.log"))
        return started[-1]

    yield run
    for running in started:
        running.stop()


def ready(daemon: Running) -> None:
    """Signal handlers are in place: SIGHUP before them would end the process."""
    wait_for(lambda: "handhabit is running" in daemon.log, 15, "the daemon to start")


def daemon_events(env: dict[str, str]) -> list[tuple[str, str]]:
    with sqlite3.connect(env["HANDHABIT_DB"]) as db:
        return list(db.execute("SELECT kind, detail FROM events WHERE reminder IS NULL ORDER BY rowid"))


@pytest.mark.process
def test_readiness_reload_and_stop_are_told_to_systemd(
    start: Callable[..., Running], listener: tuple[str, socket.socket]
) -> None:
    address, sock = listener
    running = start(NOTIFY_SOCKET=address, JOURNAL_STREAM="8:1234")
    ready_message = receive(sock, "READY=1", 3)
    assert any(line.startswith("STATUS=next: work-break ") for line in ready_message[-1].splitlines()), ready_message
    running.process.send_signal(signal.SIGHUP)
    reload = receive(sock, "READY=1", 5)
    first = reload[0].splitlines()
    assert first[0] == "RELOADING=1" and first[1].startswith("MONOTONIC_USEC=")
    running.process.send_signal(signal.SIGTERM)
    assert "STOPPING=1" in receive(sock, "STOPPING=1", 5)[-1].splitlines()
    assert running.process.wait(timeout=10) == 0
    # Under systemd every line carries its journal priority.
    lines = running.log.splitlines()
    assert lines[0].startswith("<6>handhabit: config: ")
    assert all(line[:3] in ("<3>", "<4>", "<6>", "<7>") for line in lines), lines


@pytest.mark.process
def test_a_broken_config_on_reload_keeps_the_old_reminders_firing(
    env: dict[str, str], start: Callable[..., Running]
) -> None:
    config = Path(env["HANDHABIT_CONFIG"])
    due_soon(Path(env["HANDHABIT_DB"]), ("work-break", "tock"))  # tock: the reminder of the fixed config
    daemon = start()
    ready(daemon)
    write_config(config.parent, every="soon", backend="log", message="Tick two.")
    daemon.process.send_signal(signal.SIGHUP)
    wait_for(lambda: "keeping the config that was running" in daemon.log, 10, "the failed reload")
    assert f'{config}: reminders[0].every: "soon" is not a duration' in daemon.log
    wait_for(lambda: daemon.count("reminder: Hand massage: Tick one.") >= 1, 15, "the old reminder after it")
    assert daemon.log.index("keeping the config that was running") < daemon.log.index("reminder: Hand massage")
    assert daemon.process.poll() is None

    write_config(config.parent, backend="log", message="Tick two.", reminders=("tock",))
    daemon.process.send_signal(signal.SIGHUP)
    wait_for(lambda: daemon.count("reminder: Hand massage: Tick two.") >= 1, 15, "the new reminder")
    assert daemon.stop() == 0
    assert [kind for kind, _ in daemon_events(env)] == ["reload-failed", "reloaded"]


@pytest.mark.process
def test_a_deleted_config_file_keeps_the_reminders_running(env: dict[str, str], start: Callable[..., Running]) -> None:
    config = Path(env["HANDHABIT_CONFIG"])
    due_soon(Path(env["HANDHABIT_DB"]))
    daemon = start()
    ready(daemon)
    config.unlink()
    daemon.process.send_signal(signal.SIGHUP)
    wait_for(lambda: "is gone" in daemon.log, 10, "the warning about the missing file")
    assert f"WARNING handhabit.daemon.reloading: reload (SIGHUP): {GONE_WARNING.format(config)}" in daemon.log
    wait_for(lambda: daemon.count("reminder: Hand massage: Tick one.") >= 1, 15, "the reminder with its old message")
    assert daemon.log.index("is gone") < daemon.log.index("reminder: Hand massage")
    assert "config reloaded" not in daemon.log
    assert daemon.stop() == 0
    assert daemon_events(env) == [("reload-failed", f"{config}: the config file is gone")]


@pytest.mark.process
def test_a_second_daemon_exits_1_naming_the_first(env: dict[str, str], start: Callable[..., Running]) -> None:
    daemon = start()
    ready(daemon)
    second = handhabit(env, "run")
    assert second.returncode == 1
    assert second.stderr.splitlines()[-1] == (
        f"handhabit: already running as pid {daemon.process.pid}: one daemon per user (stop it with "
        f"`systemctl --user stop handhabit` or `kill {daemon.process.pid}`)")
    assert handhabit(env, "status").stdout.splitlines()[0] == f"handhabit is running (pid {daemon.process.pid})."
    assert daemon.stop() == 0
    assert handhabit(env, "status").stdout.startswith("handhabit is not running")


@pytest.mark.process
def test_pause_holds_reminders_and_resume_brings_them_back(env: dict[str, str], start: Callable[..., Running]) -> None:
    write_config(Path(env["HANDHABIT_CONFIG"]).parent, backend="log", message="Tick one.",
                 reminders=("work-break", "stretch"))
    paused = handhabit(env, "pause", "1h")
    assert paused.returncode == 0, paused.stderr
    due_soon(Path(env["HANDHABIT_DB"]), ("work-break", "stretch"), apart=4)  # held, then after the resume
    daemon = start()
    wait_for(lambda: daemon.count("work-break: skipped (paused until") == 1, 15, "the held reminder")
    assert daemon.count("reminder: Hand massage") == 0
    resumed = handhabit(env, "resume")
    assert resumed.stdout == "Resumed: reminders are on again.\n"
    wait_for(lambda: daemon.count("reminder: Hand massage: Tick one.") == 1, 15, "a reminder after resume")
    assert "stretch: fired" in daemon.log
    assert daemon.stop() == 0


# --- in process: the heartbeat's file check and the watchdog ------------------------------------------


def in_process(store: Store, path: Path) -> Daemon:
    """The daemon's jobs without its loop, read from `path` as `handhabit run` reads it."""
    return Daemon(load(path), store, LogNotifier(), ZoneInfo("UTC"), scheduler_class=BackgroundScheduler,
                  config_path=path)


def job_ids(daemon: Daemon) -> list[str]:
    return sorted(job.id for job in daemon.scheduler.get_jobs())


def test_a_changed_config_file_is_reloaded_by_the_heartbeat(tmp_path: Path, store: Store) -> None:
    path = write_config(tmp_path, backend="log", message="Tick one.")
    path.write_text(path.read_text() + '[[reminders]]\nid = "bedtime"\nhabit = "hand-massage"\nat = ["22:30"]\n')
    daemon = in_process(store, path)
    daemon.schedule_jobs()
    assert job_ids(daemon) == ["reminder:bedtime", "reminder:work-break"]
    daemon.heartbeat()  # nothing changed: nothing reloaded
    assert store.events() == []
    path.write_text(path.read_text().split("[[reminders]]")[0] + '[[reminders]]\nid = "tock"\nhabit = "hand-massage"\n'
                    'at = ["12:00"]\nmessage = "Tick two."\n')
    daemon.heartbeat()
    assert job_ids(daemon) == ["reminder:tock"]
    assert daemon.config.reminders[0].message == "Tick two."
    path.write_text("[[habits]]\nid = 3\n")
    daemon.heartbeat()
    assert daemon.config.reminders[0].message == "Tick two."  # the broken file changed nothing
    assert [(e.kind, e.detail) for e in store.events()] == [
        ("reloaded", "the config file changed"),
        ("reload-failed", f"{path}: habits[0].id: expected a string, got 3"),
    ]


def test_the_heartbeat_keeps_the_config_when_its_file_is_deleted(
    tmp_path: Path, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_config(tmp_path, backend="log", message="Tick one.")
    daemon = in_process(store, path)
    daemon.schedule_jobs()
    path.unlink()
    with caplog.at_level(logging.INFO):
        daemon.heartbeat()
        daemon.heartbeat()  # said once, not every minute
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", f"reload (the config file changed): {GONE_WARNING.format(path)}")]
    assert job_ids(daemon) == ["reminder:work-break"]
    assert daemon.config.reminders[0].message == "Tick one."
    write_config(tmp_path, backend="log", message="Tick two.")  # restored: read again
    daemon.heartbeat()
    assert daemon.config.reminders[0].message == "Tick two."
    assert [e.kind for e in store.events()] == ["reload-failed", "reloaded"]


def test_a_daemon_started_without_a_file_takes_one_that_appears(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "config.toml"
    daemon = in_process(store, path)
    daemon.schedule_jobs()
    assert job_ids(daemon) == ["reminder:bedtime", "reminder:work-break"]  # the built-in default
    daemon.reload("SIGHUP")  # still no file: still the default, which is no loss
    assert daemon.config.source is None
    write_config(tmp_path, backend="log", message="Tick one.")
    daemon.heartbeat()
    assert [(r.id, r.message) for r in daemon.config.reminders] == [("work-break", "Tick one.")]
    assert [e.kind for e in store.events()] == ["reloaded", "reloaded"]


def test_the_heartbeat_feeds_the_watchdog(
    tmp_path: Path, store: Store, listener: tuple[str, socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    address, sock = listener
    monkeypatch.setenv("NOTIFY_SOCKET", address)
    monkeypatch.setenv("WATCHDOG_USEC", str(int(timedelta(minutes=3).total_seconds() * 1e6)))
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    in_process(store, tmp_path / "none.toml").heartbeat()
    assert receive(sock, "WATCHDOG=1", 2) == ["WATCHDOG=1"]
    monkeypatch.setenv("WATCHDOG_PID", "1")  # meant for another process: stay silent
    in_process(store, tmp_path / "none.toml").heartbeat()
    sock.settimeout(0.3)
    with pytest.raises(TimeoutError):
        sock.recv(100)


@pytest.mark.process
def test_a_lock_that_cannot_be_made_is_one_line(env: dict[str, str], tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    result = handhabit({**env, "XDG_RUNTIME_DIR": str(not_a_folder)}, "run")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"handhabit: cannot create the daemon's lock at {not_a_folder}/handhabit/daemon.lock: Not a directory")
