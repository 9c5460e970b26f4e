"""logind on the system bus: the user's graphical session's LockedHint, IdleHint and IdleSinceHint, told
by PropertiesChanged on the session's own object path."""

from __future__ import annotations

from jeepney import HeaderFields, Message, Properties

from handhabit.desktop.bus import Bus, Service
from handhabit.desktop.presence.hub import Hub, header, owner_changes, session_changes
from handhabit.desktop.presence.seen import Seen, changed_properties, display_session
from handhabit.desktop.presence.services import (
    LOGIND,
    LOGIND_MANAGER,
    LOGIND_USER,
    SESSION_INTERFACE,
    SESSION_PROPERTIES,
)


class Logind:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._session_path: str | None = None
        self._watched_paths: set[str] = set()

    def subscribe(self, system: Bus) -> None:
        self.hub.subscribe(system, [(owner_changes(LOGIND), lambda message: self.probe())])

    def probe(self) -> None:
        hub, system = self.hub, self.hub.system
        if system is None or hub.closed:
            return
        owner = hub.owner(system, LOGIND)
        path = self._find_session(system) if owner is not None else None
        reply = None
        if path is not None:
            if path not in self._watched_paths:  # rules stay with the bus: one for each session ever seen
                hub.subscribe(system, [(session_changes(path), self._on_session_properties)])
                self._watched_paths.add(path)
            reply = hub.ask(system, Properties(Service(LOGIND, path, SESSION_INTERFACE).address()).get_all())
        self._session_path = path
        values = {name: variant[1] for name, variant in reply[0].items()} if reply is not None else {}

        def update(seen: Seen) -> None:
            seen.logind_session = str(values.get("Id") or path) if reply is not None else None
            seen.locked_hint = seen.idle_hint = False
            seen.idle_since_usec = 0
            seen.take_session(values)

        hub.change(update)

    def _find_session(self, system: Bus) -> str | None:
        """The session to watch. A user service runs outside any login session, so logind's "self" has
        none: the user's graphical session (User.Display) is the one with a screen to lock; failing that,
        logind's "auto" (the caller's session, else the display session) through Manager.GetSession. Both
        give the real object path, where logind sends PropertiesChanged (never from ".../session/auto")."""
        display = self.hub.ask(system, LOGIND_USER.get_property("Display"))
        path = display_session(display[0][1]) if display is not None else None
        if path is None:
            auto = self.hub.ask(system, LOGIND_MANAGER.method("GetSession", "s", ("auto",)))
            path = str(auto[0]) if auto is not None else None
        return path

    def _on_session_properties(self, message: Message) -> None:
        hub = self.hub
        system, path = hub.system, header(message, HeaderFields.path)
        if system is None or hub.closed or path is None or path != self._session_path:
            return
        if not hub.from_owner(message, LOGIND):
            return
        values, missing = changed_properties(message.body, SESSION_PROPERTIES)
        session = Service(LOGIND, path, SESSION_INTERFACE)
        for name in missing:
            value = hub.ask(system, session.get_property(name))
            if value is not None:
                values[name] = value[0][1]
        hub.change(lambda seen: seen.take_session(values))
