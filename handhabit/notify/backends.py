"""Notification backends behind one small interface; the daemon never depends on one working.

`auto` picks the first backend that can work here and says which in the log; the backends after the
chosen one stand by, so a server that fails at a reminder hands that reminder to the next. The DBus
backend with buttons lives in `desktop.notifications`; this module knows it only by name.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from handhabit.desktop.addresses import session_bus_address

if TYPE_CHECKING:
    from handhabit.desktop.buses import Buses

log = logging.getLogger(__name__)
APP_NAME = "handhabit"
# The buttons of a reminder, as the action keys a server sends back.
ACTIONS = ("done", "snooze", "skip")
RECORD_HINT = "done? run: handhabit done"


@dataclass(frozen=True)
class Note:
    """A reminder as a person sees it: the habit's name over the message, a tip, the day's progress and
    the routine to start; and which reminder it is, for the buttons' answers."""

    summary: str
    message: str
    tip: str
    progress: str | None
    routine: str
    reminder: str = ""
    habit: str = ""
    due: datetime | None = None
    snooze: timedelta = timedelta(minutes=10)

    def body(self, buttons: bool) -> str:
        """Without buttons the note says how to record a session, so the reminder is one step from done."""
        lines = [
            self.message,
            f"Tip: {self.tip}",
            " · ".join(filter(None, [self.progress, None if buttons else RECORD_HINT])),
            f"Guided: handhabit guide {self.routine}",
        ]
        return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class Answer:
    """A button pressed on a reminder: `action` is one of ACTIONS."""

    action: str
    note: Note
    at: datetime


class NotifyError(Exception):
    pass


class Notifier(Protocol):
    name: str

    def send(self, note: Note) -> None: ...


@runtime_checkable
class Answering(Protocol):
    """A backend whose notifications have buttons: it tells the listener what was pressed."""

    def answers_to(self, listener: Callable[[Answer], None]) -> None: ...


class LogNotifier:
    """The last resort (headless, SSH): the reminder still reaches the journal."""

    name = "log"

    def send(self, note: Note) -> None:
        log.warning("reminder: %s: %s", note.summary, note.body(buttons=False).replace("\n", " / "))


def escape_markup(text: str) -> str:
    """`text` as it reads, for a notification server that takes the body as markup (a small subset of
    HTML): `&`, `<` and `>` escaped, as `html.escape(text, quote=False)` does. Importing `html` loads its
    table of 2,000 named entities, half a MiB that the idle daemon would carry for three replacements."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# notify-send returns as soon as the server has the note; a hung bus must not hold a reminder job for long.
NOTIFY_SEND_TIMEOUT = 10.0


def notify_send_argv(note: Note) -> list[str]:
    """Options first and `--` before the texts, so a summary or body starting with "-" is shown, never read
    as an option. The body is escaped because notification servers read it as markup. A reminder stays
    until dismissed (expire time 0), as it did through plyer: one glanced away from is not lost."""
    return ["notify-send", f"--app-name={APP_NAME}", "--expire-time=0", "--", note.summary,
            escape_markup(note.body(buttons=False))]


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
                notification.notify(title=note.summary, message=note.body(buttons=False), app_name=APP_NAME)
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
        if session_bus_address(os.environ) is None:
            return "no DBus session bus (DBUS_SESSION_BUS_ADDRESS is unset)"
        return None

    def send(self, note: Note) -> None:
        self._send(note)


def through_dbus(buses: Buses | None) -> Notifier:
    session = buses.session() if buses is not None else None
    if session is None:
        raise NotifyError("no DBus session bus to reach (DBUS_SESSION_BUS_ADDRESS is unset or nobody listens "
                          "there, and $XDG_RUNTIME_DIR/bus is missing)")
    from handhabit.desktop.notifications import DBusNotifier

    return DBusNotifier(session)


def _on_desktop_bus() -> bool:
    return sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd", "dragonfly"))


BACKENDS: dict[str, Callable[[Buses | None], Notifier]] = {
    "dbus": through_dbus, "plyer": lambda _buses: PlyerNotifier(), "log": lambda _buses: LogNotifier(),
}
AUTO_ORDER = ("dbus", "plyer") if _on_desktop_bus() else ("plyer",)


def choose(backend: str, buses: Buses | None = None) -> list[Notifier]:
    """The configured backend, or under `auto` the first that works, followed by the ones that stand in
    when it fails at a reminder; the list always ends with the log, which always works."""
    chain: list[Notifier] = []
    order = () if backend == "log" else dict.fromkeys([backend, *AUTO_ORDER]) if backend != "auto" else AUTO_ORDER
    for name in order:
        try:
            chain.append(BACKENDS[name](buses))
        except NotifyError as exc:
            if name == backend:
                log.error("notification backend %s is not usable: %s; choosing another", name, exc)
            else:
                log.info("notification backend %s skipped: %s", name, exc)
    if chain:
        log.info("notifications go through the %s backend", chain[0].name)
    elif backend != "log":
        log.warning("no desktop notifications here: reminders go to the log")
    return [*chain, LogNotifier()]


def deliver(notifiers: Sequence[Notifier], note: Note) -> str:
    """Sends through the first backend that works: what the `fired` event records as its detail (the
    backend's name, after any that failed)."""
    failures = []
    for notifier in notifiers:
        try:
            notifier.send(note)
        except Exception as exc:  # a broken backend must never stop the reminders
            log.error("%s: notification through %s failed: %s", note.reminder, notifier.name, exc)
            failures.append(f"{notifier.name} failed: {exc}")
            continue
        return "; ".join([*failures, notifier.name]) if failures else notifier.name
    LogNotifier().send(note)
    return "; ".join(failures)
