"""What the daemon benchmarks share: a user of their own for `handhabit run`, a desktop of their own (a
private session bus, Xvfb and dunst) and the daemon as a child process.

Nothing of the machine's own session takes part, so the figures do not depend on whose desktop runs the
benchmark: the host's session bus and display are left out, and the system bus points where none
listens, so the host's logind neither holds nor wakes the daemon (with no system bus it counts the
person as present; fixed-time reminders are never held anyway).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

NOTIFICATIONS = "org.freedesktop.Notifications"
# The host's session, service manager and handhabit settings: none of them is the benchmark's.
HOST_PREFIXES = ("DBUS_", "DISPLAY", "HANDHABIT_", "NOTIFY_", "JOURNAL_", "WATCHDOG_")


def daemon_env(folder: Path, config: Path) -> dict[str, str]:
    """Config, database and runtime folder (hence the daemon's lock: a daemon of the real user may be
    running) in `folder`."""
    runtime = folder / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    base = {key: value for key, value in os.environ.items() if not key.startswith(HOST_PREFIXES)}
    return {**base, "HANDHABIT_CONFIG": str(config), "HANDHABIT_DB": str(folder / "hh.db"),
            "XDG_RUNTIME_DIR": str(runtime), "DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={runtime / 'no-system-bus'}"}


@contextlib.contextmanager
def desktop() -> Iterator[dict[str, str]]:
    """A session bus of its own with dunst on a virtual display: the environment that reaches them.
    Yields once dunst owns the notification name, so the first Notify finds it rather than having the
    bus try to start another one."""
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
    assert bus.stdout is not None
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-nolisten", "tcp"], pass_fds=(write_fd,),
                            stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        env = {"DBUS_SESSION_BUS_ADDRESS": bus.stdout.readline().strip(), "DISPLAY": f":{pipe.readline().strip()}"}
    dunst = subprocess.Popen(["dunst"], env={**os.environ, **env}, stderr=subprocess.DEVNULL)
    try:
        wait_for_owner(env["DBUS_SESSION_BUS_ADDRESS"], NOTIFICATIONS)
        yield env
    finally:
        for process in (dunst, xvfb, bus):
            process.terminate()
            process.wait(timeout=10)


def wait_for_owner(address: str, name: str, seconds: float = 10) -> None:
    with contextlib.closing(open_dbus_connection(address)) as conn:
        deadline = time.monotonic() + seconds
        while not conn.send_and_get_reply(message_bus.NameHasOwner(name)).body[0]:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing owns {name} on the private bus after {seconds:g} s: is dunst broken?")
            time.sleep(0.05)


@contextlib.contextmanager
def daemon(env: dict[str, str], log: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """`handhabit run` until the block ends, then stopped as systemd stops it (SIGTERM); its log (stderr)
    into `log`, or nowhere."""
    with open(log or os.devnull, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "handhabit", "run"], env=env, stdout=subprocess.DEVNULL,
                                   stderr=out)
        try:
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)
