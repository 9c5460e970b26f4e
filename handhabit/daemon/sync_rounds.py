"""The daemon's rounds with the sync folder (`[sync]`): it sends what it records there on its heartbeat and
after a fire, and merges the other devices' changes at start, on the heartbeat when one of their journals
changed, and just before it decides a reminder: a session done on another machine puts off this machine's
reminder. Only this machine's own events (snoozes, fires) drive its reminders; sessions count from every
device. A folder that fails is a line when it starts failing and one when it works again, and the
reminders go on. What a round does with the files is `sync.rounds`'."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from handhabit.config.model import Sync
from handhabit.daemon.live_config import LiveConfig
from handhabit.host.clock import utc_now
from handhabit.store import Store, StoreError
from handhabit.sync import rounds
from handhabit.sync.folder import Folder, JournalFile, Listing, SyncFolderError

log = logging.getLogger(__name__)


def _mark(journal: JournalFile) -> tuple[int, datetime]:
    """What tells a journal changed since it was merged: its size and time, from the listing alone."""
    return journal.size, journal.modified


class SyncRounds:
    def __init__(self, live: LiveConfig, store: Store, lock: threading.Lock,
                 refresh_sessions: Callable[[], None]) -> None:
        """`lock` is the daemon's; `refresh_sessions` restarts the break clocks after a merge brought
        sessions."""
        self.live, self.store, self.lock, self.refresh_sessions = live, store, lock, refresh_sessions
        self._syncing = threading.Lock()  # one sync step at a time: two sends at once would write a batch twice
        self._folder: Folder | None = None  # the sync folder as last built (None: not yet, or sync is off)
        self._seen: dict[Path, tuple[int, datetime]] = {}  # the other devices' journals as merged last
        self._sync_trouble: str | None = None  # the line the folder fails with, while it fails
        self._problems_told: set[str] = set()  # the journals' bad lines already logged at WARNING

    def sync(self) -> None:
        """A round with the sync folder when one is set: this device's outbox out, then whatever changed in
        the other devices' journals (told by a listing, not a reading) merged in."""
        now = utc_now()
        self.send_out(now)
        self.take_in(now)

    def send_out(self, now: datetime) -> None:
        self._with_folder("send", lambda folder: rounds.send(self.store, folder, now))

    def take_in(self, now: datetime) -> None:
        """Merges the other devices' journals whose size or time changed since they were last merged; a
        merge that brought sessions restarts the break clocks (`refresh_sessions`)."""

        def take_in(folder: Folder) -> None:
            listing = rounds.every_journal(folder)
            changed = [journal for journal in listing.journals if self._seen.get(journal.path) != _mark(journal)]
            if not changed and not listing.problems:
                return
            done = rounds.receive(self.store, folder, now, Listing(changed, listing.problems))
            with self.lock:
                self._seen.update((journal.path, _mark(journal)) for journal in changed)
            for line in done.problems:
                told = line in self._problems_told
                self._problems_told.add(line)
                log.log(logging.DEBUG if told else logging.WARNING, "sync: %s", line)
            brought = {name: +counts for name, counts in done.received.items() if +counts}
            for name, counts in sorted(brought.items()):
                log.info("sync: from %s: %s", name, ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())))
            if any(counts["sessions"] or counts["deleted"] for counts in brought.values()):
                self.refresh_sessions()

        self._with_folder("merge", take_in)

    def _with_folder(self, doing: str, step: Callable[[Folder], object]) -> None:
        """Runs a sync step when sync is on; a failing folder or database is one line when it starts
        failing (or fails otherwise), one when it works again, and DEBUG in between: never fatal."""
        settings = self.live.config.sync
        if settings.folder is None:
            return
        with self._syncing:
            try:
                if self._folder is None or self._folder.device_id != self.store.known_device_id():
                    self._folder = rounds.folder_of(self.store, settings)  # new, or `sync --new-id` ran
                step(self._folder)
            except (SyncFolderError, StoreError) as exc:
                line = str(exc)
                level = logging.DEBUG if line == self._sync_trouble else logging.WARNING
                log.log(level, "sync (%s) failed, recording here meanwhile: %s", doing, line)
                self._sync_trouble = line
                return
            if self._sync_trouble is not None:
                log.info("sync works again with %s", settings.folder)
                self._sync_trouble = None

    def changed(self, settings: Sync) -> None:
        """A reload turned sync on or off, or moved its folder: the store journals only while it is on, and
        a new folder is merged from scratch of what was seen (the database keeps where each file was read)."""
        self.store.journaling = settings.folder is not None
        with self._syncing:
            self._folder, self._sync_trouble = None, None
            self._seen.clear()
            self._problems_told.clear()
        if settings.folder is None:
            log.info("sync is off")
            return
        log.info("sync with %s as %s", settings.folder, settings.device)
        self.sync()
