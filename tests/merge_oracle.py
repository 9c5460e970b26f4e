"""What merging journals means, as plain values: the specification the database's merge must meet, and the
oracle the property tests hold it to.

Two rules, each commutative and idempotent, so the result is the same whatever order the changes come in
(devices, files, conflict copies, partial lines read later) and however often one comes:

- A record is inserted by its id, or ignored when that id is there already: an insert never changes a
  record. An id names one record everywhere (a UUID made where it was recorded), so two copies of a record
  differ at most in `deleted_utc`, which the second rule settles.
- A record is deleted at the earliest deletion seen for it: a deletion mark's, or the `deleted_utc` a copy
  of the record came with. So an undo on any machine wins everywhere, and a record never comes back.
  A deletion that cannot be honest is no deletion: a session is not undone a day or more before it was
  done (`honest`), whatever another machine's clock says; honest clocks differ by minutes, not days. The
  journal's reading refuses the other dishonest marks (before 1970-01-02, or in the future).

A mark may come before its record (one device's journal synced, the other's not yet): it waits in
`pending` and applies when the record comes. The database must keep such marks too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from handhabit.core.records import TABLE_OF, Deletion, Event, Record, Session, honest
from handhabit.interchange.journal import Change

Key = tuple[str, str]  # (table, id): an id is unique in its table


@dataclass(frozen=True)
class History:
    """What a database holds, as far as merging is concerned."""

    records: Mapping[Key, Record] = field(default_factory=dict)
    pending: Mapping[Key, datetime] = field(default_factory=dict)  # deletion marks whose record has not come


def merge(history: History, changes: Iterable[Change]) -> History:
    records, pending = dict(history.records), dict(history.pending)
    for change in changes:
        deleted: datetime | None
        if isinstance(change, Deletion):
            key, deleted = (change.table, change.id), change.deleted_utc
        else:
            key = (TABLE_OF[type(change)], change.id)
            records.setdefault(key, change)
            deleted = None if isinstance(change, Event) else change.deleted_utc
        deleted = _earliest(deleted, pending.pop(key, None))
        if key in records:
            records[key] = _deleted(records[key], deleted)
        elif deleted is not None:
            pending[key] = deleted
    return History(records, pending)


def _earliest(one: datetime | None, other: datetime | None) -> datetime | None:
    return other if one is None else one if other is None else min(one, other)


def _deleted(record: Record, at: datetime | None) -> Record:
    """The record deleted at `at` unless it was already deleted earlier, or `at` cannot be honest. Events
    are never deleted: a mark that names one is refused when it is read (`records.deletion_flaws`)."""
    if (isinstance(record, Event) or at is None
            or not honest(record.at_utc if isinstance(record, Session) else None, at)
            or _earliest(record.deleted_utc, at) == record.deleted_utc):
        return record
    return replace(record, deleted_utc=at)
