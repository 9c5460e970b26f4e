"""The zone "now" is read in, always as an IANA key: sessions store the key, so a zone read from a file
without one, or a bare offset, would not do.

The C library takes more in TZ than zoneinfo does (POSIX rule strings, paths to zone files), and tzlocal
quietly falls back to the system's zone for whatever it cannot name. Here every TZ either resolves to an
IANA zone or says, in one line, which zone is used instead; nothing in TZ may raise, because under
systemd a crash at start-up is a restart loop.
"""

from __future__ import annotations

import json
import os
import re
import zoneinfo
from collections.abc import Callable, Mapping
from functools import cache
from zoneinfo import ZoneInfo

from handhabit.core.units import known_zone

LOCALTIME = "/etc/localtime"
# What a POSIX TZ rule string starts with: a zone abbreviation (letters, or anything in <>) and an offset.
# Only such a TZ pays for reading every zone file to find the zones that follow it.
POSIX_RULE = re.compile(r"(?:[A-Za-z]{3,}|<[A-Za-z0-9+-]{3,}>)[+-]?[0-9]")


def _key_of_file(path: str) -> str | None:
    """glibc reads TZ=/some/path as that zone file; its key is what follows the zoneinfo folder, also
    through a symlink (TZ=:/etc/localtime), and only if that key loads here as well."""
    if not os.path.isfile(path):
        return None
    for candidate in dict.fromkeys((os.path.normpath(path), os.path.realpath(path))):
        _, folder, key = candidate.rpartition("/zoneinfo/")
        if folder and known_zone(key):
            return key
    return None


def system_zone_name() -> str | None:
    """The zone the machine is set to. tzlocal knows where the distributions write it (/etc/timezone,
    the /etc/localtime link, sysconfig); it raises on conflicting settings and may name a zone that does
    not load, and then the /etc/localtime link, which the C library follows, decides.

    tzlocal reads TZ first, but takes only names on its Windows list and paths whose tail is one: by the
    time TZ has not resolved as a zone name or file here, it answers from the system's settings."""
    import tzlocal  # commands with a configured zone never need it

    try:
        name = tzlocal.get_localzone_name()
    except Exception:  # it reads whatever the distribution left in /etc: any failure means "cannot tell"
        name = None
    return name if isinstance(name, str) and known_zone(name) else _key_of_file(LOCALTIME)


def resolve(
    configured: str | None, environ: Mapping[str, str] = os.environ,
    system: Callable[[], str | None] = system_zone_name,
) -> tuple[ZoneInfo, str | None]:
    """The zone and, when it is a guess the person should know about, a one-line warning.

    The config wins without TZ even being read, so no TZ can break a configured daemon."""
    if configured:
        return ZoneInfo(configured), None
    tz = environ.get("TZ", "")
    if tz:
        return _from_tz(tz, system)
    key = system()
    if key is None:
        return ZoneInfo("UTC"), f"cannot tell this system's time zone: using UTC ({_hint('Europe/Berlin')})"
    return ZoneInfo(key), None


def _from_tz(tz: str, system: Callable[[], str | None]) -> tuple[ZoneInfo, str | None]:
    """TZ as glibc reads it: a zone name or a zone file (a leading ":" allowed), else a POSIX rule."""
    named = tz.removeprefix(":")
    key = _key_of_file(named) if os.path.isabs(named) else named if known_zone(named) else None
    if key is not None:
        return ZoneInfo(key), None
    home = system()
    if POSIX_RULE.match(named):
        if home is not None and _footer(home) == named:
            return ZoneInfo(home), None
        key = _follower(named)
        if key is not None:
            return ZoneInfo(key), f"TZ={_quoted(tz)} is a POSIX rule: using {key}, which follows it ({_hint(key)})"
    if home is None:
        return ZoneInfo("UTC"), (f"TZ={_quoted(tz)} is not a time zone, and this system's zone cannot be told: "
                                 f"using UTC ({_hint('Europe/Berlin')})")
    return ZoneInfo(home), f"TZ={_quoted(tz)} is not a time zone: using {home}, the system's zone ({_hint(home)})"


def _hint(key: str) -> str:
    return f'set timezone = "{key}" or your zone in the config'


def _quoted(text: str) -> str:
    """TZ may hold anything, a newline too; the warning stays one line."""
    return json.dumps(text)


@cache
def _follower(rule: str) -> str | None:
    """A zone whose current rule is exactly `rule`: the first in sorted order, so every run picks the
    same, preferring an area/city name (legacy names like CET may not exist elsewhere). It reads every
    zone file, so only a TZ that looks like a rule pays for it, and once."""
    found = [key for key in zoneinfo.available_timezones() if _footer(key) == rule]
    return min(found, key=lambda key: ("/" not in key, key), default=None)


def _footer(key: str) -> str | None:
    """The POSIX TZ string a version 2+ TZif file ends with ("\\n<rule>\\n"): the rule the zone follows
    after its last listed transition, which is what a TZ rule string says."""
    data = _tzif(key)
    if data is None or data[:4] != b"TZif" or data[4:5] < b"2" or not data.endswith(b"\n"):
        return None
    body = data[:-1]
    return body[body.rfind(b"\n") + 1:].decode("ascii", "replace")


def _tzif(key: str) -> bytes | None:
    """The file ZoneInfo(key) loads: the first TZPATH folder holding it, else the tzdata package."""
    try:
        for folder in zoneinfo.TZPATH:
            path = os.path.join(folder, key)
            if os.path.isfile(path):
                with open(path, "rb") as file:
                    return file.read()
        from importlib import resources  # only a POSIX rule in TZ gets here: no start-up cost

        *folders, name = key.split("/")
        return resources.files(".".join(["tzdata.zoneinfo", *folders])).joinpath(name).read_bytes()
    except (ImportError, OSError):
        return None
