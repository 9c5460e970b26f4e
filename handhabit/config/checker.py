"""A generic checker of a decoded TOML table that notes every problem with its key path instead of
stopping at the first, so a person fixes a whole config in one pass."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import time
from typing import Any, TypeVar

from handhabit.core.units import (
    DAY_SHORTHANDS,
    IDENTIFIER,
    MOST_NAME,
    parse_clock,
    parse_weekday,
)

MISSING = object()
T = TypeVar("T")


class Checker:
    """Reads one TOML table, noting every problem with its key path instead of stopping at the first."""

    def __init__(self, source: str, errors: list[tuple[str, str]], data: Mapping[str, Any], path: str) -> None:
        self.source, self.errors, self.data, self.path = source, errors, data, path
        self.ok = True

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def error(self, key_path: str, problem: str) -> None:
        self.errors.append((key_path, f"{self.source}: {key_path}: {problem}"))
        self.ok = False

    def unknown(self, known: Sequence[str]) -> None:
        for name in self.data:
            if name not in known:
                close = closest(name, known)
                hint = f'did you mean "{close}"?' if close else "known keys: " + ", ".join(known)
                self.error(self.key(name), f"unknown key ({hint})")

    def raw(self, name: str, expected: type | tuple[type, ...], what: str, required: bool = False) -> Any:
        value = self.data.get(name, MISSING)
        if value is MISSING:
            if required:
                self.error(self.key(name), f"required key is missing (add {name} = ...)")
            return MISSING
        if isinstance(value, bool) != (bool in _as_tuple(expected)) or not isinstance(value, expected):
            self.error(self.key(name), f"expected {what}, got {show(value)}")
            return MISSING
        return value

    def parsed(self, name: str, parse: Callable[[str], T], default: T) -> T:
        """A string value turned into its type by a units parser, whose message carries the hint."""
        text = self.raw(name, str, "a string")
        if text is MISSING:
            return default
        try:
            return parse(text)
        except ValueError as exc:
            self.error(self.key(name), str(exc))
            return default

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw(name, bool, "true or false")
        return default if value is MISSING else bool(value)

    def text(self, name: str, default: str, required: bool = False) -> str:
        value = self.raw(name, str, "a string", required)
        return default if value is MISSING else str(value)

    def filled(self, name: str) -> str:
        """A required id that must not be empty: a habit's, reminder's or routine's, or the habit a reminder is for."""
        value = self.text(name, "", required=True)
        if not value and isinstance(self.data.get(name), str):
            self.error(self.key(name), 'is empty (ids hold a-z, 0-9 and "-", e.g. "hand-massage")')
        return value

    def ident(self, name: str) -> str:
        value = self.filled(name)
        if value and not IDENTIFIER.fullmatch(value):
            suggestion = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-") or "my-id"
            self.error(self.key(name), f'{show(value)} may hold only a-z, 0-9 and "-" (try {show(suggestion)})')
        elif len(value) > MOST_NAME:
            self.error(self.key(name), f"is {len(value)} characters long (use at most {MOST_NAME})")
        return value

    def days(self, name: str) -> frozenset[int]:
        value = self.raw(name, (str, list), 'a list of weekdays like ["mon", "fri"], "daily" or "weekdays"')
        if value is MISSING:
            return DAY_SHORTHANDS["daily"]
        if isinstance(value, str):
            if value in DAY_SHORTHANDS:
                return DAY_SHORTHANDS[value]
            self.error(self.key(name), f'"{value}" is not a day list (use "daily", "weekdays" or ["mon", ...])')
            return DAY_SHORTHANDS["daily"]
        days = set()
        for index, item in enumerate(value):
            try:
                days.add(parse_weekday(item) if isinstance(item, str) else parse_weekday(str(item)))
            except ValueError as exc:
                self.error(f"{self.key(name)}[{index}]", str(exc))
        if not value:
            self.error(self.key(name), 'no days given (a reminder or habit needs at least one, e.g. "daily")')
        return frozenset(days)

    def clocks(self, name: str) -> tuple[time, ...]:
        value = self.raw(name, (str, list), 'a list of times like ["22:30"]')
        if value is MISSING:
            return ()
        items = [value] if isinstance(value, str) else value
        clocks = []
        for index, item in enumerate(items):
            try:
                clocks.append(parse_clock(item if isinstance(item, str) else str(item)))
            except ValueError as exc:
                self.error(f"{self.key(name)}[{index}]" if isinstance(value, list) else self.key(name), str(exc))
        if not items:
            self.error(self.key(name), 'no times given (e.g. at = ["22:30"])')
        return tuple(sorted(set(clocks)))

    def clocks_pair(self, name: str) -> tuple[time, time] | None:
        value = self.data.get(name)
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
            self.error(self.key(name), f'expected a start and an end like ["09:00", "17:30"], got {show(value)}')
            return None
        try:
            start, end = parse_clock(value[0]), parse_clock(value[1])
        except ValueError as exc:
            self.error(self.key(name), str(exc))
            return None
        if start >= end:
            problem = f'the window must start before it ends ("{value[0]}" is not before "{value[1]}")'
            self.error(self.key(name), problem)
            return None
        return (start, end)

    def tables(self, name: str) -> list[Checker]:
        value = self.data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.error(self.key(name), f"expected [[{name}]] tables, got {show(value)}")
            return []
        return [Checker(self.source, self.errors, item, f"{self.key(name)}[{i}]") for i, item in enumerate(value)]

    def table(self, name: str) -> Checker:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            self.error(self.key(name), f"expected a [{name}] table, got {show(value)}")
            value = {}
        return Checker(self.source, self.errors, value, self.key(name))




def _as_tuple(expected: type | tuple[type, ...]) -> tuple[type, ...]:
    return expected if isinstance(expected, tuple) else (expected,)


def show(value: object) -> str:
    """A value as the file has it, cut short so a 400-digit number cannot flood the error line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    text = f'"{value}"' if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:39] + "…"

def closest(word: str, known: Sequence[str]) -> str | None:
    """The "did you mean" of an error line; difflib loads only when there is a mistake to explain."""
    import difflib

    close = difflib.get_close_matches(word, known, n=1)
    return close[0] if close else None


def must_name(c: Checker, key_path: str, value: str, known: Sequence[str], what: str) -> None:
    if value not in known:
        close = closest(value, known)
        hint = f'did you mean "{close}"?' if close else f"known: {', '.join(known) or 'none'}"
        c.error(key_path, f'no {what} "{value}" ({hint})')
