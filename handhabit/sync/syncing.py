"""One round of sync between the database and the folder: this device's outbox appended to its journal,
then every other device's journals read on from where they were left and merged. The CLI runs `send`
after each change it records and `sync` for `handhabit sync`; the daemon runs `sync` at start, on its
heartbeat when a journal changed, and before it decides a reminder.

A folder that fails is one line, and nothing is lost: the outbox keeps what could not be written, and a
file's place is saved only with the changes read up to it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from handhabit.config import Sync
from handhabit.store import Store
from handhabit.sync.folder import Folder, JournalFile, Shrunk
from handhabit.sync.journal import Position, read_lines

BATCH = 10_000  # outbox lines a write takes at most: the first sync of ten years is a few writes


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


def receive(store: Store, folder: Folder, now: datetime, files: list[JournalFile] | None = None) -> Round:
    """Merges what is new in the other devices' journals (all of them, or `files`)."""
    done = Round()
    for journal in folder.others() if files is None else files:
        where = journal.path.relative_to(folder.root).as_posix()
        start = store.position(where)
        data = folder.read_from(journal.path, start.offset)
        if isinstance(data, Shrunk):  # replaced by the sync tool: read again from the start, merging twice is safe
            done.problems.append(f"{journal.path} is shorter than when it was last read ({data.size} bytes, not "
                                 f"{start.offset}): read again from its start")
            start, data = Position(), _whole(folder, journal.path)
        reading = read_lines(data, start, now)
        counts = store.merge(where, reading.changes, reading.end)
        done.received.setdefault(journal.device_name, Counter()).update(counts)
        if reading.problem is not None:
            done.problems.append(f"{journal.path}: {reading.problem}")
    return done


def _whole(folder: Folder, path: Path) -> bytes:
    data = folder.read_from(path, 0)
    return b"" if isinstance(data, Shrunk) else data  # nothing is shorter than its start


def sync(store: Store, settings: Sync, now: datetime) -> Round:
    folder = folder_of(store, settings)
    sent = send(store, folder, now)
    done = receive(store, folder, now)
    done.sent = sent
    return done

