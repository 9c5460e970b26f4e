"""What is left of a config with mistakes when the mistakes spare the record: the commands that record
or read it run on that, with one warning, while `check` and `run` insist on the whole file."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from handhabit.config.model import (
    Config,
    ConfigError,
    Routine,
)
from handhabit.config.sections import parse

# Where a mistake leaves the record untouched: a reminder, a routine or a notification setting. What the
# record needs (the habits, the day's start and zone, the sync folder) must be right for any command to run.
_SPARED = re.compile(r"(?P<table>reminders|routines)\[(?P<index>\d+)\]|notify\.(?P<key>[^.\[]+)")
_SECTIONS = ("general", "notify", "sync", "habits", "reminders", "routines")


def parse_usable(
    data: Mapping[str, Any], source: str, builtin_routines: Sequence[Routine] = ()
) -> tuple[Config, ConfigError | None]:
    """`parse`, for the commands that record or read the record: a session done must be recordable while a
    reminder has a typo. The reminders, routines and notification settings with problems are left out
    until what is left parses, and the whole file's problems come with it. Problems elsewhere raise as in
    `parse`."""
    try:
        return parse(data, source, builtin_routines), None
    except ConfigError as whole:
        problems, trimmed = whole, _without(data, whole.paths)
        while trimmed is not None:
            try:
                return parse(trimmed, source, builtin_routines), whole
            except ConfigError as exc:
                problems = exc
            trimmed = _without(trimmed, problems.paths)
        raise whole from None


def _without(data: Mapping[str, Any], paths: Sequence[str]) -> dict[str, Any] | None:
    """`data` without the parts the key paths point into; None when one of them is not to be left out."""
    trimmed = dict(data)
    dropped: dict[str, set[int]] = {"reminders": set(), "routines": set()}
    for key_path in paths:
        spared = _SPARED.match(key_path)
        if spared and spared["table"] and isinstance(data.get(spared["table"]), list):
            dropped[spared["table"]].add(int(spared["index"]))
        elif spared and spared["key"] and isinstance(data.get("notify"), dict):
            trimmed["notify"] = {k: v for k, v in trimmed["notify"].items() if k != spared["key"]}
        elif key_path in ("notify", "reminders", "routines") or key_path.split(".")[0] not in _SECTIONS:
            trimmed.pop(key_path.split(".")[0], None)  # a wrong type, or a key no section of the config has
        else:
            return None
    for table, indexes in dropped.items():
        if indexes and table in trimmed:
            trimmed[table] = [item for index, item in enumerate(trimmed[table]) if index not in indexes]
    return trimmed if trimmed != data else None  # nothing left out: the same problems again
