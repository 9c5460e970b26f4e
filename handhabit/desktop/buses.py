"""The daemon's two connections: the session bus (notifications, screen saver, idle monitor) and the
system bus (logind: lock, idle hint, suspend). Each is opened once, when first wanted, and shared; a bus
that is not there is said once in the log and stays None."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from handhabit.desktop.addresses import session_bus_address, system_bus_address
from handhabit.desktop.bus import Bus, BusError

log = logging.getLogger(__name__)


class Buses:
    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        self.environ = environ
        self._opened: dict[str, Bus | None] = {}

    def session(self) -> Bus | None:
        return self._open("session bus", session_bus_address(self.environ))

    def system(self) -> Bus | None:
        return self._open("system bus", system_bus_address(self.environ))

    def _open(self, label: str, address: str | None) -> Bus | None:
        if label not in self._opened:
            self._opened[label] = None
            if address is None:
                log.info("no DBus %s here (DBUS_SESSION_BUS_ADDRESS is unset)", label)
            else:
                try:
                    self._opened[label] = Bus(address, label).connect()
                except BusError as exc:
                    log.info("%s", exc)
        return self._opened[label]

    def close(self) -> None:
        for bus in self._opened.values():
            if bus is not None:
                bus.close()
