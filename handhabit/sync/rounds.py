"""One round of sync between the database and the folder: this device's outbox appended to its journal,
then every other device's journals read on from where they were left and merged. The CLI runs `send`
after each change it records and `sync` for `handhabit sync`; the daemon runs `sync` at start, on its
heartbeat when a journal changed, and before it decides a reminder.

A folder that fails is one line, and nothing is lost: the outbox keeps what could not be written, and a
file's place is saved only with the changes read up to it. A file is read and merged a megabyte at a time,
each piece in a transaction of its own, so a journal of millions of lines neither fills the memory nor
holds the database's write lock for longer than a moment: a `done` beside a merge waits for one piece. One
file that cannot be read is a line, and every other file is merged all the same.

This device's own journals are read back too: lines there that this database does not hold were written
by another installation with the same id (a copied database), which is said, and merged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from handhabit.config.model import Sync
from handhabit.core.records import Session, utc_text
from handhabit.interchange.journal import Later, Position, Reading, read_lines
from handhabit.store import Store
from handhabit.sync.folder import Folder, JournalFile, Listing, Shrunk, SyncFolderError

BATCH = 10_000  # outbox lines a write takes at most: the first sync of ten years is a few writes
PIECE = 1 << 20  # bytes of a journal read and merged in one transaction
# A session from further ahead than this is from a clock that runs ahead: said once, and kept from
# putting off this machine's breaks (`Store.last_session_times`).
CLOCK_SLACK = timedelta(minutes=5)
NEW_ID = "handhabit sync --new-id"


@dataclass
class Round:
    """What a round brought, per device name, and the lines that say what went wrong (one per file)."""

    received: dict[str, Counter[str]] = field(default_factory=dict)
    sent: int = 0
    problems: list[str] = field(default_factory=list)


def folder_of(store: Store, settings: Sync) -> Folder:
    if settings.folder is None:
        raise ValueError("sync has no folder")
    return Folder(settings.folder, store.device_id(), settings.device)


def send(store: Store, folder: Folder, now: datetime) -> int:
    """Appends the outbox to this device's journal, oldest first; a line leaves the outbox only once it is
    on disk. The first time, the history from before sync was set up goes along."""
    store.queue_history()
    sent = 0
    while batch := store.outbox(BATCH):
        folder.append([line for _, line in batch], now)
        store.sent(batch)
        sent += len(batch)
    return sent


def every_journal(folder: Folder) -> Listing:
    """The other devices' journals and this device's own, as a listing: what `receive` reads."""
    others = folder.others()
    return Listing([*others.journals, *folder.mine()], others.problems)


def receive(store: Store, folder: Folder, now: datetime, listing: Listing | None = None) -> Round:
    """Merges what is new in the journals of `listing` (by default every journal there is)."""
    done = Round()
    listing = every_journal(folder) if listing is None else listing
    done.problems += listing.problems
    foreign: Counter[str] = Counter()
    for journal in listing.journals:
        try:
            counts = _merge_file(store, folder, journal, now, done)
        except SyncFolderError as exc:  # this file alone: the others are merged all the same
            done.problems.append(str(exc))
            continue
        if journal.device_id == folder.device_id:
            foreign.update(counts)
        else:
            done.received.setdefault(journal.device_name, Counter()).update(counts)
    if +foreign:
        done.received.setdefault(f"another installation as {folder.device_name}", Counter()).update(foreign)
        done.problems.append(
            f"another installation writes as this device ({folder.device_id}) in {folder.root}: the two have one "
            f"id (a copied database?) and the sync tool mixes their files; their records are merged here, but run "
            f"`{NEW_ID}` on one of them to give it an id of its own")
    return done


def _merge_file(store: Store, folder: Folder, journal: JournalFile, now: datetime, done: Round) -> Counter[str]:
    """Reads a journal on from where it was left, a piece at a time, each piece merged with its place."""
    where = journal.path.relative_to(folder.root).as_posix()
    at = store.position(where)
    counts: Counter[str] = Counter()
    while True:
        data = folder.read_from(journal.path, at.offset, PIECE)
        if isinstance(data, Shrunk):  # replaced by the sync tool: read again from the start, merging twice is safe
            done.problems.append(f"{journal.path} is shorter than when it was last read ({data.size} bytes, not "
                                 f"{at.offset}): read again from its start")
            at = Position()
            continue
        reading = read_lines(data, at, now)
        counts.update(_merged(store, where, journal, reading, now, done))
        problem, last = reading.problem, len(data) < PIECE
        if problem is not None and (last or isinstance(problem.flaw, Later)):
            done.problems.append(f"{journal.path}: {problem}")  # read again next time
            return counts
        if last:
            return counts
        if problem is None or reading.end != at:  # on from the damaged line: the next piece shows what follows it
            at = reading.end
            continue
        # No headway: the damaged line, or the one after it, runs past the piece. It is passed over up to
        # its end, which only a line longer than any handhabit writes can be so far from.
        newline = data.find(b"\n")
        end = at.offset + newline + 1 if newline >= 0 else _line_end(folder, journal.path, at.offset + len(data))
        done.problems.append(f"{journal.path}: {problem}")
        if end is None:  # it has not ended yet
            return counts
        at = Position(end, at.line + 1)
        store.merge(where, (), at)


def _line_end(folder: Folder, path: Path, offset: int) -> int | None:
    """The offset after the next newline from `offset` on, reading a piece at a time; None before there is one."""
    while True:
        data = folder.read_from(path, offset, PIECE)
        if isinstance(data, Shrunk) or not data:
            return None
        newline = data.find(b"\n")
        if newline >= 0:
            return offset + newline + 1
        offset += len(data)


def _merged(store: Store, where: str, journal: JournalFile, reading: Reading, now: datetime,
            done: Round) -> Counter[str]:
    """One piece merged with its place; the lines passed over, the marks refused and a clock that runs
    ahead said in a line each, naming the device."""
    counts = store.merge(where, reading.changes, reading.end)
    done.problems += [f"{journal.path}: {passed}; from {journal.device_name}" for passed in reading.passed_over]
    refused = counts.pop("refused", 0)
    if refused:
        done.problems.append(f"{journal.path}: {refused} deletion mark{'s' if refused > 1 else ''} from "
                             f"{journal.device_name} refused: dated a day or more before the record it deletes, or "
                             "more than the deletion marks waiting for their records may hold")
    ahead = [c.at_utc for c in reading.changes if isinstance(c, Session) and c.at_utc > now + CLOCK_SLACK]
    if ahead:
        done.problems.append(f"the clock of {journal.device_name} runs ahead of this machine's (a session at "
                             f"{utc_text(max(ahead))}): its sessions count for their days, and this machine's "
                             "breaks are not put off past their time")
    return counts


def sync(store: Store, settings: Sync, now: datetime) -> Round:
    folder = folder_of(store, settings)
    sent = send(store, folder, now)
    done = receive(store, folder, now)
    done.sent = sent
    return done

