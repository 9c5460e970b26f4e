"""`done`, `undo`, `skip`, `unskip`, `streak --weeks`, `pause`, `resume`, `status` and `log` as a person types
them, in-process so time-machine can pin "now": real click parsing, the real entry point and a real
SQLite file in a temp dir."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from handhabit.cli import main
from tests.builders import stored

BERLIN = ZoneInfo("Europe/Berlin")
CONFIG = """
[general]
timezone = "Europe/Berlin"

[[habits]]
id = "hand-massage"
name = "Hand massage"
target = { sessions = 2, per = "day" }

[[habits]]
id = "daily"
name = "Finger stretches"
target = { sessions = 1, per = "day" }

[[reminders]]
id = "bedtime"
habit = "hand-massage"
at = ["22:30"]
"""
Run = Callable[..., tuple[int, str, str]]


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


THU = berlin(2025, 3, 13, 10, 0)  # habits.md's week: 2025-03-10 is a Monday
FRI = berlin(2025, 3, 14, 10, 0)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "handhabit.db"


@pytest.fixture
def hh(tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    monkeypatch.setenv("HANDHABIT_CONFIG", str(config))
    monkeypatch.setenv("HANDHABIT_DB", str(db))
    monkeypatch.setenv("COLUMNS", "100")
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))  # no daemon of the machine's user is seen

    def run(*args: str, now: datetime = THU) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["handhabit", *args])
        with time_machine.travel(now, tick=False), pytest.raises(SystemExit) as exit_info:
            main()
        out, err = capsys.readouterr()
        return int(exit_info.value.code or 0), out, err

    return run


def streak_json(hh: Run, habit: str, now: datetime = THU) -> dict[str, object]:
    code, out, err = hh("streak", habit, "--json", now=now)
    assert code == 0, err
    (report,) = json.loads(out)["habits"]
    return dict(report)


# --- done and undo ----------------------------------------------------------------------------------


def test_done_for_a_past_day_prints_that_day_and_today(hh: Run) -> None:
    code, out, _ = hh("done", "hand-massage", "--date", "2025-03-11")
    assert code == 0
    assert out.splitlines() == [
        "Recorded Hand massage for Tue 2025-03-11.",
        "Hand massage: 1 of 2 on Tue 2025-03-11 · 0 of 2 today · streak 0 days",
    ]
    code, out, _ = hh("done", "hand-massage", "--at", "2025-03-12T00:30", "--minutes", "7.5", "--note", "late")
    assert out.splitlines()[0] == (
        "Recorded Hand massage, 7 min 30 s, at Wed 2025-03-12 00:30 (counts for Tue 2025-03-11).")
    assert out.splitlines()[1].startswith("Hand massage: 2 of 2 on Tue 2025-03-11 · 0 of 2 today")
    code, out, _ = hh("done", "hand-massage")
    assert out.splitlines() == [
        "Recorded Hand massage at Thu 2025-03-13 10:00 (counts for Thu 2025-03-13).",
        "Hand massage: 1 of 2 today · streak 0 days",  # Tue met, Wed none
    ]


def test_e6_backfill_and_undo_through_the_cli(hh: Run, db: Path) -> None:
    for at in ("2025-03-10T20:00", "2025-03-12T20:00", "2025-03-13T20:00"):
        assert hh("done", "daily", "--at", at, now=FRI)[0] == 0
    code, out, _ = hh("done", "daily", "--date", "2025-03-11", now=FRI)
    assert out.splitlines()[-1] == "Finger stretches: 1 of 1 on Tue 2025-03-11 · 0 of 1 today · streak 4 days"
    code, out, _ = hh("undo", now=FRI)
    assert code == 0
    assert out.splitlines() == [
        "Undid Finger stretches at Tue 2025-03-11 12:00 (counted for 2025-03-11).",
        "Finger stretches: 0 of 1 on Tue 2025-03-11 · 0 of 1 today · streak 2 days",
    ]
    _, out, _ = hh("undo", now=FRI)
    assert out.startswith("Undid Finger stretches at Thu 2025-03-13 20:00")
    # Undo marks, never erases.
    assert len(stored(db, "sessions")) == 4
    assert sum(row[9] is not None for row in stored(db, "sessions")) == 2  # deleted_utc


def test_done_in_the_future_changes_nothing(hh: Run, db: Path) -> None:
    code, _, err = hh("done", "daily", "--date", "2025-03-14")
    assert (code, err) == (2, "handhabit: --date 2025-03-14 is in the future (today is 2025-03-13)\n")
    # 03:00 on Friday is still Thursday's logical day, so "tomorrow" starts at 04:00.
    code, _, err = hh("done", "daily", "--date", "today", now=berlin(2025, 3, 14, 3, 0))
    assert code == 0 and stored(db, "sessions")[0][4] == "2025-03-13"


# --- skip -------------------------------------------------------------------------------------------


def test_skip_today_for_all_habits(hh: Run, db: Path) -> None:
    code, out, _ = hh("skip", "--reason", "sick")
    assert code == 0
    assert out.splitlines() == [
        "Excused all habits on Thu 2025-03-13 (sick).",
        "Hand massage: 0 of 2 today (excused) · streak 0 days",
        "Finger stretches: 0 of 1 today (excused) · streak 0 days",
    ]
    assert stored(db, "excuses")[0][1:] == ("*", "2025-03-13", "2025-03-13", "sick", None)
    thursday = streak_json(hh, "daily")["days"][3]  # type: ignore[index]
    assert thursday == {"date": "2025-03-13", "due": True, "excused": True, "sessions": 0, "minutes": 0.0,
                        "credit": 0.0, "met": False}


def test_skip_a_range_for_one_habit_keeps_the_streak(hh: Run, db: Path) -> None:
    for at in ("2025-03-10T20:00", "2025-03-11T20:00", "2025-03-14T20:00"):
        hh("done", "daily", "--at", at, now=berlin(2025, 3, 15, 10))
    sat = berlin(2025, 3, 15, 10)
    assert streak_json(hh, "daily", sat)["current_streak"] == 1
    code, out, _ = hh("skip", "daily", "--from", "2025-03-11", "--to", "2025-03-13", "--reason", "travel", now=sat)
    assert code == 0
    assert out.splitlines() == [
        "Excused Finger stretches for 3 days, Tue 2025-03-11 to Thu 2025-03-13 (travel).",
        "Finger stretches: 0 of 1 today · streak 3 days",  # Mon, Tue (done anyway), Fri
    ]
    assert streak_json(hh, "hand-massage", sat)["days"][2]["excused"] is False  # type: ignore[index]
    # Asking again changes nothing; a day still free makes a new excuse.
    code, out, _ = hh("skip", "daily", "--date", "2025-03-12", now=sat)
    assert out == "Finger stretches already excused on Wed 2025-03-12; nothing changed.\n"
    assert len(stored(db, "excuses")) == 1


def test_skip_a_planned_holiday_in_the_future(hh: Run, db: Path) -> None:
    code, out, _ = hh("skip", "--from", "2025-12-22", "--to", "2026-01-02", "--reason", "holiday")
    assert code == 0
    assert out.splitlines()[0] == "Excused all habits for 12 days, Mon 2025-12-22 to Fri 2026-01-02 (holiday)."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "today", "--from", "2025-03-10", "--to", "2025-03-11"], "give --date or --from/--to, not both"),
        (["--from", "2025-03-10"], "give --from and --to together (for one day use --date)"),
        (["--from", "2025-03-12", "--to", "2025-03-10"], "--from 2025-03-12 is after --to 2025-03-10"),
        (["--from", "2025-01-01", "--to", "2026-01-02"],
         "--from 2025-01-01 --to 2026-01-02 is more than 366 days (excuse a year at most)"),
        (["--date", "someday"], '"someday" is not a date (use YYYY-MM-DD, "today" or "yesterday")'),
        (["nails"], 'no habit "nails" in the config (known: hand-massage, daily)'),
    ],
)
def test_skip_mistakes_are_one_line_and_change_nothing(hh: Run, db: Path, args: list[str], message: str) -> None:
    assert hh("skip", *args) == (2, "", f"handhabit: {message}\n")
    assert stored(db, "excuses") == []


# --- unskip -----------------------------------------------------------------------------------------


def excused(hh: Run, habit: str) -> list[bool]:
    """Which days of the week shown (habits.md's, Mon 2025-03-10 to Sun 2025-03-16) are excused."""
    return [day["excused"] for day in streak_json(hh, habit)["days"]]  # type: ignore[attr-defined]


def live_excuses(db: Path) -> list[tuple[object, ...]]:
    """(habit, from, to, reason) of the excuses that count, as stored."""
    return sorted(row[1:5] for row in stored(db, "excuses") if row[5] is None)  # type: ignore[type-var]


def test_unskip_of_an_excused_day_makes_its_shortfall_count_again(hh: Run, db: Path) -> None:
    for at in ("2025-03-10T20:00", "2025-03-11T20:00"):
        hh("done", "daily", "--at", at)
    hh("skip", "daily", "--date", "2025-03-12", "--reason", "sick")
    assert streak_json(hh, "daily")["current_streak"] == 2  # Mon, Tue; the excused Wed is neutral
    code, out, err = hh("unskip", "daily", "--date", "2025-03-12")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Took back the excuse of Finger stretches on Wed 2025-03-12 (sick).",
        "Finger stretches: 0 of 1 today · streak 0 days",  # Wed, done nothing, breaks it
    ]
    assert streak_json(hh, "daily")["current_streak"] == 0
    # Marked, never erased: the excuse is still there, with when it was taken back.
    assert [row[1:] for row in stored(db, "excuses")] == [
        ("daily", "2025-03-12", "2025-03-12", "sick", "2025-03-13T09:00:00Z")]


def test_unskip_of_part_of_a_range_keeps_the_rest_excused_with_its_reason(hh: Run, db: Path) -> None:
    hh("skip", "daily", "--from", "2025-03-10", "--to", "2025-03-14", "--reason", "travel")
    code, out, _ = hh("unskip", "daily", "--date", "2025-03-12")
    assert code == 0
    assert out.splitlines() == [
        "Took back Wed 2025-03-12 from the excuse of Finger stretches for 5 days, Mon 2025-03-10 to Fri 2025-03-14 "
        "(travel).",
        "Finger stretches: 0 of 1 today (excused) · streak 0 days",  # Thursday stays excused
    ]
    assert excused(hh, "daily") == [True, True, False, True, True, False, False]
    assert live_excuses(db) == [("daily", "2025-03-10", "2025-03-11", "travel"),
                                ("daily", "2025-03-13", "2025-03-14", "travel")]
    _, out, _ = hh("log")
    assert out.splitlines() == [  # not the 5 days taken back
        "Mon 2025-03-10 04:00  daily  excused       for 2 days, Mon 2025-03-10 to Tue 2025-03-11 (travel)",
        "Thu 2025-03-13 04:00  daily  excused       for 2 days, Thu 2025-03-13 to Fri 2025-03-14 (travel)",
    ]
    # Without a habit, every excuse on the days named goes, whichever habit it is for.
    code, out, _ = hh("unskip", "--from", "2025-03-09", "--to", "2025-03-16")
    assert out.splitlines()[:2] == [
        "Took back the excuse of Finger stretches for 2 days, Mon 2025-03-10 to Tue 2025-03-11 (travel).",
        "Took back the excuse of Finger stretches for 2 days, Thu 2025-03-13 to Fri 2025-03-14 (travel).",
    ]
    assert len(out.splitlines()) == 4  # and the standing of each habit
    assert excused(hh, "daily") == [False] * 7
    assert live_excuses(db) == []
    assert len(stored(db, "excuses")) == 3
    assert hh("log")[1] == "Nothing in the last 7 days.\n"


def test_unskip_of_one_habit_keeps_an_all_habit_excuse_for_the_others(hh: Run, db: Path) -> None:
    hh("skip", "--from", "2025-03-10", "--to", "2025-03-12", "--reason", "sick")
    code, out, _ = hh("unskip", "hand-massage", "--date", "2025-03-11")
    assert code == 0
    assert out.splitlines() == [
        "Took back Tue 2025-03-11 from the excuse of all habits for 3 days, Mon 2025-03-10 to Wed 2025-03-12 (sick) "
        "for Hand massage only.",
        "Hand massage: 0 of 2 today · streak 0 days",
    ]
    assert excused(hh, "hand-massage")[:4] == [True, False, True, False]
    assert excused(hh, "daily")[:4] == [True, True, True, False]
    assert live_excuses(db) == [("*", "2025-03-10", "2025-03-10", "sick"), ("*", "2025-03-12", "2025-03-12", "sick"),
                                ("daily", "2025-03-11", "2025-03-11", "sick")]
    # The other habit's day is an excuse of its own now, and is taken back as one.
    code, out, _ = hh("unskip", "daily", "--date", "2025-03-11")
    assert out.splitlines()[0] == "Took back the excuse of Finger stretches on Tue 2025-03-11 (sick)."
    assert excused(hh, "daily")[:4] == [True, False, True, False]


def test_unskip_with_nothing_to_take_back_says_so_and_changes_nothing(hh: Run, db: Path) -> None:
    assert hh("unskip") == (0, "No habit excused on Thu 2025-03-13; nothing to take back.\n", "")
    hh("skip", "daily", "--date", "2025-03-12")
    assert hh("unskip", "hand-massage", "--date", "yesterday") == (
        0, "Hand massage not excused on Wed 2025-03-12; nothing to take back.\n", "")
    assert hh("unskip", "daily", "--from", "2025-03-13", "--to", "2025-03-20") == (
        0, "Finger stretches not excused for 8 days, Thu 2025-03-13 to Thu 2025-03-20; nothing to take back.\n", "")
    assert live_excuses(db) == [("daily", "2025-03-12", "2025-03-12", None)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "today", "--from", "2025-03-10", "--to", "2025-03-11"], "give --date or --from/--to, not both"),
        (["--to", "2025-03-10"], "give --from and --to together (for one day use --date)"),
        (["--from", "2025-03-12", "--to", "2025-03-10"], "--from 2025-03-12 is after --to 2025-03-10"),
        (["--from", "2025-01-01", "--to", "2026-01-02"],
         "--from 2025-01-01 --to 2026-01-02 is more than 366 days (take back a year at most)"),
        (["--date", "someday"], '"someday" is not a date (use YYYY-MM-DD, "today" or "yesterday")'),
        (["nails"], 'no habit "nails" in the config (known: hand-massage, daily)'),
        (["--reason", "sick"], "No such option '--reason'. (see `handhabit unskip --help`)"),
    ],
)
def test_unskip_mistakes_are_one_line_and_change_nothing(hh: Run, db: Path, args: list[str], message: str) -> None:
    hh("skip", "--date", "2025-03-10")
    before = stored(db, "excuses")
    assert hh("unskip", *args) == (2, "", f"handhabit: {message}\n")
    assert stored(db, "excuses") == before


# --- streak --weeks ----------------------------------------------------------------------------------


def test_streak_weeks_draws_a_heatmap(hh: Run) -> None:
    now = berlin(2025, 3, 13, 22, 0)  # Thursday evening
    for day in range(3, 13):  # Mon 3 Mar to Wed 12 Mar, once a day
        hh("done", "daily", "--at", f"2025-03-{day:02d}T20:00", now=now)
    hh("done", "daily", "--at", "2025-02-25T20:00", now=now)
    hh("skip", "daily", "--date", "2025-03-01", now=now)
    code, out, _ = hh("streak", "daily", "--weeks", "3", now=now)
    assert code == 0
    lines = out.splitlines()
    assert lines[:3] == [
        "Finger stretches: streak 10 days, best 10, strength 44%",
        "2025-02-24 to 2025-03-16: 11 of 15 due days met",  # from the first session, Tue 25 Feb
        "      Mar",  # over the first week starting in March; no room for Feb before it
    ]
    assert lines[3:10] == [
        "Mon   ✓ ✓",  # before the first session: blank
        "Tue ✓ ✓ ✓",
        "Wed · ✓ ✓",
        "Thu · ✓ ·",  # today, still open
        "Fri · ✓",
        "Sat ⊘ ✓",
        "Sun · ✓",
    ]
    assert lines[-1] == "✓ met  ◐ partial  · none  – not due  ⊘ excused  blank: not yet begun"


def test_streak_weeks_and_json_do_not_mix(hh: Run) -> None:
    code, _, err = hh("streak", "--weeks", "4", "--json")
    assert (code, err) == (2, "handhabit: --weeks draws a heatmap, --json prints one week: give one of them\n")
    code, _, err = hh("streak", "--weeks", "0")
    assert code == 2 and err.startswith("handhabit: Invalid value for '--weeks': 0 is not in the range 1<=x<=520.")


# --- pause, resume, status, log ----------------------------------------------------------------------


def test_pause_for_a_duration_until_a_time_or_to_the_end_of_the_day(hh: Run, db: Path) -> None:
    assert hh("pause", "45m")[1] == (
        "Paused: no reminders until Thu 2025-03-13 10:45 (`handhabit resume` ends it sooner).\n")
    assert hh("pause", "--until", "09:30")[1].startswith("Paused: no reminders until Fri 2025-03-14 09:30, tomorrow ")
    assert hh("pause", "--until", "2025-03-13T23:00")[1].startswith("Paused: no reminders until Thu 2025-03-13 23:00 ")
    # With neither, the pause ends with the logical day: 04:00 tomorrow.
    assert hh("pause")[1].startswith("Paused: no reminders until Fri 2025-03-14 04:00, tomorrow ")
    assert [row[4:] for row in stored(db, "events")][-1] == ("paused", "2025-03-14T03:00:00Z")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["1h", "--until", "14:00"], "give a DURATION or --until, not both"),
        (["soon"], '"soon" is not a duration (e.g. "45s", "10m", "1h30m")'),
        (["--until", "2025-03-13T09:00"], "--until 2025-03-13T09:00 is in the past"),
        (["--until", "teatime"], '"teatime" is not a time (use e.g. 14:00 or 2025-03-11T21:00)'),
        (["--until", "25:99"], '"25:99" is not a time (use e.g. 14:00 or 2025-03-11T21:00)'),
    ],
)
def test_pause_mistakes_change_nothing(hh: Run, db: Path, args: list[str], message: str) -> None:
    assert hh("pause", *args) == (2, "", f"handhabit: {message}\n")
    assert stored(db, "events") == []


def test_status_shows_pause_and_next_reminders_then_resume_ends_the_pause(hh: Run, tmp_path: Path) -> None:
    code, out, _ = hh("status")
    assert code == 0
    assert out.splitlines()[0] == (
        "handhabit is not running: start it with `handhabit service install` (or `handhabit run`).")
    assert out.splitlines()[2:] == ["Not paused.", "Next reminders:", "  Thu 2025-03-13 22:30  bedtime"]
    hh("pause", "--until", "23:00")
    assert hh("status")[1].splitlines()[2:] == [
        "Paused until Thu 2025-03-13 23:00.", "Next reminders:", "  Thu 2025-03-13 22:30  bedtime (held: paused)"]
    assert hh("resume") == (0, "Resumed: reminders are on again.\n", "")
    assert hh("resume") == (0, "Not paused: reminders are on; nothing changed.\n", "")
    assert hh("status")[1].splitlines()[2] == "Not paused."


def test_status_names_the_running_daemons_pid(hh: Run, db: Path) -> None:
    from handhabit.daemon.instance import one_daemon

    with one_daemon(db, warn=pytest.fail):
        assert hh("status")[1].splitlines()[0] == f"handhabit is running (pid {os.getpid()})."


def test_log_lists_events_and_sessions_in_time_order(hh: Run, db: Path) -> None:
    from handhabit.core.records import Event
    from handhabit.store import Store

    store = Store(db)
    store.add_event(Event("e1", berlin(2025, 3, 12, 22, 30), "bedtime", "hand-massage", "fired", "plyer"))
    store.add_event(Event("e2", berlin(2025, 3, 1, 22, 30), "bedtime", "hand-massage", "missed", "too late"))
    store.close()
    hh("done", "hand-massage", "--at", "2025-03-12T22:40", "--minutes", "5")
    hh("pause", "1h")
    code, out, _ = hh("log")
    assert code == 0
    assert out.splitlines() == [
        "Wed 2025-03-12 22:30  bedtime       fired         plyer",
        "Wed 2025-03-12 22:40  hand-massage  done          backfill, 5 min",
        "Thu 2025-03-13 10:00                paused        until Thu 2025-03-13 11:00",
    ]
    assert "missed" in hh("log", "--days", "30")[1]
    assert hh("log", "--days", "1", now=berlin(2025, 6, 1, 12))[1] == "Nothing in the last 1 day.\n"
