"""Notification backends behind one small interface; the daemon never depends on one working.

`auto` picks the first backend that can work here and says which in the log. The DBus backend with
buttons plugs in as one more entry of BACKENDS.
"""

from __future__ import annotations

import html
import logging
import os
import shutil
import subprocess
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


# notify-send returns as soon as the server has the note; a hung bus must not hold a reminder job for long.
NOTIFY_SEND_TIMEOUT = 10.0


def notify_send_argv(note: Note) -> list[str]:
    """Options first and `--` before the texts, so a summary or body starting with "-" is shown, never read
    as an option. The body is escaped because notification servers read it as markup. A reminder stays
    until dismissed (expire time 0), as it did through plyer: one glanced away from is not lost."""
    return ["notify-send", f"--app-name={APP_NAME}", "--expire-time=0", "--", note.summary,
            html.escape(note.body, quote=False)]


def notify_send(note: Note) -> None:
    try:
        done = subprocess.run(notify_send_argv(note), capture_output=True, text=True, timeout=NOTIFY_SEND_TIMEOUT,
                              check=False)
    except subprocess.TimeoutExpired:
        raise NotifyError(f"notify-send did not return within {NOTIFY_SEND_TIMEOUT:g}s") from None
    except (OSError, ValueError) as exc:  # gone since start-up; a NUL byte in the text
        raise NotifyError(f"cannot run notify-send: {exc}") from exc
    if done.returncode != 0:
        first = next(iter(done.stderr.splitlines()), "no message")
        raise NotifyError(f"notify-send exited with status {done.returncode}: {first}")


def through_plyer() -> Callable[[Note], None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # plyer warns on every start that python-dbus is missing
        from plyer import notification

    def send(note: Note) -> None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                notification.notify(title=note.summary, message=note.body, app_name=APP_NAME)
        except NotImplementedError:
            raise NotifyError("plyer has no notification support on this platform") from None
        except Exception as exc:  # plyer's platform code raises anything from OSError to COM errors
            raise NotifyError(f"plyer failed: {exc}") from exc

    return send


class PlyerNotifier:
    """plyer's cross-platform notify, except on Linux, where it runs notify-send itself.

    plyer's Linux path runs `notify-send SUMMARY BODY -i ... -a ...` without `--`: a message or habit name
    starting with "-" is read as an option and notify-send fails. It also ignores the exit status, so that
    failure, like any other, vanished while the reminder was recorded as fired. Run here, a failure raises
    NotifyError and the reminder goes to the log. Elsewhere plyer raises NotImplementedError when it has
    nothing.
    """

    name = "plyer"

    def __init__(self) -> None:
        problem = self.unavailable()
        if problem:
            raise NotifyError(problem)
        self._send = notify_send if sys.platform.startswith("linux") else through_plyer()

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
        self._send(note)


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
