"""The records in SQLite: the shared state of the CLI and the daemon.

One connection per thread (sqlite3 connections must not cross threads), WAL so the CLI can write while
the daemon reads, and a generous busy timeout so neither fails on "database is locked". Every write takes
the write lock first (BEGIN IMMEDIATE), checks the record (`records.flaws`) and is one transaction: all
of it or none. A read-only store never writes a byte. Nothing is ever erased: undo marks a session.
Reads and writes go through the stdlib connection; sqlite-utils only creates and migrates the schema
(`migrations`), so a command pays for it once in a database's life rather than at every start. An older
database read without writing keeps its older tables, so the queries a column was added for ask the
schema first (`_schema`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime

from handhabit.core.excusing import TakeBack
from handhabit.core.records import (
    FIRST_DAY,
    LAST_DAY,
    MAX_MINUTES,
    DayTotal,
    Deletion,
    Event,
    Excuse,
    Record,
    Session,
    parse_utc,
    utc_text,
)
from handhabit.interchange.rows import Rows, to_row
from handhabit.store.base import CHECK_IN, EXCUSES_MARKED, guarded, insert_sql
from handhabit.store.restoring import Restoring
from handhabit.store.sync_side import SyncSide

# The newest live session of a habit (twice the habit): among the four days before its latest logical date.
# A date SQLite cannot read gives '', and so every session of the habit: the bad one is named when read.
# Sessions done after `until` are left out: another device's clock may run ahead (`last_session_times`).
_LATEST_SESSION = """SELECT * FROM sessions WHERE habit = ? AND deleted_utc IS NULL AND at_utc <= ? AND
    logical_date >= coalesce((SELECT date(logical_date, '-4 days') FROM sessions WHERE habit = ? AND
    deleted_utc IS NULL AND at_utc <= ? ORDER BY logical_date DESC LIMIT 1), '') ORDER BY at_utc DESC LIMIT 1"""

class Store(Restoring, SyncSide):
    """The records: sessions, excuses and events in and out, the exports' rows and the imports."""

    # sessions
    @guarded
    def add_session(self, session: Session) -> None:
        self._add(session)

    @guarded
    def sessions(self, habit: str | None = None, since: date | None = None) -> list[Session]:
        """Live sessions in time order; `since` (a logical date) keeps a fire-time check cheap on a long history."""
        where, params = _live(habit, since)
        return self._records(Session, self._rows(f"SELECT * FROM sessions WHERE {where} ORDER BY at_utc", params))

    @guarded
    def day_totals(self, habit: str, since: date | None = None) -> list[DayTotal]:
        """A habit's live sessions summed per logical date by SQLite, from the covering index alone: what
        streaks, scores and the week table need, without reading years of sessions as records. A row whose
        date or minutes no command could read is named, as `sessions` names it."""
        where, params = _live(habit, since)
        flawed = self.conn.execute(
            f"SELECT DISTINCT logical_date FROM sessions WHERE {where} AND NOT (minutes > 0 AND minutes <= ?)",
            [*params, MAX_MINUTES],
        ).fetchall()
        for (text,) in flawed:
            self._day_of(habit, text)
        totals = []
        for text, count, minutes, rated in self.conn.execute(
            f"SELECT logical_date, count(*), total(minutes), count(minutes) FROM sessions WHERE {where}"
            " GROUP BY logical_date", params,
        ):
            try:
                day = date.fromisoformat(text)
            except (TypeError, ValueError):
                day = self._day_of(habit, text)
            if not FIRST_DAY <= day <= LAST_DAY:
                day = self._day_of(habit, text)
            totals.append(DayTotal(habit, day, count, minutes, count - rated))
        return totals

    @guarded
    def check_ins(self, habit: str, first: date, last: date) -> list[tuple[object, object]]:
        """The (feel, discomfort) answers of a habit's live sessions from `first` to `last`, as stored:
        a week's summary reads them without reading each session as a record. A database from before the
        check-in (schema 6) has none."""
        if self._schema < CHECK_IN:
            return []
        return [(feel, discomfort) for feel, discomfort in self.conn.execute(
            "SELECT feel, discomfort FROM sessions WHERE deleted_utc IS NULL AND habit = ? AND logical_date >= ?"
            " AND logical_date <= ? AND (feel IS NOT NULL OR discomfort IS NOT NULL)",
            [habit, first.isoformat(), last.isoformat()])]

    def _day_of(self, habit: str, text: str) -> date:
        """The sessions behind a day total read as records: the first one no command can use is named."""
        rows = self._rows("SELECT * FROM sessions WHERE deleted_utc IS NULL AND habit IS ? AND logical_date IS ?",
                          [habit, text])
        return self._records(Session, rows)[0].logical_date

    @guarded
    def last_session_times(self, until: datetime | None = None) -> dict[str, datetime]:
        """The latest live session per habit done by `until` (default: the end of time): what break
        reminders count from. A session from another device whose clock runs ahead counts for its day, but
        must not put this machine's breaks off past their time, so the daemon asks for those done by now.
        Read as a record, so a bad row is named, not a crash. A session's day is within two days of its
        instant (`records`), so the latest one is among its habit's last four days: a few index lookups,
        not a scan of years."""
        habits = [row[0] for row in self.conn.execute("SELECT DISTINCT habit FROM sessions")]
        bound = "9999-12-31T23:59:59Z" if until is None else utc_text(until)
        rows = [row for habit in habits for row in self._rows(_LATEST_SESSION, [habit, bound, habit, bound])]
        return {session.habit: session.at_utc for session in self._records(Session, rows)}

    @guarded
    def undo_last(self, now: datetime) -> Session | None:
        """Marks the most recently recorded live session deleted; repeated calls walk back in the order of
        recording, whatever the wall clock did meanwhile. Imported sessions are history, not for undo."""
        with self._writing() as conn:
            rows = list(self._rows(
                "SELECT * FROM sessions WHERE deleted_utc IS NULL AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
            ))
            if not rows:
                return None
            self._records(Session, rows)  # a row no command can read is named, and left as it is (rolled back)
            conn.execute("UPDATE sessions SET deleted_utc = ? WHERE id = ?", [utc_text(now), rows[0]["id"]])
            self._journal(conn, [Deletion("sessions", rows[0]["id"], parse_utc(utc_text(now)))])
        return self._records(Session, [{**rows[0], "deleted_utc": utc_text(now)}])[0]

    # excuses
    @guarded
    def add_excuse(self, excuse: Excuse) -> None:
        self._add(excuse, counted=False)

    @guarded
    def excuses(self) -> list[Excuse]:
        """The live excuses: what the habit maths, `log` and `skip` go by."""
        return self._live_excuses()

    def _live_excuses(self) -> list[Excuse]:
        live = "WHERE deleted_utc IS NULL " if self._schema >= EXCUSES_MARKED else ""
        return self._records(Excuse, self._rows(f"SELECT * FROM excuses {live}ORDER BY from_date"))

    @guarded
    def take_back_excuses(self, plan: Callable[[list[Excuse]], TakeBack], now: datetime) -> TakeBack:
        """Marks `plan`'s taken excuses deleted at `now` and adds its kept ones, in one transaction. The plan
        is made from the live excuses as they are under the write lock, so two `unskip`s at once cannot
        both split one excuse. Returns what was done, the taken excuses with their mark."""
        with self._writing() as conn:
            change = plan(self._live_excuses())
            for excuse in change.kept:
                self._check(excuse)
            mark = utc_text(now)
            conn.executemany("UPDATE excuses SET deleted_utc = ? WHERE id = ?", [[mark, e.id] for e in change.taken])
            rows = [to_row(excuse) for excuse in change.kept]
            if rows:
                conn.executemany(insert_sql("excuses", rows[0], counted=False), [list(row.values()) for row in rows])
            self._journal(conn, [*(Deletion("excuses", e.id, parse_utc(mark)) for e in change.taken), *change.kept])
        return replace(change, taken=tuple(replace(e, deleted_utc=parse_utc(mark)) for e in change.taken))

    # events
    @guarded
    def add_event(self, event: Event) -> None:
        self._add(event)

    @guarded
    def events(self, since: datetime | None = None, *, local_only: bool = False) -> list[Event]:
        """The events from `since` on, in time order. `local_only`: only those recorded here, none merged
        from another device or imported: what drives this machine's reminders (its snoozes) must be its own."""
        rows = self._rows(
            f"SELECT * FROM events WHERE {self._here(local_only)}at_utc >= ? ORDER BY at_utc, rowid",
            [utc_text(since) if since else ""],
        )
        return self._records(Event, rows)

    @guarded
    def last_fired(self, *, local_only: bool = False) -> dict[str, datetime]:
        """When each reminder last fired, so break reminders keep their rhythm across restarts: one lookup
        per reminder on the (reminder, kind, at_utc) index. `local_only`: fired here (as `events`), so
        another machine's reminder does not set this one's rhythm."""
        reminders = [row[0] for row in self.conn.execute("SELECT DISTINCT reminder FROM events")]  # the index alone
        local = self._here(local_only)
        rows = [row for reminder in reminders for row in self._rows(
            f"SELECT * FROM events WHERE {local}reminder IS ? AND kind = 'fired' ORDER BY at_utc DESC LIMIT 1",
            [reminder],
        )]
        return {event.reminder: event.at_utc for event in self._records(Event, rows) if event.reminder}

    @guarded
    def latest_of(self, *kinds: str) -> Event | None:
        """The newest event of these kinds recorded here: the pause in force is the newest pause or resume,
        by order of recording (a clock set back must not revive an ended pause), never an imported one."""
        marks = ", ".join("?" for _ in kinds)
        rows = list(self._rows(
            f"SELECT * FROM events WHERE {self._here(True)}kind IN ({marks}) ORDER BY {self._order} DESC LIMIT 1",
            kinds,
        ))
        return self._records(Event, rows)[0] if rows else None

    def _here(self, wanted: bool) -> str:
        """The condition (with its AND) that keeps the rows recorded here: merged and imported ones have no
        `seq`. A schema-1 database has no `seq`, and no sync either: all of it was recorded here."""
        return "seq IS NOT NULL AND " if wanted and self._order == "seq" else ""

    @guarded
    def fired_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM events WHERE kind = 'fired'").fetchone()[0])

    # export and import
    @guarded
    def all_rows(self) -> Rows:
        """Every row as stored, undone sessions and taken-back excuses included (a backup without them could
        not restore what `undo` and `unskip` marked), unread as records: a bad row must not stop the backup
        that lets one fix it."""
        return Rows(*(list(self._rows(f"SELECT * FROM {table}")) for table in ("sessions", "excuses", "events")))

    @guarded
    def import_records(
        self, sessions: Sequence[Session], excuses: Sequence[Excuse], events: Sequence[Event]
    ) -> dict[str, int]:
        """Adds the records whose ids are new, in one transaction: all or nothing, and importing twice adds
        nothing. Returns how many were added per table. Imported rows get no place in the order of recording."""
        every: tuple[Record, ...] = (*sessions, *excuses, *events)
        for record in every:
            self._check(record)
        added: dict[str, int] = {}
        with self._writing() as conn:
            for table, records in (("sessions", sessions), ("excuses", excuses), ("events", events)):
                present = {row[0] for row in conn.execute(f"SELECT id FROM {table}")}
                new = [record for record in records if record.id not in present]
                rows = [to_row(record) for record in new]
                if rows:
                    conn.executemany(insert_sql(table, rows[0], counted=False), [list(row.values()) for row in rows])
                self._journal(conn, new)
                added[table] = len(rows)
        return added

def _live(habit: str | None, since: date | None) -> tuple[str, list[str]]:
    """The WHERE of the live sessions, of one habit and from a logical date on if asked."""
    where, params = ["deleted_utc IS NULL"], []
    if habit:
        where.append("habit = ?")
        params.append(habit)
    elif since:  # every habit: so that the (habit, logical_date) index finds the days, not a scan of years
        where.append("habit IN (SELECT DISTINCT habit FROM sessions)")
    if since:
        where.append("logical_date >= ?")
        params.append(since.isoformat())
    return " AND ".join(where), params
