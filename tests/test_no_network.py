"""`handhabit run` opens no network socket: reminders and records never leave the machine. Checked from
outside while it runs and notifies: each socket among its file descriptors is looked up in the kernel's
tables of internet sockets. Unix sockets (the session bus, systemd's notify socket) are fine."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.builders import Running, daemon_env, due_soon, write_config
from tests.desktop import desktop, needs_desktop, wait_for

pytestmark = pytest.mark.skipif(not Path("/proc/self/net/tcp").exists(), reason="reads Linux's /proc")
TABLES = ("tcp", "tcp6", "udp", "udp6", "raw", "raw6")
REMINDERS = ("work-break", "stretch")


def socket_inodes(pid: int) -> set[int]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(FileNotFoundError):  # closed between the listing and the look
            target = os.readlink(fd)
            if target.startswith("socket:["):
                found.add(int(target.removeprefix("socket:[").removesuffix("]")))
    return found


def internet_sockets(pid: int) -> set[int]:
    """The inodes of the process's sockets that are in a table of internet sockets (10th column)."""
    listed = set()
    for table in TABLES:
        path = Path(f"/proc/{pid}/net/{table}")
        if path.exists():
            listed |= {int(line.split()[9]) for line in path.read_text().splitlines()[1:]}
    return socket_inodes(pid) & listed


def internet_sockets_while(env: dict[str, str], log: Path, done: Callable[[Running], bool]) -> set[int]:
    """Runs the daemon with two reminders due within seconds, looking at its sockets every tenth of a
    second until `done`; returns the internet sockets ever seen."""
    due_soon(Path(env["HANDHABIT_DB"]), REMINDERS)
    daemon = Running(env, log)
    seen: set[int] = set()

    def look() -> bool:
        seen.update(internet_sockets(daemon.process.pid))
        return done(daemon)

    try:
        wait_for(look, 20, "two reminders")
    finally:
        assert daemon.stop() == 0, daemon.log
    return seen


@pytest.mark.process
def test_the_daemon_opens_no_network_socket(tmp_path: Path, listener: tuple[str, socket.socket]) -> None:
    with socket.create_server(("127.0.0.1", 0)):  # the look would see one
        assert internet_sockets(os.getpid())
    address, _ = listener
    env = daemon_env(tmp_path, write_config(tmp_path, backend="log", reminders=REMINDERS))
    seen = internet_sockets_while({**env, "NOTIFY_SOCKET": address}, tmp_path / "daemon.log",
                                  lambda daemon: daemon.count("reminder: Hand massage") == 2)
    assert seen == set()


@pytest.mark.desktop
@needs_desktop
def test_notifying_through_the_desktop_opens_no_network_socket(tmp_path: Path) -> None:
    env = daemon_env(tmp_path, write_config(tmp_path, reminders=REMINDERS))
    with desktop(env) as rig:
        seen = internet_sockets_while(rig.env, tmp_path / "daemon.log",
                                      lambda daemon: daemon.count(": fired (dbus)") == 2)
    assert seen == set()
