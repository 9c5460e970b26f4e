"""One daemon per database, whatever the environment it is started from: a real `handhabit run`, then
second ones on the same database from another $XDG_RUNTIME_DIR (an SSH login, `sudo -u`, a script) or
none, each refused naming the first; `status` and `snooze` from there find the first too."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.builders import Running, daemon_env, due_soon, handhabit, needs_root, read_only, write_config
from tests.desktop import wait_for

pytestmark = pytest.mark.process

STOP_IT = "(stop it with `systemctl --user stop handhabit` or `kill {pid}`)"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The first daemon's user: its runtime folder is tmp_path/runtime, its data folder the test's own."""
    return {**daemon_env(tmp_path, write_config(tmp_path, backend="log", message="Tick one.")),
            "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "xdg-data")}


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], Running]]:
    started: list[Running] = []

    def run(env: dict[str, str]) -> Running:
        started.append(Running(env, tmp_path / f"daemon-{len(started)}.log"))
        wait_for(lambda: "handhabit is running" in started[-1].log or started[-1].process.poll() is not None, 15,
                 "the daemon to start")
        assert started[-1].process.poll() is None, started[-1].log
        return started[-1]

    yield run
    for running in started:
        running.stop()


def elsewhere(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The same user and database from a login with a runtime folder of its own."""
    other = tmp_path / "other-runtime"
    other.mkdir(mode=0o700, exist_ok=True)
    return {**env, "XDG_RUNTIME_DIR": str(other)}


def test_a_second_daemon_on_the_database_is_refused_from_any_runtime_folder(
    env: dict[str, str], start: Callable[[dict[str, str]], Running], tmp_path: Path
) -> None:
    db = Path(env["HANDHABIT_DB"])
    due_soon(db)
    pid = start(env).process.pid
    link = tmp_path / "link.db"
    link.symlink_to(db)
    without_runtime = {k: v for k, v in env.items() if k != "XDG_RUNTIME_DIR"}
    by_link = {k: v for k, v in elsewhere(env, tmp_path).items() if k != "HANDHABIT_DB"}
    for second_env, args, named in ((elsewhere(env, tmp_path), (), db), (without_runtime, (), db),
                                    (by_link, ("--db", str(link)), link)):
        second = handhabit(second_env, *args, "run")
        assert second.returncode == 1, second.stderr
        assert second.stderr.splitlines()[-1] == (
            f"handhabit: already running as pid {pid} on {named}: one daemon per database {STOP_IT.format(pid=pid)}")
    assert (db.parent / "hh.db.daemon.lock").stat().st_mode & 0o777 == 0o600


def test_status_and_snooze_from_another_runtime_folder_find_the_daemon(
    env: dict[str, str], start: Callable[[dict[str, str]], Running], tmp_path: Path
) -> None:
    due_soon(Path(env["HANDHABIT_DB"]))
    daemon = start(env)
    there = elsewhere(env, tmp_path)
    assert handhabit(there, "status").stdout.splitlines()[0] == f"handhabit is running (pid {daemon.process.pid})."
    wait_for(lambda: daemon.count("reminder: Hand massage: Tick one.") == 1, 15, "the reminder to snooze")
    snoozed = handhabit(there, "snooze", "10m")
    assert (snoozed.returncode, snoozed.stderr) == (0, "")
    assert len(snoozed.stdout.splitlines()) == 1, snoozed.stdout  # no "handhabit is not running" after it
    # At once, by the signal: the heartbeat would take up to a minute.
    wait_for(lambda: "work-break: snoozed until" in daemon.log, 5, "the daemon to hear of the snooze")
    assert daemon.stop() == 0
    assert handhabit(there, "status").stdout.startswith("handhabit is not running")


def test_another_database_in_the_same_session_is_still_one_daemon_per_user(
    env: dict[str, str], start: Callable[[dict[str, str]], Running], tmp_path: Path
) -> None:
    pid = start(env).process.pid
    second = handhabit({**env, "HANDHABIT_DB": str(tmp_path / "other.db")}, "run")
    assert second.returncode == 1
    assert second.stderr.splitlines()[-1] == (
        f"handhabit: already running as pid {pid}: one daemon per user {STOP_IT.format(pid=pid)}")


@needs_root
def test_a_read_only_database_folder_is_one_warning_and_the_daemon_runs(
    env: dict[str, str], start: Callable[[dict[str, str]], Running], tmp_path: Path, small_disk: Path
) -> None:
    db = small_disk / "hh.db"
    env = {**env, "HANDHABIT_DB": str(db)}
    assert handhabit(env, "done").returncode == 0
    with read_only(small_disk):
        daemon = start(env)
        warnings = [line for line in daemon.log.splitlines() if "lock" in line]
        assert warnings == [
            f"WARNING handhabit: cannot create the daemon's lock at {db}.daemon.lock: Read-only file system: the "
            "folder is read-only, so a second daemon on this database started with another $XDG_RUNTIME_DIR (an "
            "SSH login, sudo -u) would not be refused"]
        assert handhabit(env, "status").stdout.splitlines()[0] == f"handhabit is running (pid {daemon.process.pid})."
        assert daemon.stop() == 0
    assert not os.path.exists(f"{db}.daemon.lock")
