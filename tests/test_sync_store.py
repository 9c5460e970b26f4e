"""The database's side of sync: what a change made here leaves in the outbox, the history queued once, and
the merge of other devices' changes, held to the pure merge (`tests/merge_oracle.py`) as its oracle, on real SQLite."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from itertools import chain
from pathlib import Path

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from handhabit.core.excusing import TakeBack
from handhabit.core.records import TABLE_OF, Deletion, Event, Excuse, Session
from handhabit.interchange.journal import Change, Position, read_lines
from handhabit.interchange.rows import from_row
from handhabit.store import Store
from tests.merge_oracle import History, merge
from tests.test_journal import EVENT, EXCUSE, JOURNALS, SESSION, T0

UTC = timezone.utc
# The journal tests' records are from late 2026: the store takes none more than a day ahead of its clock.
LATER = time_machine.travel(datetime(2027, 1, 1, tzinfo=UTC), tick=False)


def lines(store: Store) -> list[Change]:
    data = b"".join(line for _, line in store.outbox())
    reading = read_lines(data)
    assert reading.problem is None and reading.end.offset == len(data)
    return list(reading.changes)


@LATER
def test_a_store_that_does_not_sync_leaves_nothing_in_the_outbox(tmp_path: Path) -> None:
    store = Store(tmp_path / "hh.db")
    store.add_session(SESSION)
    assert store.outbox() == []


@LATER
def test_every_change_made_here_leaves_its_line_in_the_same_transaction(tmp_path: Path) -> None:
    store = Store(tmp_path / "hh.db", journaling=True)
    store.add_session(SESSION)
    store.add_excuse(EXCUSE)
    store.add_event(EVENT)
    undone = store.undo_last(T0 + timedelta(minutes=1))
    assert undone is not None
    kept = replace(EXCUSE, id="e-kept", to_date=EXCUSE.from_date)
    store.take_back_excuses(lambda live: TakeBack((live[0],), (kept,)), T0 + timedelta(minutes=2))
    store.import_records([replace(SESSION, id="s-imported")], [], [])
    assert lines(store) == [
        SESSION, EXCUSE, EVENT, Deletion("sessions", SESSION.id, T0 + timedelta(minutes=1)),
        Deletion("excuses", EXCUSE.id, T0 + timedelta(minutes=2)), kept, replace(SESSION, id="s-imported"),
    ]
    store.sent(store.outbox()[:1])
    assert lines(store)[0] == EXCUSE


@LATER
def test_a_line_recorded_while_another_command_sends_is_not_taken_out_unsent(tmp_path: Path) -> None:
    """Two commands of one device sending at once: the slower read the outbox before the faster emptied
    it, and a third recorded a line since, which SQLite numbers like the one the slower is sending."""
    slower, faster = (Store(tmp_path / "hh.db", journaling=True) for _ in range(2))
    slower.add_session(SESSION)
    read_by_slower = slower.outbox()
    faster.sent(faster.outbox())
    faster.add_excuse(EXCUSE)
    slower.sent(read_by_slower)
    assert lines(slower) == [EXCUSE]


@LATER
def test_the_history_from_before_sync_is_queued_once(tmp_path: Path) -> None:
    plain = Store(tmp_path / "hh.db")
    plain.add_session(SESSION)
    plain.undo_last(T0 + timedelta(minutes=1))
    plain.add_excuse(EXCUSE)
    plain.close()
    store = Store(tmp_path / "hh.db", journaling=True)
    assert store.queue_history() == 2
    assert lines(store) == [replace(SESSION, deleted_utc=T0 + timedelta(minutes=1)), EXCUSE]
    assert store.queue_history() == 0


def test_the_device_id_is_made_once_and_kept(tmp_path: Path) -> None:
    store = Store(tmp_path / "hh.db")
    made = store.device_id()
    store.close()
    assert Store(tmp_path / "hh.db").device_id() == made
    assert Store(tmp_path / "other.db").device_id() != made


def held(store: Store) -> dict[tuple[str, str], object]:
    rows = store.all_rows()
    kinds: tuple[type[Session] | type[Excuse] | type[Event], ...] = (Session, Excuse, Event)
    records = [from_row(kind, {k: v for k, v in row.items() if k != "seq"})
               for kind, table in zip(kinds, (rows.sessions, rows.excuses, rows.events), strict=True)
               for row in table]
    return {(TABLE_OF[type(r)], r.id): r for r in records}


@LATER
@settings(deadline=None, max_examples=60)
@given(journals_=JOURNALS, data=st.data())
def test_the_database_merges_as_the_pure_merge_says_in_any_order_and_again(
    tmp_path_factory: pytest.TempPathFactory, journals_: list[list[Change]], data: st.DataObject
) -> None:
    oracle = merge(History(), chain.from_iterable(journals_))
    store = Store(tmp_path_factory.mktemp("db") / "hh.db")
    order = data.draw(st.permutations(range(len(journals_))))
    for n in [*order, *data.draw(st.lists(st.sampled_from(order), max_size=3))]:
        store.merge(f"devices/d{n}/2026-11.jsonl", journals_[n], Position(1, 2))
    assert held(store) == dict(oracle.records)
    pending = {(tbl, rid): at for tbl, rid, at in store.conn.execute("SELECT tbl, id, deleted_utc FROM sync_pending")}
    assert pending == {key: at.strftime("%Y-%m-%dT%H:%M:%SZ") for key, at in oracle.pending.items()}
    assert store.position("devices/d0/2026-11.jsonl") == Position(1, 2)
    assert store.position("devices/never/2026-11.jsonl") == Position()
    assert store.outbox() == []  # what came from others is not sent on
    store.close()


@LATER
def test_a_merged_session_can_be_undone_here_a_merged_pause_does_not_pause_here(tmp_path: Path) -> None:
    store = Store(tmp_path / "hh.db")
    store.merge("devices/a/2026-11.jsonl", [SESSION, EVENT], Position(10, 2))
    assert store.latest_of("paused", "resumed") is None
    undone = store.undo_last(datetime.now(UTC))
    assert undone is not None and undone.id == SESSION.id
