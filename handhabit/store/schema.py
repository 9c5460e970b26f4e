"""The database's tables and how a file is told to be handhabit's.

`PRAGMA application_id` marks the file as handhabit's and `PRAGMA user_version` holds the schema, so a
wrong `--db` (another program's SQLite file, a newer handhabit's database, random bytes) is refused before
anything is written to it. A database from before the mark (schema 1) is recognised by its tables.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from handhabit.store.errors import NotHandhabit, not_sqlite

APPLICATION_ID = 0x68686162  # "hhab"
SCHEMA_VERSION = 6
TABLES = frozenset({"sessions", "excuses", "events"})
@dataclass(frozen=True)
class Identity:
    """What a file says about itself, read without writing anything."""

    application_id: int
    user_version: int
    tables: frozenset[str]


class Verdict(Enum):
    EMPTY = "empty"  # a new file: the schema is created
    OLDER = "older"  # handhabit's, from before this schema: migrated when written
    CURRENT = "current"


def identify(conn: sqlite3.Connection) -> Identity:
    """Raises sqlite3.DatabaseError ("file is not a database") for a file that is not SQLite at all."""
    application_id = conn.execute("PRAGMA application_id").fetchone()[0]
    user_version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = frozenset(row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
    return Identity(application_id, user_version, tables)


def judge(identity: Identity, path: Path) -> Verdict:
    """Whether handhabit may use the file, and how; refuses with one line otherwise."""
    if identity.application_id == APPLICATION_ID:
        if identity.user_version > SCHEMA_VERSION:
            raise NotHandhabit(f"{path} was written by a newer handhabit (schema {identity.user_version}; this one "
                               f"knows {SCHEMA_VERSION}): it was left as it is (upgrade handhabit to use it)")
        return Verdict.CURRENT if identity.user_version == SCHEMA_VERSION else Verdict.OLDER
    if identity.application_id == 0:
        if identity.user_version == 0 and not identity.tables:
            return Verdict.EMPTY
        if identity.user_version == 1 and identity.tables >= TABLES:
            return Verdict.OLDER  # written before handhabit marked its files
    tables = ", ".join(sorted(identity.tables)) or "no tables"
    owner = f"application id {identity.application_id:#x}" if identity.application_id else f"tables: {tables}"
    raise NotHandhabit(f"{path} is not a handhabit database ({owner}): it was left as it is "
                       "(give --db your handhabit database, or a new file)")


def judge_header(header: bytes, path: Path) -> None:
    """What a file's first 100 bytes alone prove, before SQLite opens it (and may leave -wal and -shm files
    beside it): not SQLite at all, another application's mark, or a newer handhabit's schema. The header of
    a database in WAL mode may lag behind its log, but only ever towards an older handhabit schema."""
    if not header.startswith(b"SQLite format 3\x00"):
        raise not_sqlite(path)
    user_version, application_id = int.from_bytes(header[60:64], "big"), int.from_bytes(header[68:72], "big")
    if application_id != 0:  # unmarked files are told by their tables, which only SQLite can list
        judge(Identity(application_id, user_version, frozenset()), path)


def create_or_migrate(conn: sqlite3.Connection, verdict: Verdict) -> None:
    """Inside the caller's write transaction, so any number of first uses at once create one schema. The
    migrations (and sqlite-utils, a third of the CLI's start-up) are loaded only when there is work for them."""
    if verdict is Verdict.CURRENT:
        return
    from handhabit.store.migrations import apply

    apply(conn)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
