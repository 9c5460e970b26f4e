"""Export documents made straight from records, for tests that build records rather than a database: the
commands export the database's rows (`interchange.export`)."""

from __future__ import annotations

from collections.abc import Iterable

from handhabit.core.records import Session
from handhabit.interchange.export import csv_document, json_document
from handhabit.interchange.importing import Records
from handhabit.interchange.rows import Rows, to_row


def export_json(records: Records) -> str:
    return json_document(Rows(*([to_row(r) for r in kind] for kind in (records.sessions, records.excuses,
                                                                         records.events))))

def export_csv(sessions: Iterable[Session]) -> str:
    return csv_document(to_row(session) for session in sessions)
