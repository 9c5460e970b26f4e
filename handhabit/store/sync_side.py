"""The store's side of sync: this installation's id, the outbox of journal lines for the folder, and the
merge of another device's changes with the place it was read to, in one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from handhabit.interchange.journal import Change, Position
from handhabit.store import journaling
from handhabit.store.base import StoreBase, guarded


class SyncSide(StoreBase):
    @guarded
    def device_id(self) -> str:
        with self._writing() as conn:
            return journaling.device_id(conn)

    @guarded
    def new_device_id(self) -> tuple[str | None, str]:
        """This installation's id made anew (`handhabit sync --new-id`): the old id, and the new one."""
        with self._writing() as conn:
            return journaling.new_device_id(conn)

    @guarded
    def known_device_id(self) -> str | None:
        """This installation's id if it has synced: read only, for `status`."""
        if self._schema < 5:
            return None
        return journaling.meta(self.conn, journaling.DEVICE)

    @guarded
    def queue_history(self) -> int:
        """Once, when sync is first set up: every record from before goes to the outbox (the deletions with
        them, in their `deleted_utc`), so the other devices get the whole history. Returns how many."""
        with self._writing() as conn:
            return 0 if journaling.meta(conn, journaling.HISTORY) is not None else self._queue_history(conn)

    @guarded
    def outbox(self, limit: int = 10_000) -> list[tuple[int, bytes]]:
        """The journal lines not yet in the folder, oldest first, with their place to pass to `sent`."""
        return [(int(n), bytes(line)) for n, line in
                self.conn.execute("SELECT n, line FROM sync_outbox ORDER BY n LIMIT ?", [limit])]

    @guarded
    def sent(self, batch: Sequence[tuple[int, bytes]]) -> None:
        """Takes exactly these lines out of the outbox. Not "all up to the last place": two commands of this
        device may send at once, and when one empties the outbox SQLite gives the next line the place of
        one the other is still writing out, which "up to" would delete unsent. A line sent twice is merged
        once."""
        with self._writing() as conn:
            conn.executemany("DELETE FROM sync_outbox WHERE n = ? AND line = ?", batch)

    @guarded
    def position(self, path: str) -> Position:
        return journaling.position(self.conn, path)

    @guarded
    def merge(self, path: str, changes: Sequence[Change], end: Position) -> Counter[str]:
        """Another device's changes read from `path` (relative to the sync folder) up to `end`: applied and
        the place saved in one transaction, so a crash neither loses nor doubles any."""
        for change in changes:
            self._check(change)
        with self._writing() as conn:
            counts = journaling.merge(conn, changes)
            journaling.save_position(conn, path, end)
        return counts
