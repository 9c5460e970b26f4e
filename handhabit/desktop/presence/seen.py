"""What the presence sources last said, and the pure thinking on it: whether the person is away at a given
moment, and why, in the words `handhabit log` shows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from handhabit.core.units import spoken
from handhabit.desktop.presence.services import KDE_SAVER

LOCKED = "the screen is locked"


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
class Seen:
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
