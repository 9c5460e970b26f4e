"""The two facts about "now" the shells need: the instant and the zone it is read in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from handhabit.config.model import General
from handhabit.host.zones import resolve


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def zone(general: General, warn: Callable[[str], object] | None = None) -> ZoneInfo:
    """The configured zone, else the system's, by IANA name so sessions can store it. When that is a
    guess (TZ names no zone, or the system's zone is unknown) `warn` hears it once per call: the CLI
    prints it, the daemon logs it."""
    found, warning = resolve(general.timezone)
    if warning is not None and warn is not None:
        warn(warning)
    return found
