"""Reminders through org.freedesktop.Notifications, with Done / Snooze / Skip buttons.

One connection sends and listens, because some servers signal only the connection that created a
notification. The server's id for each habit's reminder is kept and passed as `replaces_id` next time, so
a habit has one reminder on screen however many came; a server may answer with a new id, and the one it
returns is always the one kept. A habit's sends go one at a time (two of its reminders may come due in
the same instant, on two scheduler threads), so the second replaces the first instead of going out before
its id is known; different habits never wait for each other.

Answers are taken only for ids this daemon sent, and only from the notification server itself: any program
on the session bus can broadcast an ActionInvoked or a NotificationClosed, so a signal counts only from the
current owner of org.freedesktop.Notifications (`owners`). Another program's notification with a "done"
action, or a forged press, must never record a session.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable

from jeepney import Message

from handhabit.core.units import spoken
from handhabit.desktop.bus import Bus, BusError, Service
from handhabit.desktop.owners import NameOwner
from handhabit.host.clock import utc_now
from handhabit.notify.note import ACTIONS, APP_NAME, Answer, Note, NotifyError, escape_markup

log = logging.getLogger(__name__)
SERVER = Service("org.freedesktop.Notifications", "/org/freedesktop/Notifications", "org.freedesktop.Notifications")
CATEGORY = "x-handhabit.reminder"
NEVER_EXPIRES = 0  # a reminder glanced away from is not lost


def actions(note: Note) -> list[str]:
    """The action list of the Notify call: key, label, key, label."""
    labels = {"done": "Done", "snooze": f"Snooze {spoken(note.snooze)}", "skip": "Skip"}
    return [part for key in ACTIONS for part in (key, labels[key])]


class DBusNotifier:
    name = "dbus"

    def __init__(self, bus: Bus) -> None:
        """Asks the server what it offers once (and again when the server or the connection changes);
        raises NotifyError when no notification server answers."""
        self.bus = bus
        self._lock = threading.Lock()
        self._shown: dict[str, int] = {}  # habit id -> the server's id of its reminder on screen
        self._sent: dict[int, Note] = {}  # the server's id -> the note, for answers and closes
        self._sending: dict[str, threading.Lock] = {}  # habit id -> held across its Notify and keeping the id
        self._listeners: list[Callable[[Answer], None]] = []
        self.capabilities = self._ask_server()
        try:
            self._server = NameOwner(bus, SERVER.name, self._new_server)
            bus.subscribe(SERVER.signal("ActionInvoked"), self._on_action)
            bus.subscribe(SERVER.signal("NotificationClosed"), self._on_closed)
        except BusError as exc:
            raise NotifyError(f"cannot listen to the notification server: {exc}") from None

    @property
    def buttons(self) -> bool:
        return "actions" in self.capabilities

    def _ask_server(self) -> frozenset[str]:
        try:
            (capabilities,) = self.bus.call(SERVER.method("GetCapabilities"))
            name, vendor, version, _spec = self.bus.call(SERVER.method("GetServerInformation"))
        except BusError as exc:
            raise NotifyError(f"no notification server answers on the session bus: {exc}") from None
        offered = frozenset(capabilities)
        log.info("notification server: %s %s (%s), offers %s", name, version, vendor, ", ".join(sorted(offered)))
        if "actions" not in offered:
            log.info("%s shows no buttons: reminders say how to record a session instead", name)
        return offered

    def _new_server(self, owner: str | None) -> None:
        """The server restarted, another took over, or the connection is new: the last one's ids mean
        nothing to it, and it may offer other things."""
        with self._lock:
            self._shown.clear()
            self._sent.clear()
        if owner is None:
            log.info("no notification server on the session bus now")
            return
        try:
            self.capabilities = self._ask_server()
        except NotifyError as exc:
            log.warning("%s", exc)

    def answers_to(self, listener: Callable[[Answer], None]) -> None:
        self._listeners.append(listener)

    def send(self, note: Note) -> None:
        body = note.body(buttons=self.buttons)
        if "body-markup" in self.capabilities:
            body = escape_markup(body)
        with self._lock:
            sending = self._sending.setdefault(note.habit, threading.Lock())
        # Held for at most the call's timeout: a hung server delays this habit's next reminder by that much.
        with sending:
            with self._lock:
                replaces = self._shown.get(note.habit, 0)
            message = SERVER.method("Notify", "susssasa{sv}i", (
                APP_NAME, replaces, "", note.summary, body, actions(note) if self.buttons else [],
                {"category": ("s", CATEGORY), "desktop-entry": ("s", APP_NAME)}, NEVER_EXPIRES,
            ))
            try:
                (server_id,) = self.bus.call(message)
            except BusError as exc:
                raise NotifyError(str(exc)) from None
            with self._lock:
                if replaces and replaces != server_id:
                    self._sent.pop(replaces, None)
                self._shown[note.habit] = server_id
                self._sent[server_id] = note

    def _on_action(self, message: Message) -> None:
        server_id, key = message.body
        if key not in ACTIONS or not self._server.sent(message):
            return
        with self._lock:  # taken out: a second press of the same note records nothing more
            note = self._sent.pop(server_id, None)
        if note is None:
            return
        answer = Answer(key, note, utc_now())
        log.info("%s: %s pressed on the notification", note.reminder, key)
        for listener in self._listeners:
            listener(answer)
        # Servers close a notification whose button was pressed unless it is resident; closed already is
        # the usual answer.
        with contextlib.suppress(BusError):
            self.bus.call(SERVER.method("CloseNotification", "u", (server_id,)))

    def _on_closed(self, message: Message) -> None:
        if not self._server.sent(message):  # a forged close must not make the daemon forget its reminder
            return
        server_id, _reason = message.body
        with self._lock:
            note = self._sent.pop(server_id, None)
            if note is not None and self._shown.get(note.habit) == server_id:
                del self._shown[note.habit]
