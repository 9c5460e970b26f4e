"""Notification backends behind one small interface; the daemon never depends on one working.

`auto` picks the first backend that can work here and says which in the log. The DBus backend with
buttons plugs in as one more entry of BACKENDS.
"""

from __future__ import annotations

import html
import logging
import os
import shutil
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)
APP_NAME = "handhabit"


@dataclass(frozen=True)
class Note:
    """A reminder as a person sees it: the habit's name over the message and the day's progress."""

    summary: str
    body: str


class NotifyError(Exception):
    pass


class Notifier(Protocol):
    name: str

    def send(self, note: Note) -> None: ...


class LogNotifier:
    """The last resort (headless, SSH): the reminder still reaches the journal."""

    name = "log"

    def send(self, note: Note) -> None:
        log.warning("reminder: %s: %s", note.summary, note.body.replace("\n", " / "))


def session_bus_address() -> str | None:
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    if address:
        return address
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and (Path(runtime) / "bus").exists():
        return f"unix:path={runtime}/bus"
    return None


class PlyerNotifier:
    """plyer's cross-platform notify, wrapped where it fails silently.

    On Linux plyer runs `notify-send` and ignores its exit status, so we check beforehand that the
    program and a session bus exist; elsewhere plyer raises NotImplementedError when it has nothing.
    """

    name = "plyer"

    def __init__(self) -> None:
        problem = self.unavailable()
        if problem:
            raise NotifyError(problem)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # plyer warns on every start that python-dbus is missing
            from plyer import notification

            self._notify: Callable[..., None] = notification.notify

    @staticmethod
    def unavailable() -> str | None:
        if not sys.platform.startswith("linux"):
            return None
        if shutil.which("notify-send") is None:
            return "notify-send is not installed (Debian/Ubuntu: apt install libnotify-bin)"
        if session_bus_address() is None:
            return "no DBus session bus (DBUS_SESSION_BUS_ADDRESS is unset)"
        return None

    def send(self, note: Note) -> None:
        body = html.escape(note.body, quote=False) if sys.platform.startswith("linux") else note.body
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._notify(title=note.summary, message=body, app_name=APP_NAME)
        except NotImplementedError:
            raise NotifyError("plyer has no notification support on this platform") from None
        except Exception as exc:  # plyer's platform code raises anything from OSError to COM errors
            raise NotifyError(f"plyer failed: {exc}") from exc


BACKENDS: dict[str, Callable[[], Notifier]] = {"plyer": PlyerNotifier, "log": LogNotifier}
AUTO_ORDER = ("plyer",)


def choose(backend: str) -> Notifier:
    """The configured backend, or under `auto` the first that works; never fails (log always works)."""
    if backend in BACKENDS:
        try:
            return BACKENDS[backend]()
        except NotifyError as exc:
            log.error("notification backend %s is not usable: %s; choosing another", backend, exc)
    elif backend != "auto":
        log.error("notification backend %s is not available in this version; choosing another", backend)
    for name in AUTO_ORDER:
        try:
            notifier = BACKENDS[name]()
        except NotifyError as exc:
            log.info("notification backend %s skipped: %s", name, exc)
            continue
        log.info("notifications go through the %s backend", name)
        return notifier
    log.warning("no desktop notifications here: reminders go to the log")
    return LogNotifier()
