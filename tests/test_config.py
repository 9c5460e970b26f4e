"""Config validation: every problem at once, one line each, with file, key path and the fix."""

from __future__ import annotations

import socket
from datetime import time, timedelta
from pathlib import Path

import pytest

from handhabit.config.default import example_toml
from handhabit.config.loading import builtin, load, load_usable
from handhabit.config.model import ConfigError, Sync

BASE = """
[[habits]]
id = "hand-massage"

[[reminders]]
id = "bedtime"
habit = "hand-massage"
at = ["22:30"]
"""

BREAK = """
[[habits]]
id = "hand-massage"

[[reminders]]
id = "work-break"
habit = "hand-massage"
"""


def errors(tmp_path: Path, text: str | bytes) -> list[str]:
    path = tmp_path / "config.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load(path)
    prefix = f"{path}"
    assert all(line.startswith(prefix) for line in caught.value.lines)
    return [line[len(prefix):] for line in caught.value.lines]


BAD_CONFIGS = [
    ("toml-syntax", "a b = 1\n",
     [":1:3: TOML syntax error: expected '=' after a key in a key/value pair"]),
    ("day-start-range", BASE + '[general]\nday_starts_at = "13:00"\n',
     [': general.day_starts_at: "13:00" is out of range (use "00:00".."12:00")']),
    ("day-start-format", BASE + '[general]\nday_starts_at = "4am"\n',
     [': general.day_starts_at: "4am" is not a time of day (use "HH:MM", e.g. "09:00")']),
    ("week-start", BASE + '[general]\nweek_starts_on = "mondy"\n',
     [': general.week_starts_on: "mondy" is not a weekday (use e.g. "monday" or "sunday")']),
    ("timezone", BASE + '[general]\ntimezone = "Europe/Berln"\n',
     [': general.timezone: "Europe/Berln" is not a known time zone (did you mean "Europe/Berlin"?)']),
    ("backend", BASE + '[notify]\nbackend = "dunst"\n',
     [': notify.backend: "dunst" is not a backend (use one of auto, dbus, plyer, log)']),
    ("snooze-type", BASE + "[notify]\nsnooze = 10\n",
     [": notify.snooze: expected a string, got 10"]),
    ("duration-no-unit", BREAK + 'every = "90"\nbetween = ["09:00", "17:30"]\n',
     [': reminders[0].every: "90" is not a duration (try "90m")']),
    ("duration-zero", BREAK + 'every = "0m"\nbetween = ["09:00", "17:30"]\n',
     [': reminders[0].every: "0m" is zero (a duration must be longer than 0s)']),
    ("habit-id-chars", '[[habits]]\nid = "Hand Massage"\n',
     [': habits[0].id: "Hand Massage" may hold only a-z, 0-9 and "-" (try "hand-massage")']),
    ("habit-id-missing", '[[habits]]\nname = "Hand massage"\n',
     [": habits[0].id: required key is missing (add id = ...)"]),
    ("habit-id-twice", BASE + '[[habits]]\nid = "hand-massage"\n',
     [': habits[1].id: "hand-massage" is used twice (ids must be unique)']),
    ("target-both", '[[habits]]\nid = "h"\ntarget = { sessions = 2, minutes = 10 }\n',
     [": habits[0].target: give sessions or minutes, not both"]),
    ("target-weekly-minutes", '[[habits]]\nid = "h"\ntarget = { minutes = 30, per = "week" }\n',
     [': habits[0].target: a weekly target counts sessions (use { sessions = N, per = "week" })']),
    ("target-per", '[[habits]]\nid = "h"\ntarget = { sessions = 2, per = "month" }\n',
     [': habits[0].target.per: "month" is not a period (use "day" or "week")']),
    ("target-zero", '[[habits]]\nid = "h"\ntarget = { sessions = 0 }\n',
     [": habits[0].target.sessions: must be 1 or more, got 0"]),
    ("reminder-unknown-habit", BASE.replace('habit = "hand-massage"', 'habit = "hand-masage"'),
     [': reminders[0].habit: no habit "hand-masage" (did you mean "hand-massage"?)']),
    ("reminder-at-and-every", BASE + 'every = "90m"\n',
     [': reminders[0]: needs exactly one of at = ["22:30"] (fixed times) or every = "90m" (breaks)']),
    ("reminder-neither", BREAK,
     [': reminders[0]: needs exactly one of at = ["22:30"] (fixed times) or every = "90m" (breaks)']),
    ("break-without-window", BREAK + 'every = "90m"\n',
     [': reminders[0].between: a break reminder needs a window (add between = ["09:00", "17:30"])']),
    ("window-backwards", BREAK + 'every = "90m"\nbetween = ["17:30", "09:00"]\n',
     [': reminders[0].between: the window must start before it ends ("17:30" is not before "09:00")']),
    ("at-not-a-time", BASE.replace('"22:30"', '"25:00"'),
     [': reminders[0].at[0]: "25:00" is not a time of day (use "HH:MM", e.g. "09:00")']),
    ("weekday-long-name", BASE + 'days = ["mon", "friday"]\n',
     [': reminders[0].days[1]: "friday" is not a weekday (use "fri")']),
    ("days-empty", BASE + "days = []\n",
     [': reminders[0].days: no days given (a reminder or habit needs at least one, e.g. "daily")']),
    ("bool-as-string", BASE + 'skip_if_met = "yes"\n',
     [': reminders[0].skip_if_met: expected true or false, got "yes"']),
    ("typo-key", BASE + 'mesage = "hi"\n',
     [': reminders[0].mesage: unknown key (did you mean "message"?)']),
    ("unknown-routine", '[[habits]]\nid = "h"\nroutine = "clasic"\n',
     [': habits[0].routine: no routine "clasic" (did you mean "classic"?)']),
    ("step-seconds", BASE + '[[routines]]\nid = "quick"\nsteps = [{ name = "Squeeze", seconds = 0 }]\n',
     [": routines[0].steps[0].seconds: must be 1 or more, got 0"]),
    ("no-steps", BASE + '[[routines]]\nid = "quick"\nsteps = []\n',
     [': routines[0].steps: a routine needs steps (add steps = [{ name = "...", seconds = 30 }])']),
    ("habits-not-array", '[habits]\nid = "h"\n',
     [": habits: expected [[habits]] tables, got a table",
      ': habits: no habits defined (add a [[habits]] table; `handhabit init` writes an example)']),
    ("no-habits", "",
     [': habits: no habits defined (add a [[habits]] table; `handhabit init` writes an example)']),
    ("not-utf8", b'[[habits]]\nid = "h\xe9"\n', [": not UTF-8 text (save the config as UTF-8)"]),
    ("sync-relative", BASE + '[sync]\nfolder = "Sync/handhabit"\n',
     [': sync.folder: "Sync/handhabit" is a relative path (start it with "~/" or "/", e.g. "~/Sync/handhabit")']),
    ("sync-folder-empty", BASE + '[sync]\nfolder = ""\n',
     [': sync.folder: is empty (name the synced folder, e.g. "~/Sync/handhabit", or leave folder out)']),
    ("sync-device-empty", BASE + '[sync]\ndevice = " "\n',
     [': sync.device: is empty (name this machine, e.g. "laptop")']),
    ("sync-device-lines", BASE + '[sync]\ndevice = "lap\\ntop"\n',
     [': sync.device: holds a line break or control character (write it on one line, e.g. "laptop")']),
    ("sync-device-long", BASE + f'[sync]\ndevice = "{"x" * 65}"\n',
     [': sync.device: is 65 characters long (use at most 64, e.g. "laptop")']),
    ("sync-typo", BASE + '[sync]\nfoldr = "~/Sync"\n',
     [': sync.foldr: unknown key (did you mean "folder"?)']),
    ("sync-not-a-table", 'sync = "~/Sync"\n' + BASE,
     [': sync: expected a [sync] table, got "~/Sync"']),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in BAD_CONFIGS], ids=[c[0] for c in BAD_CONFIGS])
def test_bad_config_names_file_key_and_fix(tmp_path: Path, text: str | bytes, expected: list[str]) -> None:
    assert errors(tmp_path, text) == expected


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = '[[habbits]]\nid = "h"\n\n[general]\nday_starts_at = "13:00"\ntimezone = "Mars/Base"\n'
    assert errors(tmp_path, text) == [
        ': habbits: unknown key (did you mean "habits"?)',
        ': general.day_starts_at: "13:00" is out of range (use "00:00".."12:00")',
        ': general.timezone: "Mars/Base" is not a known time zone (use an IANA name like "Europe/Berlin")',
        ': habits: no habits defined (add a [[habits]] table; `handhabit init` writes an example)',
    ]


def test_missing_file_means_builtin_default(tmp_path: Path) -> None:
    config = load(tmp_path / "absent.toml")
    assert config.source is None
    assert config == builtin()


def test_builtin_default_is_the_example_file() -> None:
    """`init` writes example_toml(); config.example.toml in the repo must be the same text."""
    example = Path(__file__).parent.parent / "config.example.toml"
    assert example.read_text(encoding="utf-8") == example_toml(), (
        "regenerate: python -c 'from handhabit.config.default import example_toml; "
        "open(\"config.example.toml\", \"w\").write(example_toml())'"
    )
    loaded = load(example)
    assert loaded == builtin()


def test_builtin_default_content() -> None:
    config = builtin()
    (habit,) = config.habits
    assert (habit.id, habit.target.sessions, habit.target.per, habit.days) == (
        "hand-massage", 2, "day", frozenset(range(7)))
    work, bedtime = config.reminders
    assert (work.every, work.between, work.days, work.routine) == (
        timedelta(minutes=90), (time(9), time(17, 30)), frozenset(range(5)), "desk-break")
    assert (bedtime.at, bedtime.grace, bedtime.skip_if_met) == ((time(22, 30),), timedelta(minutes=30), True)
    classic = config.routine("classic")
    assert [s.name for s in classic.steps] == [
        "Warm-up", "Palm massage", "Finger pulls and stretches", "Knuckle massage", "Wrist rotation",
        "Finishing squeeze"]
    assert 4.5 <= classic.minutes <= 6
    assert 1.5 <= config.routine("desk-break").minutes <= 2.5


def test_a_file_keeps_builtin_routines_and_may_redefine_classic(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(BASE + '[[routines]]\nid = "classic"\nsteps = [{ name = "Squeeze", seconds = 60 }]\n')
    config = load(path)
    assert [s.name for s in config.routine("classic").steps] == ["Squeeze"]
    assert config.routine("desk-break").steps[0].name == "Warm-up"


def test_shorthands_and_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[general]\nweek_starts_on = "sunday"\ntimezone = "America/New_York"\n'
        '[[habits]]\nid = "h"\ntarget = { minutes = 10 }\ndays = "weekdays"\n'
        '[[reminders]]\nid = "r"\nhabit = "h"\nat = "21:00"\n'
    )
    config = load(path)
    assert config.general.week_starts_on == 6
    assert config.general.timezone == "America/New_York"
    assert config.habits[0].days == frozenset(range(5))
    assert config.habits[0].target.minutes == 10.0
    (reminder,) = config.reminders
    assert reminder.at == (time(21),)
    assert reminder.days == frozenset(range(7))
    assert reminder.grace == timedelta(minutes=30)


def test_sync_folder_and_device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    path = tmp_path / "config.toml"
    path.write_text(BASE + '[sync]\nfolder = "~/Sync/handhabit"\ndevice = "Desk at work"\n')
    assert load(path).sync == Sync(folder=tmp_path / "Sync" / "handhabit", device="Desk at work")
    path.write_text(BASE + '[sync]\nfolder = "/srv/sync/hands"\n')
    assert load(path).sync == Sync(folder=Path("/srv/sync/hands"), device=socket.gethostname())


def test_sync_is_off_without_a_folder(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(BASE)
    assert load(path).sync.folder is None
    assert builtin().sync.folder is None


def test_the_record_goes_on_without_the_broken_reminders_routines_and_notify_settings(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(BASE + """
[notify]
snooze = "5 min"
backend = "log"

[[reminders]]
id = "after-lunch"
habit = "hand-massage"
at = ["13:30"]
routine = "wobbly"

[[routines]]
id = "wobbly"
steps = [{ name = "Shake", seconds = 0 }]

[extras]
colour = "blue"
""")
    config, problems = load_usable(path)
    assert [r.id for r in config.reminders] == ["bedtime"]  # after-lunch named the broken routine
    assert "wobbly" not in [r.id for r in config.routines]
    assert (config.notify.backend, config.notify.snooze) == ("log", timedelta(minutes=10))
    assert problems is not None
    assert [line[len(str(path)) + 2:].split(":")[0] for line in problems.lines] == [
        "extras", "notify.snooze", "routines[0].steps[0].seconds"]


def test_a_habit_that_names_a_broken_routine_stops_the_record(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("""
[[habits]]
id = "hand-massage"
routine = "wobbly"

[[routines]]
id = "wobbly"
steps = [{ name = "Shake", seconds = 0 }]
""")
    with pytest.raises(ConfigError) as caught:
        load_usable(path)
    assert caught.value.lines == [f"{path}: routines[0].steps[0].seconds: must be 1 or more, got 0"]
