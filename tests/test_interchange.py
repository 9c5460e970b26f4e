"""`handhabit export` and `handhabit import`: the pure module, then the CLI on real SQLite files in a temp dir."""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handhabit.core.records import Event, Excuse, Session
from handhabit.interchange.export import CSV_COLUMNS
from handhabit.interchange.importing import BadImport, Records, read_export
from handhabit.store import InvalidRecord, Store, StoreError
from tests.builders import stored
from tests.exports import export_csv, export_json

ROOT = Path(__file__).parent.parent


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def session(id: str, at: str, tz: str = "Europe/Berlin", day: str = "2025-03-10", minutes: float | None = 5.0,
            note: str | None = None, deleted: str | None = None, habit: str = "hand-massage") -> Session:
    return Session(id=id, habit=habit, at_utc=utc(at), tz=tz, logical_date=date.fromisoformat(day), minutes=minutes,
                   source="cli", note=note, recorded_utc=utc(at), deleted_utc=utc(deleted) if deleted else None)


NOTE = 'after "lunch", with commas,\nand a second line: ünïcødé ✋ \\ \t'
SAMPLE = Records(
    sessions=[
        session("s-berlin", "2025-03-10T19:00:00", note=NOTE),
        session("s-new-york", "2025-03-11T01:30:00", tz="America/New_York", minutes=None),  # 21:30 EDT on the 10th
        session("s-kolkata", "2025-03-10T04:00:00", tz="Asia/Kolkata", day="2025-03-10", minutes=2.5,
                deleted="2025-03-10T04:05:00"),
        session("s-a-tie", "2025-03-10T19:00:00", note="same instant as s-berlin: the id decides"),
        session("s-late", "2025-03-12T20:45:00", minutes=12.0, note=""),
    ],
    excuses=[
        Excuse("x-one", "hand-massage", date(2025, 3, 20), date(2025, 3, 20), None),
        Excuse("x-all", "*", date(2025, 3, 14), date(2025, 3, 16), "vacation, at last"),
    ],
    events=[
        Event("e-3", utc("2025-03-10T21:30:00"), "bedtime", "hand-massage", "skipped", "target met"),
        Event("e-1", utc("2025-03-10T08:00:00"), "work-break", "hand-massage", "fired", None),
        Event("e-2", utc("2025-03-10T21:30:00"), "bedtime", "hand-massage", "fired", None),
        Event("e-4", utc("2025-03-11T06:00:00"), None, None, "missed", '{"late": "7h"}'),
    ],
)


def sample_document() -> dict[str, Any]:
    return json.loads(export_json(SAMPLE))  # type: ignore[no-any-return]


# the pure module


def test_export_is_the_spec_shape_in_content_order() -> None:
    text = export_json(SAMPLE)
    assert text.endswith("}\n") and text.startswith('{\n  "format": "handhabit-export",\n  "version": 3,\n')
    assert "ünïcødé ✋" in text  # kept readable, not \u-escaped
    document = json.loads(text)
    assert list(document) == ["format", "version", "sessions", "excuses", "events"]
    assert [s["id"] for s in document["sessions"]] == ["s-kolkata", "s-a-tie", "s-berlin", "s-new-york", "s-late"]
    assert [x["id"] for x in document["excuses"]] == ["x-all", "x-one"]
    assert [e["id"] for e in document["events"]] == ["e-1", "e-2", "e-3", "e-4"]
    assert document["sessions"][2] == {
        "id": "s-berlin", "habit": "hand-massage", "at_utc": "2025-03-10T19:00:00Z", "tz": "Europe/Berlin",
        "logical_date": "2025-03-10", "minutes": 5.0, "source": "cli", "note": NOTE,
        "recorded_utc": "2025-03-10T19:00:00Z", "deleted_utc": None, "feel": None, "discomfort": None,
    }
    assert document["sessions"][0]["deleted_utc"] == "2025-03-10T04:05:00Z"
    assert document["sessions"][3]["minutes"] is None
    assert document["excuses"][0] == {"id": "x-all", "habit": "*", "from_date": "2025-03-14",
                                      "to_date": "2025-03-16", "reason": "vacation, at last", "deleted_utc": None}
    assert document["events"][3] == {"id": "e-4", "at_utc": "2025-03-11T06:00:00Z", "reminder": None, "habit": None,
                                     "kind": "missed", "detail": '{"late": "7h"}'}


def test_export_does_not_depend_on_insertion_order() -> None:
    reversed_records = Records(SAMPLE.sessions[::-1], SAMPLE.excuses[::-1], SAMPLE.events[::-1])
    assert export_json(reversed_records) == export_json(SAMPLE)


def test_read_export_gives_back_the_records_and_the_same_bytes() -> None:
    text = export_json(SAMPLE)
    records = read_export(text.encode())
    assert sorted(records.sessions, key=lambda s: s.id) == sorted(SAMPLE.sessions, key=lambda s: s.id)
    assert sorted(records.excuses, key=lambda x: x.id) == sorted(SAMPLE.excuses, key=lambda x: x.id)
    assert sorted(records.events, key=lambda e: e.id) == sorted(SAMPLE.events, key=lambda e: e.id)
    assert export_json(records) == text


@given(note=st.text(), minutes=st.none() | st.floats(min_value=0.001, max_value=1440))
def test_any_note_and_minutes_survive_a_round_trip(note: str, minutes: float | None) -> None:
    records = Records([session("s", "2025-03-10T19:00:00", note=note, minutes=minutes)])
    text = export_json(records)
    assert read_export(text.encode()) == records
    assert export_json(read_export(text.encode())) == text


def test_import_normalises_instants_keeps_logical_dates_and_ignores_unknown_fields() -> None:
    document = {
        "format": "handhabit-export", "version": 1, "added_in_version_3": {"anything": [1, 2]},
        "sessions": [{"id": "s", "habit": "hand-massage", "at_utc": "2025-03-10T20:00:00.750+01:00",
                      "tz": "Europe/Berlin", "logical_date": "2025-03-09", "minutes": 5, "source": "import",
                      "recorded_utc": "2025-03-10T19:00:02z", "colour": "blue"}],
    }  # no excuses or events lists, no note or deleted_utc: all mean none
    records = read_export(json.dumps(document).encode("utf-8-sig"))  # a BOM from a Windows editor is fine too
    assert records == Records([Session("s", "hand-massage", utc("2025-03-10T19:00:00"), "Europe/Berlin",
                                       date(2025, 3, 9), 5.0, "import", None, utc("2025-03-10T19:00:02"))])
    assert isinstance(records.sessions[0].minutes, float)
    assert json.loads(export_json(records))["sessions"][0]["at_utc"] == "2025-03-10T19:00:00Z"


def change(*path: str | int, to: Any = ..., raw: bytes | None = None) -> Callable[[dict[str, Any]], bytes]:
    """An edit of the sample export: set (or, without `to`, delete) one value; `raw` replaces the whole file."""

    def edit(document: dict[str, Any]) -> bytes:
        if raw is not None:
            return raw
        document = copy.deepcopy(document)
        target: Any = document
        for step in path[:-1]:
            target = target[step]
        if to is ...:
            del target[path[-1]]
        else:
            target[path[-1]] = to
        return json.dumps(document).encode()

    return edit


def several(document: dict[str, Any]) -> bytes:
    document = copy.deepcopy(document)
    document["sessions"][1]["tz"] = "Berlin"
    document["sessions"][3]["minutes"] = -1
    document["events"][0]["kind"] = None
    return json.dumps(document).encode()


REEXPORT = "import a file written by `handhabit export --format json`"
MALFORMED = [
    pytest.param(change(raw=b'{"format": "handhabit-export",\n  "version": 1,\n  "sessions": [}\n'),
                 "line 3 column 16: is not JSON: Expecting value (fix the file there, or " + REEXPORT + ")",
                 id="not-json"),
    pytest.param(change(raw=b""), f"is empty ({REEXPORT})", id="empty"),
    pytest.param(change(raw=b'{"format": "\xe9t\xe9"}'), f"byte 12: is not UTF-8 text ({REEXPORT})", id="not-utf8"),
    pytest.param(change(raw=b"[]"), f"holds a list, not an export object ({REEXPORT})", id="not-an-object"),
    pytest.param(change("format", to="habitica"), f'format: "habitica" is not "handhabit-export" ({REEXPORT})',
                 id="wrong-format"),
    pytest.param(change("format"), f'format: missing ({REEXPORT}; it starts with "format": "handhabit-export")',
                 id="no-format"),
    pytest.param(change("version"), 'version: missing (a handhabit export says "version": 3)', id="no-version"),
    pytest.param(change("version", to=4),
                 "version: 4 is from a newer handhabit (upgrade handhabit to import it; this one reads versions 1 "
                 "to 3)", id="newer-version"),
    pytest.param(change("version", to="1"), 'version: "1" is not a version number (this handhabit reads versions '
                 '1 to 3)', id="version-as-text"),
    pytest.param(change("version", to=0), f"version: 0 is not a version handhabit ever wrote ({REEXPORT})",
                 id="version-0"),
    pytest.param(change("sessions", to={}), "sessions: is an object, not a list (write sessions as a list, [] if "
                 "there are none)", id="sessions-not-a-list"),
    pytest.param(change("excuses", to="none"), 'excuses: is a string, not a list (write excuses as a list, [] if '
                 'there are none)', id="excuses-not-a-list"),
    pytest.param(change("sessions"), "sessions: missing (an export has a list of sessions, [] when there are none)",
                 id="no-sessions"),
    pytest.param(change("events", 1, to="fired"), 'events[1]: is a string, not an object (write each event as '
                 '{"id": …})', id="record-not-an-object"),
    pytest.param(change("sessions", 2, "at_utc"), 'sessions[2].at_utc: missing (every session needs at_utc, e.g. '
                 '"2025-03-10T19:00:00Z")', id="missing-field"),
    pytest.param(change("sessions", 0, "habit", to=None), 'sessions[0].habit: is null (every session needs habit, '
                 'e.g. "hand-massage")', id="null-field"),
    pytest.param(change("sessions", 0, "minutes", to="5"), "sessions[0].minutes: is a string, not a number (write "
                 "minutes as a number, e.g. 5.0, or null)", id="minutes-as-text"),
    pytest.param(change("events", 2, "reminder", to=7), 'events[2].reminder: is a number, not a string (write it as '
                 'a string, e.g. "bedtime")', id="number-for-text"),
    pytest.param(change("sessions", 1, "at_utc", to="2025-02-30T19:00:00Z"), 'sessions[1].at_utc: '
                 '"2025-02-30T19:00:00Z" is not a date and time (use ISO 8601 with a zone, e.g. '
                 '"2025-03-10T19:00:00Z")', id="bad-instant"),
    pytest.param(change("sessions", 4, "recorded_utc", to="2025-03-12T20:45:00"), 'sessions[4].recorded_utc: '
                 '"2025-03-12T20:45:00" has no zone offset (add "Z" for UTC or an offset like "+01:00", e.g. '
                 '"2025-03-10T19:00:02Z")', id="instant-without-zone"),
    pytest.param(change("events", 0, "at_utc", to="0001-01-01T00:00:00+01:00"), 'events[0].at_utc: '
                 '0001-01-01T00:00:00Z is out of range (use a year from 1970 to 9999)', id="instant-out-of-range"),
    pytest.param(change("sessions", 3, "logical_date", to="2025-3-10"), 'sessions[3].logical_date: "2025-3-10" is '
                 'not a date (use YYYY-MM-DD, e.g. "2025-03-10")', id="bad-date"),
    pytest.param(change("excuses", 1, "from_date", to="2025-03-21"), 'excuses[1].from_date: 2025-03-21 is after '
                 'to_date 2025-03-20 (swap the two dates)', id="from-after-to"),
    pytest.param(change("excuses", 0, "deleted_utc", to="1969-12-31T23:00:00Z"), 'excuses[0].deleted_utc: '
                 '1969-12-31T23:00:00Z is out of range (use a year from 1970 to 9999)', id="excuse-deleted-too-early"),
    pytest.param(change("sessions", 1, "tz", to="Mars/Olympus_Mons"), 'sessions[1].tz: "Mars/Olympus_Mons" is not '
                 'a time zone (use an IANA name such as "Europe/Berlin")', id="unknown-zone"),
    pytest.param(change("sessions", 0, "minutes", to=0), "sessions[0].minutes: 0 is not a number of minutes a "
                 "session can last (use a number above 0 and at most 1440, or null)", id="zero-minutes"),
    pytest.param(change("sessions", 0, "minutes", to=-5.5), "sessions[0].minutes: -5.5 is not a number of minutes "
                 "a session can last (use a number above 0 and at most 1440, or null)", id="negative-minutes"),
    pytest.param(change("sessions", 0, "minutes", to=float("nan")), "sessions[0].minutes: nan is not a number of "
                 "minutes a session can last (use a number above 0 and at most 1440, or null)", id="nan-minutes"),
    pytest.param(change("sessions", 0, "minutes", to=float("inf")), "sessions[0].minutes: inf is not a number of "
                 "minutes a session can last (use a number above 0 and at most 1440, or null)", id="infinite-minutes"),
    pytest.param(change("sessions", 0, "minutes", to=True), "sessions[0].minutes: is true/false, not a number "
                 "(write minutes as a number, e.g. 5.0, or null)", id="boolean-minutes"),
    pytest.param(change("events", 0, "id", to=""), "events[0].id: is empty (give it a value, e.g. a UUID)",
                 id="empty-id"),
    pytest.param(change("events", 3, "id", to="e-2"), 'events[3].id: "e-2" is also the id of events[1] (ids must '
                 'be unique: remove the copy or give it a new UUID)', id="duplicate-id"),
    pytest.param(change("sessions", 4, "note", to="\ud800"), 'sessions[4].note: "\\ud800" holds a lone surrogate '
                 "escape (remove the \\ud800-\\udfff escape)", id="lone-surrogate"),
    pytest.param(several, 'sessions[1].tz: "Berlin" is not a time zone (use an IANA name such as "Europe/Berlin") '
                 '(and 2 more problems)', id="several-problems"),
]


@pytest.mark.parametrize(("edit", "message"), MALFORMED)
def test_a_malformed_file_is_refused_with_the_first_problem_and_a_count(
    edit: Callable[[dict[str, Any]], bytes], message: str
) -> None:
    with pytest.raises(BadImport) as refused:
        read_export(edit(sample_document()))
    assert str(refused.value) == message


def test_every_problem_is_listed_not_just_the_first() -> None:
    with pytest.raises(BadImport) as refused:
        read_export(several(sample_document()))
    assert [problem.field for problem in refused.value.problems] == [
        "sessions[1].tz", "sessions[3].minutes", "events[0].kind"]


DST = Records(sessions=[
    session("a-winter", "2025-03-29T19:00:00", day="2025-03-29", note='tired, "very"\nbut done'),
    session("b-summer", "2025-03-30T19:00:00", day="2025-03-30", minutes=None),
    session("c-undone", "2025-03-30T20:00:00", day="2025-03-30", deleted="2025-03-30T20:01:00"),
    session("d-autumn", "2025-10-26T19:00:00", day="2025-10-26", minutes=7.5),
    session("e-tokyo", "2025-10-26T15:00:00", tz="Asia/Tokyo", day="2025-10-27"),
])


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_csv_has_a_row_per_live_session_in_its_own_local_time_across_dst() -> None:
    rows = csv_rows(export_csv(DST.sessions))
    assert rows[0] == list(CSV_COLUMNS) == ["id", "habit", "logical_date", "at_local", "at_utc", "tz", "minutes",
                                            "source", "note", "recorded_utc"]
    assert rows[1:] == [
        ["a-winter", "hand-massage", "2025-03-29", "2025-03-29T20:00:00+01:00", "2025-03-29T19:00:00Z",
         "Europe/Berlin", "5.0", "cli", 'tired, "very"\nbut done', "2025-03-29T19:00:00Z"],
        ["b-summer", "hand-massage", "2025-03-30", "2025-03-30T21:00:00+02:00", "2025-03-30T19:00:00Z",
         "Europe/Berlin", "", "cli", "", "2025-03-30T19:00:00Z"],
        ["e-tokyo", "hand-massage", "2025-10-27", "2025-10-27T00:00:00+09:00", "2025-10-26T15:00:00Z",
         "Asia/Tokyo", "5.0", "cli", "", "2025-10-26T15:00:00Z"],
        ["d-autumn", "hand-massage", "2025-10-26", "2025-10-26T20:00:00+01:00", "2025-10-26T19:00:00Z",
         "Europe/Berlin", "7.5", "cli", "", "2025-10-26T19:00:00Z"],
    ]


# the CLI


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def hh(env: dict[str, str], *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "handhabit", *args], env=env, capture_output=True, timeout=60,
                            input=stdin)
    return subprocess.CompletedProcess(result.args, result.returncode, result.stdout.decode(), result.stderr.decode())


def fill(path: Path, records: Records) -> Path:
    """A database as the CLI and the daemon write it, through the store's everyday methods."""
    store = Store(path)
    for item in records.sessions:
        store.add_session(item)
    for excuse in records.excuses:
        store.add_excuse(excuse)
    for event in records.events:
        store.add_event(event)
    store.close()
    return path


def snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every record of every table, read with plain sqlite3 so the check does not trust the code it checks."""
    return {table: stored(path, table, order="id") for table in ("sessions", "excuses", "events")}


@pytest.mark.process
def test_export_then_import_into_a_fresh_database_exports_the_same_bytes(env: dict[str, str], tmp_path: Path) -> None:
    first = fill(tmp_path / "first.db", SAMPLE)
    store = Store(first)  # undo as a person does, on top of the sample's already-undone session
    undone = store.undo_last(utc("2025-03-13T08:00:00"))
    store.close()
    assert undone is not None and undone.id == "s-late"

    exported = hh(env, "--db", str(first), "export", "-o", str(tmp_path / "backup.json"))
    said = f"Exported 5 sessions, 2 excuses and 4 events to {tmp_path / 'backup.json'}.\n"
    assert (exported.returncode, exported.stdout, exported.stderr) == (0, said, "")
    backup = (tmp_path / "backup.json").read_bytes()
    assert backup == hh(env, "--db", str(first), "export", "--format", "json").stdout.encode()
    assert json.loads(backup)["sessions"][-1]["deleted_utc"] == "2025-03-13T08:00:00Z"
    assert [name for name in os.listdir(tmp_path) if name.endswith(".tmp")] == []  # no temp file left behind

    fresh = tmp_path / "fresh.db"
    imported = hh(env, "--db", str(fresh), "import", str(tmp_path / "backup.json"))
    assert (imported.returncode, imported.stderr) == (0, "")
    assert imported.stdout == f"Imported 5 sessions, 2 excuses and 4 events from {tmp_path / 'backup.json'}; " \
                              "0 already present.\n"
    again = hh(env, "--db", str(fresh), "export", "-o", str(tmp_path / "again.json"))
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "again.json").read_bytes() == backup
    assert snapshot(fresh) == snapshot(first)


def week_excused(env: dict[str, str], db: Path) -> list[bool]:
    """Which days of the week of Mon 2025-03-10 `streak --json` shows excused for the built-in habit."""
    shown = hh(env, "--db", str(db), "streak", "--json", "--week", "2025-03-10")
    assert shown.returncode == 0, shown.stderr
    return [day["excused"] for day in json.loads(shown.stdout)["habits"][0]["days"]]


@pytest.mark.process
def test_a_backup_keeps_taken_back_excuses_taken_back(env: dict[str, str], tmp_path: Path) -> None:
    first = tmp_path / "first.db"
    assert hh(env, "--db", str(first), "skip", "--from", "2025-03-10", "--to", "2025-03-14", "--reason",
              "travel").returncode == 0
    assert hh(env, "--db", str(first), "unskip", "--date", "2025-03-12").returncode == 0
    backup = hh(env, "--db", str(first), "export").stdout
    excuses = json.loads(backup)["excuses"]
    assert [(x["from_date"], x["to_date"], x["reason"], x["deleted_utc"] is None) for x in excuses] == [
        ("2025-03-10", "2025-03-11", "travel", True), ("2025-03-10", "2025-03-14", "travel", False),
        ("2025-03-13", "2025-03-14", "travel", True)]
    assert read_export(backup.encode()).excuses[1].deleted_utc is not None

    fresh = tmp_path / "fresh.db"
    imported = hh(env, "--db", str(fresh), "import", "-", stdin=backup.encode())
    assert imported.stdout == "Imported 0 sessions, 3 excuses and 0 events from stdin; 0 already present.\n"
    assert hh(env, "--db", str(fresh), "export").stdout == backup
    assert snapshot(fresh) == snapshot(first)
    assert week_excused(env, fresh) == week_excused(env, first) == [True, True, False, True, True, False, False]


@pytest.mark.process
def test_a_version_1_file_is_still_read_and_its_excuses_count(env: dict[str, str], tmp_path: Path) -> None:
    version_1 = {"format": "handhabit-export", "version": 1, "sessions": [], "events": [],
                 "excuses": [{"id": "x", "habit": "*", "from_date": "2025-03-11", "to_date": "2025-03-12",
                              "reason": "sick"}]}
    file = tmp_path / "old.json"
    file.write_text(json.dumps(version_1))
    assert read_export(file.read_bytes()).excuses == [Excuse("x", "*", date(2025, 3, 11), date(2025, 3, 12), "sick")]
    db = tmp_path / "hh.db"
    assert hh(env, "--db", str(db), "import", str(file)).returncode == 0
    assert week_excused(env, db) == [False, True, True, False, False, False, False]
    document = json.loads(hh(env, "--db", str(db), "export").stdout)
    assert document["version"] == 3
    assert document["excuses"] == [{**version_1["excuses"][0], "deleted_utc": None}]  # type: ignore[index]


def test_a_version_2_file_is_still_read_and_its_sessions_have_no_check_in() -> None:
    session = {"id": "s-1", "habit": "hand-massage", "at_utc": "2025-03-10T19:00:00Z", "tz": "UTC",
               "logical_date": "2025-03-10", "minutes": 5.0, "source": "cli", "note": None,
               "recorded_utc": "2025-03-10T19:00:00Z", "deleted_utc": None}
    version_2 = {"format": "handhabit-export", "version": 2, "sessions": [session], "excuses": [], "events": []}
    [read] = read_export(json.dumps(version_2).encode()).sessions
    assert (read.id, read.feel, read.discomfort) == ("s-1", None, None)


@pytest.mark.process
def test_importing_twice_changes_nothing(env: dict[str, str], tmp_path: Path) -> None:
    file = tmp_path / "sample.json"
    file.write_text(export_json(SAMPLE), encoding="utf-8")
    db = tmp_path / "hh.db"
    assert hh(env, "--db", str(db), "import", str(file)).returncode == 0
    before = snapshot(db)
    second = hh(env, "--db", str(db), "import", str(file))
    assert (second.returncode, second.stderr) == (0, "")
    assert second.stdout == f"Imported 0 sessions, 0 excuses and 0 events from {file}; 11 already present.\n"
    assert snapshot(db) == before


@pytest.mark.process
def test_importing_two_machines_exports_merges_them(env: dict[str, str], tmp_path: Path) -> None:
    shared = SAMPLE.sessions[0]
    piano = session("s-piano", "2025-03-11T18:00:00", habit="piano")
    laptop = fill(tmp_path / "laptop.db", Records(SAMPLE.sessions[:3], SAMPLE.excuses[:1], SAMPLE.events[:2]))
    desktop = fill(tmp_path / "desktop.db", Records([shared, *SAMPLE.sessions[3:], piano], SAMPLE.excuses[1:],
                                                    SAMPLE.events[2:]))
    for name, db in (("laptop", laptop), ("desktop", desktop)):
        assert hh(env, "--db", str(db), "export", "-o", str(tmp_path / f"{name}.json")).returncode == 0

    home_db = tmp_path / "home.db"
    from_laptop = hh(env, "--db", str(home_db), "import", str(tmp_path / "laptop.json"))
    assert from_laptop.stdout == f"Imported 3 sessions, 1 excuse and 2 events from {tmp_path / 'laptop.json'}; " \
                                 "0 already present.\n"
    from_desktop = hh(env, "--db", str(home_db), "import", str(tmp_path / "desktop.json"))
    assert from_desktop.returncode == 0, from_desktop.stderr
    assert from_desktop.stdout.splitlines() == [
        f"Imported 3 sessions, 1 excuse and 2 events from {tmp_path / 'desktop.json'}; 1 already present.",
        "Kept sessions of habits not in the config: piano (add them to the config to see their streaks).",
    ]
    union = Records([*SAMPLE.sessions, piano], SAMPLE.excuses, SAMPLE.events)
    assert hh(env, "--db", str(home_db), "export").stdout == export_json(union)


@pytest.mark.process
def test_import_reads_stdin(env: dict[str, str], tmp_path: Path) -> None:
    result = hh(env, "--db", str(tmp_path / "hh.db"), "import", "-", stdin=export_json(SAMPLE).encode())
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "Imported 5 sessions, 2 excuses and 4 events from stdin; 0 already present.\n"


@pytest.mark.parametrize(("edit", "message"), MALFORMED)
@pytest.mark.process
def test_a_malformed_import_is_one_line_exit_2_and_changes_nothing(
    env: dict[str, str], tmp_path: Path, edit: Callable[[dict[str, Any]], bytes], message: str
) -> None:
    db = fill(tmp_path / "hh.db", Records(SAMPLE.sessions[:1]))
    before = snapshot(db)
    file = tmp_path / "bad.json"
    document = sample_document()
    for item in document["sessions"]:  # all new to the database, so a partial write would show
        item["id"] = "new-" + item["id"]
    file.write_bytes(edit(document))
    result = hh(env, "--db", str(db), "import", str(file))
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"handhabit: {file}: {message}\n")
    assert snapshot(db) == before


@pytest.mark.process
def test_import_of_a_missing_file_is_one_line_exit_1(env: dict[str, str], tmp_path: Path) -> None:
    result = hh(env, "--db", str(tmp_path / "hh.db"), "import", str(tmp_path / "nope.json"))
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"handhabit: cannot read {tmp_path / 'nope.json'}: No such file or directory\n"


@pytest.mark.process
def test_csv_export_through_the_cli(env: dict[str, str], tmp_path: Path) -> None:
    db = fill(tmp_path / "hh.db", DST)
    result = hh(env, "--db", str(db), "export", "--format", "csv")
    assert (result.returncode, result.stderr) == (0, "")
    rows = csv_rows(result.stdout)
    assert rows[0] == list(CSV_COLUMNS)
    assert [(row[0], row[3]) for row in rows[1:]] == [
        ("a-winter", "2025-03-29T20:00:00+01:00"), ("b-summer", "2025-03-30T21:00:00+02:00"),
        ("e-tokyo", "2025-10-27T00:00:00+09:00"), ("d-autumn", "2025-10-26T20:00:00+01:00")]
    assert result.stdout.encode() == export_csv(DST.sessions).encode()


@pytest.mark.process
def test_export_to_a_file_replaces_it_and_a_missing_folder_is_one_line_exit_1(
    env: dict[str, str], tmp_path: Path
) -> None:
    db = fill(tmp_path / "hh.db", SAMPLE)
    out = tmp_path / "out" / "export.csv"
    out.parent.mkdir()
    out.write_text("an older export that is longer than the new one\n" * 100)
    written = hh(env, "--db", str(db), "export", "--format", "csv", "-o", str(out))
    live = sum(session.deleted_utc is None for session in SAMPLE.sessions)
    assert (written.returncode, written.stdout, written.stderr) == (0, f"Exported {live} sessions to {out}.\n", "")
    assert out.read_bytes() == export_csv(SAMPLE.sessions).encode()
    assert os.listdir(out.parent) == ["export.csv"]

    nowhere = tmp_path / "no-such-folder" / "export.json"
    failed = hh(env, "--db", str(db), "export", "-o", str(nowhere))
    assert (failed.returncode, failed.stdout) == (1, "")
    assert failed.stderr == f"handhabit: cannot write {nowhere}: No such file or directory\n"
    assert not nowhere.parent.exists()


def test_the_store_writes_an_import_in_one_transaction(tmp_path: Path) -> None:
    db = fill(tmp_path / "hh.db", Records(SAMPLE.sessions[:1]))
    with sqlite3.connect(db) as conn:  # a failure half way, after the sessions and excuses are written
        conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.id = 'e-4' "
                     "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
    before = snapshot(db)
    store = Store(db)
    with pytest.raises(StoreError, match="refused by the test"):
        store.import_records(SAMPLE.sessions, SAMPLE.excuses, SAMPLE.events)
    assert snapshot(db) == before  # events come last: the sessions and excuses before them did not stay
    with pytest.raises(InvalidRecord, match="the event's at_utc: 0999-12-31T00:00:00Z is out of range"):
        store.import_records([], [], [Event("e-old", utc("0999-12-31T00:00:00"), None, None, "fired", None)])
    assert store.import_records(SAMPLE.sessions, [], []) == {"sessions": 4, "excuses": 0, "events": 0}
    store.close()
    assert len(snapshot(db)["sessions"]) == len(before["sessions"]) + 4


