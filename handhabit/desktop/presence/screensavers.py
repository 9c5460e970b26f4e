"""The screensavers of GNOME (`org.gnome.ScreenSaver`) and of the freedesktop name KDE and others own:
whether the screen is locked, told by their ActiveChanged signal. The freedesktop one's idle time is
`kde`'s."""

from __future__ import annotations

from collections.abc import Callable

from jeepney import Message

from handhabit.desktop.bus import Bus, Service
from handhabit.desktop.presence.hub import Hub, Rules
from handhabit.desktop.presence.seen import Seen
from handhabit.desktop.presence.services import KDE_SAVER, SAVERS


class Screensavers:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def rules(self) -> Rules:
        return [(saver.signal("ActiveChanged"), self._handler(saver)) for saver in SAVERS]

    def probe(self, session: Bus, saver: Service) -> None:
        hub = self.hub
        owner = hub.owner(session, saver.name)
        active = hub.ask(session, saver.method("GetActive")) if owner is not None else None
        idle = None
        if owner is not None and saver is KDE_SAVER:
            idle = hub.ask(session, saver.method("GetSessionIdleTime"))

        def update(seen: Seen) -> None:
            if active is None:
                seen.savers.pop(saver.name, None)
            else:
                seen.savers[saver.name] = bool(active[0])
            if saver is KDE_SAVER:
                seen.kde_idle = idle is not None
                seen.kde_idle_seconds = int(idle[0]) if idle is not None else None

        hub.change(update)

    def _handler(self, saver: Service) -> Callable[[Message], None]:
        def handle(message: Message) -> None:
            if self.hub.closed or not message.body or not self.hub.from_owner(message, saver.name):
                return
            active = bool(message.body[0])

            def update(seen: Seen) -> None:
                if saver.name in seen.savers:
                    seen.savers[saver.name] = active

            self.hub.change(update)

        return handle
