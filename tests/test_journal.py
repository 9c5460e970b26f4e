"""The sync journal and the merge it feeds, the pure part (`handhabit.sync`): lines as bytes and back, the
partial-line and stop-at-a-bad-line rules of reading, which files are journals, what merging means; then
the property that says it all: whatever the order, the repeats, the conflict copies and the byte
boundaries the files are read at, merging gives what merging every journal once, in order, gives."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from itertools import chain

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handhabit.core.records import TABLE_OF, Deletion, Event, Excuse, Session, utc_text
from handhabit.interchange.journal import MOST_LINE, Change, Position, Reading, encode, journals, read_lines
from tests.merge_oracle import History, merge

UTC = timezone.utc
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SESSION = Session("s-1", "hand-massage", T0, "Europe/Berlin", date(2026, 11, 25), 5.0, "cli", "après ☕",
                  T0 + timedelta(seconds=2))
UNDONE = replace(SESSION, id="s-2", minutes=None, note=None, deleted_utc=T0 + timedelta(minutes=5))
EXCUSE = Excuse("e-1", "*", date(2026, 12, 24), date(2026, 12, 26), "holidays")
TAKEN_BACK = replace(EXCUSE, id="e-2", habit="hand-massage", reason=None, deleted_utc=T0)
EVENT = Event("v-1", T0 + timedelta(minutes=30), None, None, "paused", utc_text(T0 + timedelta(hours=2)))
MARK = Deletion("sessions", "s-1", T0 + timedelta(minutes=10))
EVERY_KIND = [SESSION, UNDONE, EXCUSE, TAKEN_BACK, EVENT, MARK, Deletion("excuses", "e-1", T0)]


@pytest.mark.parametrize("change", EVERY_KIND, ids=lambda change: f"{type(change).__name__}-{change.id}")
def test_every_kind_of_change_comes_back_as_it_went(change: Change) -> None:
    line = encode(change)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert read_lines(line) == Reading((change,), Position(len(line), 2))


def test_a_line_is_compact_json_with_sorted_keys() -> None:
    assert encode(MARK) == b'{"deleted":{"deleted_utc":"2026-11-25T09:10:00Z","id":"s-1","table":"sessions"},"v":1}\n'
    assert encode(SESSION).decode().startswith('{"session":{"at_utc":"2026-11-25T09:00:00Z","deleted_utc":null,')
    assert "après ☕" in encode(SESSION).decode()  # UTF-8 as written, like the export


def test_a_partial_last_line_is_left_for_next_time() -> None:
    first, second, third = encode(SESSION), encode(EXCUSE), encode(MARK)
    data = first + second + third
    cut = len(first) + len(second) - 1  # the sync tool has written all of the second line but its "\n"
    reading = read_lines(data[:cut])
    assert reading == Reading((SESSION,), Position(len(first), 2))
    reading = read_lines(data[reading.end.offset:], reading.end)  # the next reading, once the file is whole
    assert reading == Reading((EXCUSE, MARK), Position(len(data), 4))
    assert read_lines(b"", reading.end) == Reading((), reading.end)


def test_a_line_of_a_newer_version_stops_the_file_there() -> None:
    newer = b'{"session":{"id":"s-9"},"v":2}\n'
    data = encode(SESSION) + newer + encode(EXCUSE)
    reading = read_lines(data)
    assert reading.changes == (SESSION,)  # and nothing after the line it cannot read
    assert reading.end == Position(len(encode(SESSION)), 2)
    assert str(reading.problem) == (f"line 2 (byte {len(encode(SESSION))}): v: 2 is from a newer handhabit "
                                    "(upgrade handhabit on this machine to read it; this one reads version 1)")
    again = read_lines(data[reading.end.offset:], reading.end)  # resumed: the same line, named the same way
    assert again == Reading((), reading.end, reading.problem)


def test_a_problem_is_named_where_the_file_has_it() -> None:
    reading = read_lines(encode(EVENT) + b"{}\n", Position(1000, 40))
    assert str(reading.problem).startswith(f"line 41 (byte {1000 + len(encode(EVENT))}): ")


REPAIR = "passed over; the lines after it are read"
BAD_LINES = [
    pytest.param(b"\n", f"is not JSON: Expecting value at column 1 ({REPAIR})", id="empty"),
    pytest.param(b'{"v":1,"session":\n', f"is not JSON: Expecting value at column 18 ({REPAIR})", id="cut-off"),
    pytest.param(b'{"v":1,"note":"\xe9"}\n', f"byte 15 of the line is not UTF-8 ({REPAIR})", id="not-utf8"),
    pytest.param(b"[1]\n", f"is not a journal line (a JSON object) ({REPAIR})", id="not-an-object"),
    pytest.param(b'{"session":{}}\n', f'v: missing (every journal line has "v": 1; {REPAIR})', id="no-version"),
    pytest.param(b'{"v":"1"}\n', f'v: "1" is not a version handhabit wrote ({REPAIR})', id="version-text"),
    pytest.param(b'{"v":true}\n', f"v: true is not a version handhabit wrote ({REPAIR})", id="version-bool"),
    pytest.param(b'{"v":0}\n', f"v: 0 is not a version handhabit wrote ({REPAIR})", id="version-0"),
    pytest.param(b'{"v":1,"habit":{}}\n', 'holds no change (a line holds one of "session", "excuse", "event", '
                 f'"deleted"; {REPAIR})', id="no-change"),
    pytest.param(b'{"v":1,"session":{},"deleted":{}}\n', 'holds session and deleted (a line holds one of '
                 f'"session", "excuse", "event", "deleted"; {REPAIR})', id="two-changes"),
    pytest.param(b'{"v":1,"event":[]}\n', 'event: is a list, not an object (write each event as {"id": …})',
                 id="record-not-an-object"),
    pytest.param(encode(SESSION).replace(b'"minutes":5.0', b'"minutes":"5"'),
                 "session.minutes: is a string, not a number (write minutes as a number, e.g. 5.0, or null)",
                 id="import-rules"),
    pytest.param(encode(SESSION).replace(b'"tz":"Europe/Berlin"', b'"tz":"Mars/Base"'),
                 'session.tz: "Mars/Base" is not a time zone (use an IANA name such as "Europe/Berlin")',
                 id="store-rules"),
    pytest.param(b'{"deleted":{"deleted_utc":"2026-11-25T09:10:00Z","id":"v-1","table":"events"},"v":1}\n',
                 'deleted.table: "events" is not a table records are deleted from (use one of sessions, excuses)',
                 id="events-are-never-deleted"),
    pytest.param(b'{"deleted":{"id":"s-1","table":"sessions"},"v":1}\n', 'deleted.deleted_utc: missing (every '
                 'deletion mark needs deleted_utc, e.g. "2025-03-10T19:05:00Z")', id="mark-without-time"),
]


@pytest.mark.parametrize(("line", "problem"), BAD_LINES)
def test_a_damaged_line_followed_by_a_whole_line_is_passed_over_with_one_problem(line: bytes, problem: str) -> None:
    """No device can repair another's file: a line a crash or a full disk cut, or one no handhabit wrote,
    must not hold back the lines after it for the rest of the month."""
    data = encode(SESSION) + line + encode(EXCUSE)
    reading = read_lines(data)
    assert reading.changes == (SESSION, EXCUSE) and reading.problem is None
    assert reading.end == Position(len(data), 4)
    assert [str(passed) for passed in reading.passed_over] == [f"line 2 (byte {len(encode(SESSION))}): {problem}"]
    assert "\n" not in str(reading.passed_over[0])


@pytest.mark.parametrize(("line", "problem"), BAD_LINES[:3])
def test_a_damaged_last_line_waits_for_a_whole_line_after_it(line: bytes, problem: str) -> None:
    data = encode(SESSION) + line
    reading = read_lines(data)
    assert reading.changes == (SESSION,) and reading.passed_over == ()
    assert str(reading.problem) == f"line 2 (byte {len(encode(SESSION))}): {problem}"
    later = read_lines(data[reading.end.offset:] + encode(EXCUSE), reading.end)  # the next line has come
    assert later.changes == (EXCUSE,) and later.problem is None and len(later.passed_over) == 1


def test_a_line_longer_than_any_handhabit_writes_is_passed_over_and_never_read_whole() -> None:
    long = b'{"v":1,"session":{"note":"' + b"x" * MOST_LINE + b'"}}\n'
    reading = read_lines(encode(SESSION) + long + encode(EXCUSE))
    assert reading.changes == (SESSION, EXCUSE)
    assert f"is {len(long) - 1:,} bytes long" in str(reading.passed_over[0])
    unended = read_lines(encode(SESSION) + long[:-1])  # no end yet, and already too long to be a line
    assert unended.changes == (SESSION,) and "has not ended yet" in str(unended.problem)


def test_a_record_from_too_far_ahead_waits_and_is_never_skipped() -> None:
    """Another machine's clock more than a day ahead: its line is read once this clock gets there."""
    data = encode(SESSION) + encode(EXCUSE)
    early = read_lines(data, now=T0 - timedelta(days=2))
    assert early.changes == () and early.end == Position() and early.passed_over == ()
    assert "more than a day ahead of this clock" in str(early.problem)
    assert read_lines(data, now=T0).changes == (SESSION, EXCUSE)


@pytest.mark.parametrize("deleted", [datetime(1970, 1, 1, 12, tzinfo=UTC), T0 + timedelta(days=3)],
                         ids=["1970", "future"])
def test_a_deletion_that_cannot_be_honest_is_refused_and_the_record_stays(deleted: datetime) -> None:
    mark, copy = Deletion("sessions", "s-1", deleted), replace(SESSION, id="s-3", deleted_utc=deleted)
    reading = read_lines(encode(mark) + encode(copy) + encode(EXCUSE), now=T0)
    assert reading.changes == (replace(copy, deleted_utc=None), EXCUSE)  # the record, without the deletion
    assert [problem.at.line for problem in reading.passed_over] == [1, 2]
    assert all("cannot be when it was deleted" in str(problem) for problem in reading.passed_over)


def test_a_record_without_its_dishonest_deletion_is_still_held_to_the_length_bounds() -> None:
    long = replace(SESSION, note="n" * 10_001, deleted_utc=T0 + timedelta(days=9))
    reading = read_lines(encode(long) + encode(EXCUSE), now=T0)
    assert reading.changes == (EXCUSE,)
    assert ["cannot be when" in str(p) or "10,001 characters" in str(p) for p in reading.passed_over] == [True]


@pytest.mark.parametrize(("change", "field"), [
    (replace(SESSION, note="n" * 10_001), "session.note: is 10,001 characters long (use at most 10,000"),
    (replace(EXCUSE, reason="r" * 1_001), "excuse.reason: is 1,001 characters long (use at most 1,000"),
    (replace(EVENT, kind="k" * 41), "event.kind: is 41 characters long (use at most 40"),
    (replace(SESSION, habit="h" * 65), "session.habit: is 65 characters long (use at most 64"),
    (Deletion("sessions", "i" * 129, T0), "deleted.id: is 129 characters long (use at most 128"),
], ids=["note", "reason", "kind", "habit", "id"])
def test_texts_longer_than_a_command_takes_are_refused_as_from_the_command(change: Change, field: str) -> None:
    reading = read_lines(encode(change) + encode(EXCUSE), now=T0)
    assert reading.changes == (EXCUSE,)
    assert field in str(reading.passed_over[0])


def test_journals_are_months_and_the_sync_tools_conflict_copies_of_them() -> None:
    found = [
        "2026-11.jsonl",
        "2026-11.sync-conflict-20261125-101010-ABCDEFG.jsonl",  # Syncthing
        "2026-11 (Alice's conflicted copy 2026-11-25).jsonl",  # Dropbox
        "2026-11 (Alices in Konflikt stehende Kopie 2026-11-25).jsonl",  # Dropbox, in German
        "2026-11 (conflicted copy 2026-11-25 101010).jsonl",  # Nextcloud
        "2026-10.jsonl",
    ]
    ignored = [
        ".syncthing.2026-11.jsonl.tmp", "~syncthing~2026-11.jsonl.tmp", ".DS_Store", "Thumbs.db", ".stfolder",
        "2026-11.jsonl.part", "2026-11.json", "notes.jsonl", "2026-1.jsonl", "x2026-11.jsonl",
    ]
    assert journals(ignored + found) == sorted(found)


def test_merge_inserts_by_id_and_never_changes_a_record_by_an_insert() -> None:
    edited = replace(SESSION, note="edited elsewhere")
    history = merge(History(), [SESSION, edited, EVENT, EVENT])
    assert history == History({("sessions", "s-1"): SESSION, ("events", "v-1"): EVENT})


def test_merge_deletes_at_the_earliest_mark_and_a_record_never_comes_back() -> None:
    later, earlier = replace(MARK, deleted_utc=T0 + timedelta(hours=1)), replace(MARK, deleted_utc=T0)
    history = merge(History(), [SESSION, later, earlier, later, SESSION])
    assert history.records[("sessions", "s-1")] == replace(SESSION, deleted_utc=T0)
    copy_deleted_earlier = replace(SESSION, deleted_utc=T0 - timedelta(hours=1))
    history = merge(history, [copy_deleted_earlier])  # a copy that came deleted is its own mark
    assert history.records[("sessions", "s-1")] == copy_deleted_earlier


def test_a_mark_that_comes_before_its_record_waits_for_it() -> None:
    history = merge(History(), [MARK])
    assert history == History({}, {("sessions", "s-1"): MARK.deleted_utc})
    assert merge(history, [SESSION]) == History({("sessions", "s-1"): replace(SESSION, deleted_utc=MARK.deleted_utc)})


# The property. Few ids, so that copies of one record, marks for it and repeats meet often; an id names
# one record everywhere (the precondition of insert-or-ignore), so copies differ only in deleted_utc.
WHEN = st.none() | st.sampled_from([T0 + timedelta(days=n) for n in range(3)])
SESSIONS = st.builds(lambda n, deleted: replace(SESSION, id=f"s{n}", at_utc=T0 + timedelta(hours=n),
                                                deleted_utc=deleted), st.integers(0, 3), WHEN)
EXCUSES = st.builds(lambda n, deleted: replace(EXCUSE, id=f"e{n}", deleted_utc=deleted), st.integers(0, 2), WHEN)
EVENTS = st.builds(lambda n: replace(EVENT, id=f"v{n}"), st.integers(0, 2))
MARKS = st.builds(lambda table, n, at: Deletion(table, f"{table[0]}{n}", at), st.sampled_from(["sessions", "excuses"]),
                  st.integers(0, 3), WHEN.filter(lambda at: at is not None))
JOURNALS = st.lists(st.lists(SESSIONS | EXCUSES | EVENTS | MARKS, max_size=8), min_size=1, max_size=4)


@settings(deadline=None)
@given(journals_=JOURNALS, data=st.data())
def test_any_order_repeats_copies_and_byte_boundaries_merge_the_same(journals_: list[list[Change]],
                                                                     data: st.DataObject) -> None:
    once = merge(History(), chain.from_iterable(journals_))
    for key, record in once.records.items():  # and what it gives is the earliest deletion of each record
        marked = [change.deleted_utc for change in chain.from_iterable(journals_) if _key(change) == key
                  and not isinstance(change, Event) and change.deleted_utc is not None]
        assert getattr(record, "deleted_utc", None) == min(marked, default=None)
    files = [b"".join(encode(change) for change in journal) for journal in journals_]
    # Each journal read whole at least once, in any order; more readings of any of them, some only of a
    # prefix cut anywhere (a conflict copy made mid-write, or a reading that lost its place).
    whole = data.draw(st.permutations(range(len(files))))
    again = data.draw(st.lists(st.tuples(st.integers(0, len(files) - 1), st.floats(0, 1)), max_size=4))
    copies = [files[n] for n in whole] + [files[n][: round(len(files[n]) * part)] for n, part in again]
    # Every copy read in pieces, as a file that grows while it syncs, the pieces of all copies interleaved.
    cuts = [[*sorted(data.draw(st.lists(st.integers(0, len(copy)), max_size=3))), len(copy)] for copy in copies]
    places = [Position()] * len(copies)
    history = History()
    while active := [n for n, left in enumerate(cuts) if left]:
        n = data.draw(st.sampled_from(active))
        visible = copies[n][: cuts[n].pop(0)]
        reading = read_lines(visible[places[n].offset:], places[n])
        assert reading.problem is None
        assert reading.end.offset == visible.rfind(b"\n") + 1 or reading.end == places[n]  # whole lines only
        places[n] = reading.end
        history = merge(history, reading.changes)
    assert [place.offset for place in places[: len(whole)]] == [len(files[n]) for n in whole]
    assert history == once
    assert merge(history, chain.from_iterable(journals_)) == once  # and merging again changes nothing


def _key(change: Change) -> tuple[str, str]:
    return (change.table, change.id) if isinstance(change, Deletion) else (TABLE_OF[type(change)], change.id)
