"""The built-in default config: what handhabit does with no config file, and what `init` writes.

Kept as plain TOML-shaped data so that the default goes through the same validation as a person's
file, and `config.example.toml` is exactly `init`'s output (a test keeps the two identical).
"""

from __future__ import annotations

from typing import Any

CLASSIC_STEPS = [
    {"name": "Warm-up", "seconds": 30,
     "how": "Rub your hands together briskly to make heat and loosen the muscles."},
    {"name": "Palm massage", "seconds": 35, "sides": True,
     "how": "Press small circles over the other palm with your thumb, gentle but firm."},
    {"name": "Finger pulls and stretches", "seconds": 40, "sides": True,
     "how": "Pull each finger gently from base to tip, then stretch it a little to each side."},
    {"name": "Knuckle massage", "seconds": 30, "sides": True,
     "how": "Press and knead the knuckles and the spaces between them with your thumb."},
    {"name": "Wrist rotation", "seconds": 20, "sides": True,
     "how": "Hold one wrist with the other hand and turn it slowly, both directions."},
    {"name": "Finishing squeeze", "seconds": 20,
     "how": "Squeeze each whole hand lightly, then let go and breathe out."},
]

DESK_BREAK_STEPS = [
    {"name": "Warm-up", "seconds": 20, "how": "Rub your hands together briskly until they feel warm."},
    {"name": "Palm circles", "seconds": 20, "sides": True,
     "how": "Small thumb circles over the other palm, gentle but firm."},
    {"name": "Finger pulls", "seconds": 20, "sides": True,
     "how": "Pull each finger gently from base to tip."},
    {"name": "Finishing squeeze", "seconds": 20, "how": "Squeeze each whole hand lightly, then let go."},
]

DEFAULT_CONFIG: dict[str, Any] = {
    "general": {"day_starts_at": "04:00", "week_starts_on": "monday"},
    "notify": {"backend": "auto", "snooze": "10m", "hold_while_away": True, "away_after": "5m"},
    "habits": [
        {
            "id": "hand-massage",
            "name": "Hand massage",
            "target": {"sessions": 2, "per": "day"},
            "days": "daily",
            "routine": "classic",
        }
    ],
    "reminders": [
        {
            "id": "work-break",
            "habit": "hand-massage",
            "every": "90m",
            "between": ["09:00", "17:30"],
            "days": "weekdays",
            "message": "Hand break: warm up, palm circles, finger pulls.",
            "routine": "desk-break",
        },
        {
            "id": "bedtime",
            "habit": "hand-massage",
            "at": ["22:30"],
            "days": "daily",
            "message": "Bedtime hand massage: five calm minutes before sleep.",
            "skip_if_met": True,
            "grace": "30m",
        },
    ],
    "routines": [
        {"id": "classic", "name": "Classic hand massage", "steps": CLASSIC_STEPS},
        {"id": "desk-break", "name": "Desk break", "steps": DESK_BREAK_STEPS},
    ],
}

EXAMPLE_HEADER = """\
# handhabit configuration. Every key is explained in docs/config.md.
# Times are "HH:MM" in your time zone, durations "45s", "10m" or "1h30m",
# days the first three letters of a weekday, or "daily" / "weekdays".
# Check your changes with `handhabit check`. A running daemon picks them up within a minute
# (at once: `systemctl --user reload handhabit`); a broken file leaves the last good config running.

"""


def example_toml() -> str:
    """The text `handhabit init` writes and `config.example.toml` holds."""
    import tomli_w

    return EXAMPLE_HEADER + tomli_w.dumps(DEFAULT_CONFIG)
