"""The check-in on the record (habits.md): how the hands feel after a session and the discomfort at its time,
given with `done`, shown by `log` and `streak --json`, carried by the export and sync, refused when out of
range. The CLI runs as a process on a real database; the summary and the rules are pure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from handhabit.core.check_in import check_ins
from handhabit.core.records import Session, session_flaws
from handhabit.interchange.journal import encode, read_lines
from handhabit.store import Store

ROOT = Path(__file__).resolve().parent.parent
AT = datetime(2025, 3, 10, 19, tzinfo=timezone.utc)


def session(**check_in: object) -> Session:
    return Session("s-1", "hand-massage", AT, "UTC", date(2025, 3, 10), 5.0, "cli", None, AT, **check_in)  # type: ignore[arg-type]


def test_the_summary_counts_each_answer_and_the_mean_rating() -> None:
    summary = check_ins([("better", 3), ("better", None), ("same", 4), (None, 6), (None, None)])
    assert summary.feel == {"better": 2, "same": 1, "worse": 0}
    assert summary.discomfort == pytest.approx(13 / 3, abs=0.01)
    assert check_ins([]).as_json() == {"week_feel": {"better": 0, "same": 0, "worse": 0}, "week_discomfort": None}


def test_the_summary_passes_over_what_no_session_can_hold() -> None:
    """A hand edit of the database must not stop `streak --json`: such values count in neither."""
    summary = check_ins([("meh", 11), ("BETTER", -1), (1, "3"), (None, True), ("worse", 10)])
    assert (summary.feel, summary.discomfort) == ({"better": 0, "same": 0, "worse": 1}, 10)


@pytest.mark.parametrize(("check_in", "field"), [
    ({"feel": "meh"}, "feel"), ({"feel": ""}, "feel"), ({"discomfort": 11}, "discomfort"),
    ({"discomfort": -1}, "discomfort"), ({"discomfort": True}, "discomfort"), ({"discomfort": 2.5}, "discomfort"),
])
def test_a_session_with_an_answer_out_of_range_is_no_session(check_in: dict[str, object], field: str) -> None:
    assert [flaw.field for flaw in session_flaws(session(**check_in))] == [field]


def test_every_answer_in_range_makes_a_valid_session() -> None:
    for feel in ("better", "same", "worse", None):
        for discomfort in (0, 5, 10, None):
            assert session_flaws(session(feel=feel, discomfort=discomfort)) == []


def test_a_session_with_its_check_in_goes_through_the_journal_to_another_database(tmp_path: Path) -> None:
    sent = session(feel="worse", discomfort=7)
    reading = read_lines(encode(sent))
    assert reading.changes == (sent,)
    other = Store(tmp_path / "other.db", journaling=True)
    try:
        other.merge("devices/a/2025-03.jsonl", reading.changes, reading.end)
        assert other.sessions() == [sent]
        assert other.check_ins("hand-massage", date(2025, 3, 10), date(2025, 3, 16)) == [("worse", 7)]
    finally:
        other.close()


# the CLI, as a process


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HANDHABIT_", "XDG_", "DBUS_"))}
    return {**base, "PYTHONPATH": str(ROOT), "TZ": "UTC", "HOME": str(tmp_path),
            "HANDHABIT_DB": str(tmp_path / "hh.db"), "HANDHABIT_CONFIG": str(tmp_path / "none.toml")}


def hh(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "handhabit", *args], env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.process
def test_done_with_the_check_in_shows_in_log_streak_json_and_the_export_and_survives_an_import(
    env: dict[str, str], tmp_path: Path,
) -> None:
    assert hh(env, "done", "--feel", "better", "--discomfort", "3").returncode == 0
    assert hh(env, "done", "--feel", "same").returncode == 0
    assert hh(env, "done", "--discomfort", "6").returncode == 0
    assert hh(env, "done").returncode == 0
    log = hh(env, "log").stdout
    assert "felt better, discomfort 3" in log and "felt same" in log and "discomfort 6" in log
    habit = json.loads(hh(env, "streak", "--json").stdout)["habits"][0]
    assert (habit["week_feel"], habit["week_discomfort"]) == ({"better": 1, "same": 1, "worse": 0}, 4.5)
    export = hh(env, "export")
    document = json.loads(export.stdout)
    assert document["version"] == 3
    assert sorted((s["feel"] or "", s["discomfort"] or -1) for s in document["sessions"]) == [
        ("", -1), ("", 6), ("better", 3), ("same", -1)]

    backup = tmp_path / "backup.json"
    backup.write_text(export.stdout, encoding="utf-8")
    elsewhere = {**env, "HANDHABIT_DB": str(tmp_path / "elsewhere.db")}
    assert hh(elsewhere, "import", str(backup)).returncode == 0
    assert json.loads(hh(elsewhere, "export").stdout)["sessions"] == document["sessions"]


@pytest.mark.process
@pytest.mark.parametrize(("args", "says"), [
    (("--feel", "meh"), "'meh' is not one of 'better', 'same', 'worse'"),
    (("--discomfort", "11"), "11 is not in the range 0<=x<=10"),
    (("--discomfort", "-1"), "-1 is not in the range 0<=x<=10"),
    (("--discomfort", "lots"), "'lots' is not a valid integer"),
])
def test_an_answer_out_of_range_is_one_line_exit_2_and_records_nothing(
    env: dict[str, str], args: tuple[str, ...], says: str,
) -> None:
    refused = hh(env, "done", *args)
    assert refused.returncode == 2 and says in refused.stderr, refused.stderr
    assert json.loads(hh(env, "streak", "--json").stdout)["habits"][0]["week_sessions"] == 0


@pytest.mark.process
def test_an_import_with_a_check_in_out_of_range_changes_nothing(env: dict[str, str], tmp_path: Path) -> None:
    record = {"id": "s-1", "habit": "hand-massage", "at_utc": "2025-03-10T19:00:00Z", "tz": "UTC",
              "logical_date": "2025-03-10", "minutes": 5.0, "source": "cli", "note": None,
              "recorded_utc": "2025-03-10T19:00:00Z", "deleted_utc": None, "feel": "great", "discomfort": 12}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "handhabit-export", "version": 3, "sessions": [record], "excuses": [],
                               "events": []}), encoding="utf-8")
    refused = hh(env, "import", str(bad))
    assert refused.returncode != 0 and "sessions[0].feel" in refused.stderr, refused.stderr
    assert json.loads(hh(env, "export").stdout)["sessions"] == []
