"""Where the message buses are. Plain environment reading, without jeepney, so that knowing whether there
is a session bus costs the plyer backend nothing."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def session_bus_address(environ: Mapping[str, str]) -> str | None:
    """The address the session set, else systemd's socket in the runtime folder: a user service may
    start without the variable."""
    address = environ.get("DBUS_SESSION_BUS_ADDRESS")
    if address:
        return address
    runtime = environ.get("XDG_RUNTIME_DIR")
    if runtime and (Path(runtime) / "bus").exists():
        return f"unix:path={runtime}/bus"
    return None


def system_bus_address(environ: Mapping[str, str]) -> str:
    return environ.get("DBUS_SYSTEM_BUS_ADDRESS") or "unix:path=/run/dbus/system_bus_socket"
