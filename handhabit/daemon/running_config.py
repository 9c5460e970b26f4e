"""What the running daemon runs, published beside its lock for `status`.

A daemon keeps its last good config when the file turns broken or goes away, and takes a changed file only
at its next heartbeat: the file on disk is then no guide to the reminders that will come. So the daemon
writes the text it runs (and where it read it) whenever it starts or reloads, and `status` shows that, and
says how the file differs.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from handhabit.daemon.instance import database_lock_path
from handhabit.host.paths import read_small, write_atomically

CARD_MOST = 1 << 20  # a config is a few KiB; a file much larger is not one handhabit wrote


@dataclass(frozen=True)
class Running:
    """`text` is the config file's text as the daemon read it; None with `source` None: the built-in default."""

    pid: int
    source: Path | None
    text: str | None
    loaded_at: datetime


def card_path(db: Path) -> Path:
    """Beside the database's lock, where `status` finds the daemon from any login."""
    lock = database_lock_path(db)
    return lock.with_name(f"{lock.stem}.json")


def publish(db: Path, source: Path | None, text: str | None, loaded_at: datetime) -> None:
    """Raises OSError when it cannot be written (a read-only folder): `status` then shows the file."""
    card = {"pid": os.getpid(), "source": str(source) if source else None, "text": text,
            "loaded_at": loaded_at.isoformat()}
    write_atomically(card_path(db), json.dumps(card).encode())


def withdraw(db: Path) -> None:
    with contextlib.suppress(OSError):
        card_path(db).unlink()


def read(db: Path, pid: int) -> Running | None:
    """The card of the daemon with this pid; None when there is none, or it is another's (a daemon that
    crashed before it withdrew it) or not one handhabit wrote."""
    data = read_small(card_path(db), CARD_MOST)
    try:
        card = json.loads(data) if data is not None else None
        if not isinstance(card, dict) or card.get("pid") != pid:
            return None
        source, text = card["source"], card["text"]
        if not ((isinstance(source, str) and isinstance(text, str)) or (source is None and text is None)):
            return None
        loaded_at = datetime.fromisoformat(card["loaded_at"])
    except (ValueError, KeyError, TypeError):
        return None
    return Running(pid, Path(source) if source else None, text, loaded_at)
