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
from typing import TYPE_CHECKING

from handhabit.config.model import Backend
from handhabit.desktop.addresses import session_bus_address
from handhabit.notify.note import APP_NAME, Note, Notifier, NotifyError, escape_markup

if TYPE_CHECKING:
    from handhabit.desktop.buses import Buses

log = logging.getLogger(__name__)


class LogNotifier:
    """The last resort (headless, SSH): the reminder still reaches the journal."""

    name = "log"

    def send(self, note: Note) -> None:
        log.warning("reminder: %s: %s", note.summary, note.body(buttons=False).replace("\n", " / "))


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


FACTORIES: dict[Backend, Callable[[Buses | None], Notifier]] = {
    "dbus": through_dbus, "plyer": lambda _buses: PlyerNotifier(), "log": lambda _buses: LogNotifier(),
}
AUTO_ORDER: tuple[Backend, ...] = ("dbus", "plyer") if _on_desktop_bus() else ("plyer",)


def choose(backend: Backend, buses: Buses | None = None) -> list[Notifier]:
    """The configured backend, or under `auto` the first that works, followed by the ones that stand in
    when it fails at a reminder; the list always ends with the log, which always works."""
    chain: list[Notifier] = []
    order = () if backend == "log" else dict.fromkeys([backend, *AUTO_ORDER]) if backend != "auto" else AUTO_ORDER
    for name in order:
        try:
            chain.append(FACTORIES[name](buses))
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
