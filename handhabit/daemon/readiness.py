"""systemd's service protocol, sd_notify(3), in a few lines instead of a dependency: each message is one
datagram of KEY=VALUE lines to the socket in $NOTIFY_SOCKET. Outside systemd there is no socket and
every call is a no-op, so the daemon runs the same in a terminal."""

from __future__ import annotations

import logging
import os
import socket
import time

log = logging.getLogger(__name__)


def notify(*lines: str) -> bool:
    """Sends `lines` as one message; True when a service manager was there to hear it."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket: the name starts with a NUL byte
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall("\n".join(lines).encode())
    except OSError as exc:  # systemd gone or the socket wrong: say so, never stop the reminders for it
        log.warning("cannot tell the service manager %s: %s", lines[0], exc)
        return False
    return True


def reloading() -> bool:
    """RELOADING=1 with the monotonic time, which systemd 253's Type=notify-reload also asks for."""
    return notify("RELOADING=1", f"MONOTONIC_USEC={time.monotonic_ns() // 1000}")


def watchdog_wanted() -> bool:
    """systemd set WatchdogSec= for this process: the heartbeat then sends WATCHDOG=1."""
    pid = os.environ.get("WATCHDOG_PID")
    return bool(os.environ.get("WATCHDOG_USEC")) and (pid is None or pid == str(os.getpid()))
