"""Whether the person is at the machine: a break reminder shown to an empty chair is one they never see.

Away means the screen is locked (logind's LockedHint, or a screensaver's ActiveChanged) or the person has
been idle for `away_after` (GNOME's Mutter idle monitor, else KDE's GetSessionIdleTime, else logind's
IdleHint). Everything arrives as signals, so nothing runs while nothing happens; the one source that has
no signal, KDE's idle time, is asked when the daemon asks and polled only while it holds a reminder.

All state sits in `_Seen` under one lock. Each bus's work (probing, re-arming, handling its signals) runs on
that bus's handler thread, so the probes and signals of one bus never race each other; the daemon's thread
only reads, and asks KDE's idle time. A source that stops answering counts as present: holding a reminder
on a guess would hide it, while showing it to an absent person costs little.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from jeepney import HeaderFields, MatchRule, Message, Properties
from jeepney.bus_messages import message_bus

from handhabit.core.units import spoken
from handhabit.desktop.bus import Bus, BusError, Service

log = logging.getLogger(__name__)

LOGIND = "org.freedesktop.login1"
LOGIND_USER = Service(LOGIND, "/org/freedesktop/login1/user/self", "org.freedesktop.login1.User")
LOGIND_MANAGER = Service(LOGIND, "/org/freedesktop/login1", "org.freedesktop.login1.Manager")
SESSION_INTERFACE = "org.freedesktop.login1.Session"
SESSION_PROPERTIES = ("LockedHint", "IdleHint", "IdleSinceHint")
GNOME_SAVER = Service("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver")
KDE_SAVER = Service("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver")
SAVERS = (GNOME_SAVER, KDE_SAVER)
MUTTER = Service("org.gnome.Mutter.IdleMonitor", "/org/gnome/Mutter/IdleMonitor/Core", "org.gnome.Mutter.IdleMonitor")
PROPERTIES = "org.freedesktop.DBus.Properties"

# Probes run while the daemon starts and on the handler threads: a hung service must not hold them long.
PROBE_TIMEOUT = 2.0
# How long start() waits for both buses' first probes before it says what answers.
START_WAIT = 10.0
LOCKED = "the screen is locked"

Deliver = Callable[[Callable[[], None]], None]


# the thinking
def span(duration: timedelta) -> str:
    """A person reads "idle for 7 min", not "idle for 7 min 12 s"."""
    minute = timedelta(minutes=1)
    return spoken(duration if duration < minute else duration - duration % minute)


def reason(locked: bool, idle_for: timedelta | None, away_after: timedelta) -> str | None:
    """Why the person is away, None when present. A locked screen wins over idleness: it says more, and
    it holds however short the idle time is."""
    if locked:
        return LOCKED
    if idle_for is not None and idle_for >= away_after:
        return f"idle for {span(idle_for)}"
    return None


def hint_idle_for(idle_hint: bool, since_usec: int, now: float, away_after: timedelta) -> timedelta | None:
    """logind's IdleHint with IdleSinceHint (µs, realtime) as an idle time. A hint without a time still
    means the desktop judged the person idle, so it counts as idle for just `away_after`."""
    if not idle_hint:
        return None
    if since_usec <= 0:
        return away_after
    return max(timedelta(0), timedelta(seconds=now - since_usec / 1_000_000))


def display_session(display: Any) -> str | None:
    """The object path in logind's User.Display `(so)`; None where the user has no graphical session ("/")."""
    try:
        _, path = display
    except (TypeError, ValueError):
        return None
    return path if isinstance(path, str) and path not in ("", "/") else None


def changed_properties(body: tuple[Any, ...], wanted: Iterable[str]) -> tuple[dict[str, Any], list[str]]:
    """What a PropertiesChanged signal says of the `wanted` properties: the values it carries, and the
    names it only invalidates, to be read with Get. sd-bus sends values for the properties that "emit
    change" and bare names for those that "emit invalidation", and which is which varies by version."""
    wanted = set(wanted)
    try:
        _, changed, invalidated = body
        values = {name: variant[1] for name, variant in changed.items() if name in wanted}
        return values, [name for name in invalidated if name in wanted and name not in values]
    except (TypeError, ValueError, AttributeError, IndexError):
        return {}, []


@dataclass
class _Seen:
    """What the sources last said. `reason()` reads it at a given moment, because idleness grows with time
    between signals."""

    away_after: timedelta
    logind_session: str | None = None  # the session's id while logind answers
    locked_hint: bool = False
    idle_hint: bool = False
    idle_since_usec: int = 0
    savers: dict[str, bool] = field(default_factory=dict)  # the screensavers that answer: active?
    mutter: bool = False  # an idle watch is armed
    mutter_idle_since: float | None = None  # time.monotonic()
    kde_idle: bool = False  # GetSessionIdleTime answered the last probe
    kde_idle_seconds: int | None = None  # its last answer; None: the last ask failed

    def locked(self) -> bool:
        return self.locked_hint or any(self.savers.values())

    def idle_source(self) -> str | None:
        if self.mutter:
            return "Mutter's idle monitor"
        if self.kde_idle:
            return f"{KDE_SAVER.name} idle time"
        if self.logind_session is not None:
            return "logind's idle hint"
        return None

    def idle_for(self, monotonic: float, wall: float) -> timedelta | None:
        if self.mutter:
            since = self.mutter_idle_since
            return timedelta(seconds=monotonic - since) if since is not None else None
        if self.kde_idle:
            seconds = self.kde_idle_seconds
            return timedelta(seconds=seconds) if seconds is not None else None
        if self.logind_session is not None:
            return hint_idle_for(self.idle_hint, self.idle_since_usec, wall, self.away_after)
        return None

    def reason(self, monotonic: float, wall: float) -> str | None:
        return reason(self.locked(), self.idle_for(monotonic, wall), self.away_after)

    def lock_sources(self) -> list[str]:
        sources = [f"logind session {self.logind_session}"] if self.logind_session is not None else []
        return sources + sorted(self.savers)

    def take_session(self, values: dict[str, Any]) -> None:
        if "LockedHint" in values:
            self.locked_hint = bool(values["LockedHint"])
        if "IdleHint" in values:
            self.idle_hint = bool(values["IdleHint"])
        if "IdleSinceHint" in values:
            self.idle_since_usec = int(values["IdleSinceHint"])


def owner_changes(name: str) -> MatchRule:
    rule = MatchRule(type="signal", interface="org.freedesktop.DBus", member="NameOwnerChanged",
                     path="/org/freedesktop/DBus")
    rule.add_arg_condition(0, name)
    return rule


def session_changes(path: str) -> MatchRule:
    rule = MatchRule(type="signal", interface=PROPERTIES, member="PropertiesChanged", path=path)
    rule.add_arg_condition(0, SESSION_INTERFACE)
    return rule


def _header(message: Message, name: HeaderFields) -> str | None:
    value = message.header.fields.get(name)
    return value if isinstance(value, str) else None


class Presence:
    def __init__(self, session: Bus | None, system: Bus | None, away_after: timedelta,
                 on_back: Callable[[], None], *, poll_every: float = 15.0) -> None:
        """`on_back` runs on a bus handler thread or the poll thread whenever the person turns from away to
        present; `poll_every` (seconds) paces asking KDE's idle time while a reminder is held."""
        self._session, self._system = session, system
        self._on_back = on_back
        self._poll_every = poll_every
        self._lock = threading.Lock()
        self._seen = _Seen(away_after)
        self._owners: dict[str, str | None] = {}  # well-known name -> unique name: signals count from there only
        self._session_path: str | None = None
        self._watched_paths: set[str] = set()
        self._idle_watch: int | None = None
        self._active_watch: int | None = None
        self._watch_owner: str | None = None  # the unique name that gave those ids
        self._poll_stop: threading.Event | None = None
        self._started = self._closed = False

    # the daemon's side
    def start(self) -> None:
        """Subscribes before probing, so that no change between the two goes amiss; the probes run on the
        handler threads like everything later, and this waits for them to say what answers."""
        with self._lock:
            if self._started or self._closed:
                return
            self._started = True
        probes: list[threading.Event] = []
        session, system = self._session, self._system
        if session is not None:
            rules: list[tuple[MatchRule, Callable[[Message], None]]] = [
                (saver.signal("ActiveChanged"), self._saver_handler(saver)) for saver in SAVERS]
            rules.append((MUTTER.signal("WatchFired"), self._on_watch_fired))
            rules += [(owner_changes(name), self._on_session_owner) for name in (GNOME_SAVER.name, KDE_SAVER.name,
                                                                                  MUTTER.name)]
            self._subscribe(session, rules)
            session.when_connected(lambda: self._probe_session(reconnected=True))
            probes.append(self._run_on(session, lambda: self._probe_session(reconnected=False)))
        if system is not None:
            self._subscribe(system, [(owner_changes(LOGIND), self._on_system_owner)])
            system.when_connected(self._probe_system)
            probes.append(self._run_on(system, self._probe_system))
        deadline = time.monotonic() + START_WAIT
        for done in probes:
            done.wait(max(0.0, deadline - time.monotonic()))
        self._log_sources()

    def away(self) -> str | None:
        try:
            if self._closed:
                return None
            if self._uses_kde_idle():
                self._ask_kde_idle(deliver=self._later)
            with self._lock:
                return self._seen.reason(time.monotonic(), time.time())
        except Exception:  # presence must never stop a reminder
            log.debug("the presence check failed; counting as present", exc_info=True)
            return None

    def watch_for_return(self, wanted: bool) -> None:
        with self._lock:
            if not wanted:
                if self._poll_stop is not None:
                    self._poll_stop.set()
                    self._poll_stop = None
                return
            if self._closed or self._poll_stop is not None or not self._uses_kde_idle_locked():
                return  # the other sources tell of a return by themselves
            stop = self._poll_stop = threading.Event()
        threading.Thread(target=self._poll, args=(stop,), name="presence poll", daemon=True).start()

    def set_away_after(self, away_after: timedelta) -> None:
        self._change(lambda seen: setattr(seen, "away_after", away_after), deliver=self._later)
        session = self._session
        if session is not None and not self._closed:
            session.later(self._arm_mutter)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._poll_stop is not None:
                self._poll_stop.set()
                self._poll_stop = None
            watches = [watch for watch in (self._idle_watch, self._active_watch) if watch is not None]
            self._idle_watch = self._active_watch = None
        if self._session is not None:
            for watch in watches:  # Mutter drops them when we disconnect; this is for a bus that stays
                self._try(self._session, MUTTER.method("RemoveWatch", "u", (watch,)), timeout=0.5)

    # state changes
    def _change(self, mutate: Callable[[_Seen], None], deliver: Deliver | None = None) -> None:
        """Applies `mutate`, and tells `on_back` when that turned the person from away to present."""
        with self._lock:
            monotonic, wall = time.monotonic(), time.time()
            before = self._seen.reason(monotonic, wall)
            mutate(self._seen)
            after = self._seen.reason(monotonic, wall)
            back = before is not None and after is None and not self._closed
        if back:
            log.debug("back at the machine (was away: %s)", before)
            (deliver or _call)(self._on_back)

    def _later(self, callback: Callable[[], None]) -> None:
        """From the daemon's own thread `on_back` goes to a handler thread: the daemon may hold its lock
        while it asks."""
        bus = self._session or self._system
        if bus is not None:
            bus.later(callback)

    # probes, on the handler threads
    def _probe_session(self, reconnected: bool) -> None:
        session = self._session
        if session is None or self._closed:
            return
        for saver in SAVERS:
            self._probe_saver(session, saver)
        self._arm_mutter(fresh=reconnected)

    def _probe_saver(self, session: Bus, saver: Service) -> None:
        owner = self._owner(session, saver.name)
        active = self._try(session, saver.method("GetActive")) if owner is not None else None
        idle = None
        if owner is not None and saver is KDE_SAVER:
            idle = self._try(session, saver.method("GetSessionIdleTime"))

        def update(seen: _Seen) -> None:
            if active is None:
                seen.savers.pop(saver.name, None)
            else:
                seen.savers[saver.name] = bool(active[0])
            if saver is KDE_SAVER:
                seen.kde_idle = idle is not None
                seen.kde_idle_seconds = int(idle[0]) if idle is not None else None

        self._change(update)

    def _probe_system(self) -> None:
        system = self._system
        if system is None or self._closed:
            return
        owner = self._owner(system, LOGIND)
        path = self._find_session(system) if owner is not None else None
        reply = None
        if path is not None:
            if path not in self._watched_paths:  # rules stay with the bus: one for each session ever seen
                self._subscribe(system, [(session_changes(path), self._on_session_properties)])
                self._watched_paths.add(path)
            reply = self._try(system, Properties(Service(LOGIND, path, SESSION_INTERFACE).address()).get_all())
        self._session_path = path
        values = {name: variant[1] for name, variant in reply[0].items()} if reply is not None else {}

        def update(seen: _Seen) -> None:
            seen.logind_session = str(values.get("Id") or path) if reply is not None else None
            seen.locked_hint = seen.idle_hint = False
            seen.idle_since_usec = 0
            seen.take_session(values)

        self._change(update)

    def _find_session(self, system: Bus) -> str | None:
        """The session to watch. A user service runs outside any login session, so logind's "self" has
        none: the user's graphical session (User.Display) is the one with a screen to lock; failing that,
        logind's "auto" (the caller's session, else the display session) through Manager.GetSession. Both
        give the real object path, where logind sends PropertiesChanged (never from ".../session/auto")."""
        display = self._try(system, LOGIND_USER.get_property("Display"))
        path = display_session(display[0][1]) if display is not None else None
        if path is None:
            auto = self._try(system, LOGIND_MANAGER.method("GetSession", "s", ("auto",)))
            path = str(auto[0]) if auto is not None else None
        return path

    def _arm_mutter(self, fresh: bool = False) -> None:
        """(Re)arms the idle watch for `away_after`, and the user-active watch when the person is idle
        already. Watches from another owner of the name died with it, so their ids mean nothing, and
        removing them could remove another client's watch. `fresh`: our connection is new, and unique
        names start again on a new bus, so even the same owner's name says nothing of our old watches."""
        session = self._session
        if session is None or self._closed:
            return
        owner = self._owner(session, MUTTER.name)
        with self._lock:
            mine = not fresh and owner is not None and owner == self._watch_owner
            old = [watch for watch in (self._idle_watch, self._active_watch) if watch is not None and mine]
            self._idle_watch = self._active_watch = None
            self._watch_owner = owner
            interval = max(1, int(self._seen.away_after.total_seconds() * 1000))
        for watch in old:
            self._try(session, MUTTER.method("RemoveWatch", "u", (watch,)))
        added = self._try(session, MUTTER.method("AddIdleWatch", "t", (interval,))) if owner is not None else None
        if added is None:
            self._change(lambda seen: setattr(seen, "mutter", False))
            return
        with self._lock:
            closed = self._closed  # close() ran meanwhile: it could not see this watch
            if not closed:
                self._idle_watch = int(added[0])
        if closed:
            self._try(session, MUTTER.method("RemoveWatch", "u", (int(added[0]),)))
            return
        idle_ms = self._mutter_idle_ms(session)
        since = time.monotonic() - idle_ms / 1000 if idle_ms is not None and idle_ms >= interval else None
        if since is not None:
            self._arm_user_active(session)

        def update(seen: _Seen) -> None:
            seen.mutter, seen.mutter_idle_since = True, since

        self._change(update)

    def _mutter_idle_ms(self, session: Bus) -> int | None:
        idle = self._try(session, MUTTER.method("GetIdletime"))
        return int(idle[0]) if idle is not None else None

    def _arm_user_active(self, session: Bus) -> None:
        with self._lock:
            if self._active_watch is not None:
                return
        added = self._try(session, MUTTER.method("AddUserActiveWatch"))
        if added is not None:
            with self._lock:
                self._active_watch = int(added[0])

    # KDE's idle time: asked, never told
    def _ask_kde_idle(self, deliver: Deliver | None = None) -> None:
        session = self._session
        idle = self._try(session, KDE_SAVER.method("GetSessionIdleTime")) if session is not None else None
        seconds = int(idle[0]) if idle is not None else None
        self._change(lambda seen: setattr(seen, "kde_idle_seconds", seconds), deliver=deliver)

    def _uses_kde_idle(self) -> bool:
        with self._lock:
            return self._uses_kde_idle_locked()

    def _uses_kde_idle_locked(self) -> bool:
        return self._seen.kde_idle and not self._seen.mutter

    def _poll(self, stop: threading.Event) -> None:
        try:
            while not stop.wait(self._poll_every):
                if self._closed or not self._uses_kde_idle():
                    break
                self._ask_kde_idle()
                with self._lock:
                    if self._seen.reason(time.monotonic(), time.time()) is None:
                        break  # back: nothing to wait for
        except Exception:  # the poll thread has nobody else to log it
            log.exception("the presence poll failed")
        finally:
            with self._lock:
                if self._poll_stop is stop:
                    self._poll_stop = None

    # signals, on the handler threads
    def _saver_handler(self, saver: Service) -> Callable[[Message], None]:
        def handle(message: Message) -> None:
            if self._closed or not message.body or not self._from_owner(message, saver.name):
                return
            active = bool(message.body[0])

            def update(seen: _Seen) -> None:
                if saver.name in seen.savers:
                    seen.savers[saver.name] = active

            self._change(update)

        return handle

    def _on_watch_fired(self, message: Message) -> None:
        session = self._session
        if session is None or self._closed or not message.body or not self._from_owner(message, MUTTER.name):
            return
        watch = message.body[0]
        with self._lock:
            idle, active = watch == self._idle_watch, watch == self._active_watch
            if active:
                self._active_watch = None
            interval = self._seen.away_after.total_seconds()
            already = self._seen.mutter_idle_since is not None
        if idle:
            self._arm_user_active(session)
            if not already:
                idle_ms = self._mutter_idle_ms(session)
                since = time.monotonic() - max(interval, (idle_ms or 0) / 1000)
                self._change(lambda seen: setattr(seen, "mutter_idle_since", since))
        elif active:
            self._change(lambda seen: setattr(seen, "mutter_idle_since", None))

    def _on_session_owner(self, message: Message) -> None:
        session = self._session
        if session is None or self._closed or not message.body:
            return
        name = message.body[0]
        if name == MUTTER.name:  # this signal may come after the new owner's GetNameOwner already told
            self._arm_mutter()
        for saver in SAVERS:
            if name == saver.name:
                self._probe_saver(session, saver)

    def _on_system_owner(self, message: Message) -> None:
        self._probe_system()

    def _on_session_properties(self, message: Message) -> None:
        system, path = self._system, _header(message, HeaderFields.path)
        if system is None or self._closed or path is None or path != self._session_path:
            return
        if not self._from_owner(message, LOGIND):
            return
        values, missing = changed_properties(message.body, SESSION_PROPERTIES)
        session = Service(LOGIND, path, SESSION_INTERFACE)
        for name in missing:
            value = self._try(system, session.get_property(name))
            if value is not None:
                values[name] = value[0][1]
        self._change(lambda seen: seen.take_session(values))

    # plumbing
    def _from_owner(self, message: Message, name: str) -> bool:
        """Anyone may send a signal with a service's interface and path; only its owner's count."""
        with self._lock:
            owner = self._owners.get(name)
        return owner is not None and _header(message, HeaderFields.sender) == owner

    def _owner(self, bus: Bus, name: str) -> str | None:
        """Who owns `name` now: only their signals count."""
        reply = self._try(bus, message_bus.GetNameOwner(name))
        owner = str(reply[0]) if reply is not None else None
        with self._lock:
            self._owners[name] = owner
        return owner

    def _try(self, bus: Bus, message: Message, timeout: float = PROBE_TIMEOUT) -> tuple[Any, ...] | None:
        try:
            return bus.call(message, timeout=timeout)
        except BusError as exc:
            log.debug("%s", exc)
            return None

    def _subscribe(self, bus: Bus, rules: list[tuple[MatchRule, Callable[[Message], None]]]) -> None:
        for rule, handler in rules:
            try:
                bus.subscribe(rule, handler)
            except BusError as exc:  # the rule stays with the bus, which adds it again when it reconnects
                log.debug("subscribing on the %s: %s", bus.label, exc)

    def _run_on(self, bus: Bus, job: Callable[[], None]) -> threading.Event:
        done = threading.Event()

        def run() -> None:
            try:
                job()
            finally:
                done.set()

        bus.later(run)
        return done

    def _log_sources(self) -> None:
        with self._lock:
            locks, idle = self._seen.lock_sources(), self._seen.idle_source()
        if not locks and idle is None:
            log.info("no presence service answers (%s): you count as present", self._nothing_answers())
            return
        said = []
        if locks:
            said.append(f"screen lock from {', '.join(locks)}")
        if idle is not None:
            said.append(f"idle time from {idle}")
        log.info("presence: %s", "; ".join(said))

    def _nothing_answers(self) -> str:
        names = ", ".join(service.name for service in (*SAVERS, MUTTER))
        session = "no session bus" if self._session is None else f"none of {names} on the session bus"
        system = "no system bus" if self._system is None else f"no {LOGIND} on the system bus"
        return f"{session}; {system}"


def _call(callback: Callable[[], None]) -> None:
    try:
        callback()
    except Exception:  # on the poll thread nobody else would log it
        log.exception("the back-at-the-machine handler failed")
