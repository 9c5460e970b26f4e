"""When a snooze or a pause ends, in words read against the moment they were made.

A 45 s snooze made at 11:38:50 ends at 11:39:35: in whole minutes that reads "11:39", a minute that has
begun already, so ends this close are told to the second, and how far away they are. `pause --until
10:00` at 11:32 means tomorrow's 10:00, which the date alone leaves for the person to notice. Pure:
instants and a zone in, words out; `snooze`, `pause` and `log` say the same time for the same end.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handhabit.core.units import length_words

SOON = timedelta(minutes=5)  # under this, the seconds and the time left are what a person reads


def end_time(end: datetime, made: datetime, zone: ZoneInfo) -> str:
    """"Mon 2025-03-10 14:30"; to the second ("Mon 2025-03-10 11:39:35") when it is under SOON after
    `made`, the moment the snooze or pause was made: the log shows what the command said."""
    seconds = ":%S" if end - made < SOON else ""
    return end.astimezone(zone).strftime(f"%a %Y-%m-%d %H:%M{seconds}")


def end_words(end: datetime, now: datetime, zone: ZoneInfo) -> str:
    """What follows "comes back at" or "no reminders until": "11:39:35, in 45 s" when it is soon,
    "Tue 2025-03-11 10:00, tomorrow" when it is tomorrow, else the date and time."""
    if end - now < SOON:
        return f"{end.astimezone(zone):%H:%M:%S}, in {length_words((end - now).total_seconds())}"
    when = end_time(end, now, zone)
    tomorrow = end.astimezone(zone).date() - now.astimezone(zone).date() == timedelta(days=1)
    return f"{when}, tomorrow" if tomorrow else when
