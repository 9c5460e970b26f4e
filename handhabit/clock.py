"""The two facts about "now" the shells need: the instant and the zone it is read in."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from handhabit.config import General


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def zone(general: General) -> ZoneInfo:
    """The configured zone, else the system's, by IANA name so sessions can store it."""
    if general.timezone:
        return ZoneInfo(general.timezone)
    import tzlocal

    return ZoneInfo(tzlocal.get_localzone_name() or "UTC")
