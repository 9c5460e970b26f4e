"""The daemon with a sync folder, in process: two databases ("laptop" records with the CLI's calls, "desk"
runs the daemon) sharing one folder. What the laptop sends the desk's daemon merges by itself before it
decides a reminder; what the daemon records reaches the folder on its heartbeat; another machine's snooze
or fire never drives this machine's reminders; a folder that goes away is a line, and the reminders go on."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from handhabit.config.loading import load
from handhabit.config.model import Config, Sync
from handhabit.core import snoozes
from handhabit.core.records import Event, Session
from handhabit.daemon.answers import SNOOZE_PREFIX
from handhabit.daemon.coordinator import Daemon
from handhabit.store import Store
from handhabit.sync import rounds
from tests.builders import BEDTIME, BERLIN, BREAK, FakeNotifier, at_berlin, config_of, kinds

EVENING = at_berlin(2025, 3, 10, 22, 30)


def session(at: datetime) -> Session:
    return Session(str(uuid.uuid4()), "hand-massage", at, "Europe/Berlin",
                   (at.astimezone(BERLIN) - timedelta(hours=4)).date(), None, "cli", None, at)


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    """On a "drive" whose folder goes away as an unmounted drive's would (handhabit makes its folder again
    only where the folder above it is there)."""
    folder = tmp_path / "drive" / "Sync"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def laptop(tmp_path: Path) -> Iterator[Store]:
    """The other machine, as its CLI leaves it: every change journaled and sent."""
    store = Store(tmp_path / "laptop.db", journaling=True)
    yield store
    store.close()


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "desk.db")
    yield store
    store.close()


def on_laptop(store: Store, shared: Path, *records: Session | Event) -> None:
    """What `handhabit done` (or `snooze`) does there: recorded, then sent to the folder."""
    for record in records:
        if isinstance(record, Session):
            store.add_session(record)
        else:
            store.add_event(record)
    rounds.send(store, rounds.folder_of(store, Sync(shared, "laptop")), record.at_utc)


def desk_config(shared: Path) -> Config:
    return replace(config_of(BEDTIME), sync=Sync(shared, "desk"))


def test_a_session_on_the_other_machine_puts_off_the_reminder_without_a_sync(
    laptop: Store, desk: Store, shared: Path
) -> None:
    notifier = FakeNotifier()
    daemon = Daemon(desk_config(shared), desk, notifier, BERLIN)
    assert desk.journaling  # the daemon's store journals because its config syncs
    with time_machine.travel(EVENING, tick=False):
        on_laptop(laptop, shared, session(at_berlin(2025, 3, 10, 8, 0)), session(at_berlin(2025, 3, 10, 20, 0)))
        daemon.fire("bedtime")
    assert notifier.notes == []
    assert kinds(desk) == [("bedtime", "skipped", "target met: 2 of 2 today")]
    assert len(desk.sessions()) == 2


def test_the_daemons_fire_reaches_the_folder_on_its_heartbeat(
    laptop: Store, desk: Store, shared: Path, caplog: pytest.LogCaptureFixture
) -> None:
    notifier = FakeNotifier()
    daemon = Daemon(desk_config(shared), desk, notifier, BERLIN)
    drive, away = shared.parent, shared.parent.with_name("unmounted")
    drive.rename(away)  # the drive is out when the reminder comes: it fires, and waits in the outbox
    with caplog.at_level(logging.DEBUG), time_machine.travel(EVENING, tick=False):
        daemon.fire("bedtime")
        assert len(notifier.notes) == 1
        assert desk.outbox()
        away.rename(drive)
        daemon.heartbeat()
    assert desk.outbox() == []
    assert "sync works again with" in caplog.text
    with time_machine.travel(EVENING + timedelta(minutes=1), tick=False):
        done = rounds.receive(laptop, rounds.folder_of(laptop, Sync(shared, "laptop")), EVENING)
    assert done.received["desk"]["events"] == 1
    assert [(e.reminder, e.kind) for e in laptop.events()] == [("bedtime", "fired")]
    assert laptop.last_fired() == {"bedtime": EVENING}
    assert laptop.last_fired(local_only=True) == {}  # the desk's rhythm, not the laptop's
    assert laptop.events(local_only=True) == []


def test_a_snooze_merged_from_the_other_machine_does_not_fire_here(
    laptop: Store, desk: Store, shared: Path
) -> None:
    notifier = FakeNotifier()
    daemon = Daemon(desk_config(shared), desk, notifier, BERLIN)
    until = EVENING + timedelta(minutes=10)
    with time_machine.travel(EVENING, tick=False):
        on_laptop(laptop, shared, snoozes.snooze_event("s-laptop", EVENING, "bedtime", "hand-massage", until),
                  Event("f-laptop", EVENING, "bedtime", "hand-massage", "fired", "fake"))
        daemon.heartbeat()
        assert [e.id for e in desk.events()] == ["s-laptop", "f-laptop"]  # merged...
        assert [j.id for j in daemon.scheduler.get_jobs() if j.id.startswith(SNOOZE_PREFIX)] == []  # ...not obeyed
        assert desk.last_fired(local_only=True) == {}
        daemon.schedule_jobs()
        assert daemon.jobs.last_fire == {}
        desk.add_event(snoozes.snooze_event("s-desk", EVENING, "bedtime", "hand-massage", until))
        daemon.check_snoozes()  # the same snooze made here is
    assert [j.id for j in daemon.scheduler.get_jobs() if j.id.startswith(SNOOZE_PREFIX)] == [f"{SNOOZE_PREFIX}bedtime"]


def test_a_vanished_folder_is_one_line_and_the_reminders_go_on(
    desk: Store, shared: Path, caplog: pytest.LogCaptureFixture
) -> None:
    notifier = FakeNotifier()
    daemon = Daemon(desk_config(shared), desk, notifier, BERLIN)
    shared.rmdir()
    shared.parent.rmdir()
    with caplog.at_level(logging.DEBUG, logger="handhabit"):
        for day in (10, 11, 12):
            with time_machine.travel(at_berlin(2025, 3, day, 22, 30), tick=False):
                daemon.heartbeat()
                daemon.fire("bedtime")
                daemon.heartbeat()
    assert len(notifier.notes) == 3
    assert [k for k in kinds(desk)] == [("bedtime", "fired", "fake")] * 3
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        f"sync (merge) failed, recording here meanwhile: the sync folder {shared} is missing: create it or mount "
        "the drive it is on, or set [sync] folder in the config to the folder your sync tool shares"]
    assert all(r.exc_info is None for r in caplog.records)
    assert len(desk.outbox()) == 3  # nothing lost: sent when the folder is back
    shared.mkdir(parents=True)
    with caplog.at_level(logging.INFO, logger="handhabit"), time_machine.travel(at_berlin(2025, 3, 13), tick=False):
        daemon.heartbeat()
    assert desk.outbox() == []
    told = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert told[-1] == f"sync works again with {shared}"


CONFIG = """[general]
timezone = "Europe/Berlin"
{sync}
[[habits]]
id = "hand-massage"
target = {{ sessions = 1, per = "day" }}
"""


def test_a_reload_turns_sync_off_and_on(laptop: Store, desk: Store, shared: Path, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.format(sync=""))
    daemon = Daemon(load(path), desk, FakeNotifier(), BERLIN, config_path=path)
    assert not desk.journaling
    with time_machine.travel(EVENING, tick=False):
        on_laptop(laptop, shared, session(at_berlin(2025, 3, 10, 8, 0)))
        path.write_text(CONFIG.format(sync=f'[sync]\nfolder = "{shared}"\ndevice = "desk"\n'))
        assert daemon.reload("test")
        assert desk.journaling
        assert len(desk.sessions()) == 1  # merged as the reload turned sync on
        path.write_text(CONFIG.format(sync=""))
        assert daemon.reload("test")
    assert not desk.journaling


def test_a_session_from_a_clock_ahead_never_puts_this_machines_break_past_now(
    laptop: Store, desk: Store, shared: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The laptop's clock runs 23 hours ahead: its session counts for its day, but the desk's next break
    stays at 12:00 instead of moving to tomorrow, and the log says once whose clock is ahead."""
    from apscheduler.schedulers.background import BackgroundScheduler

    config = replace(config_of(BREAK), sync=Sync(shared, "desk"))
    notifier = FakeNotifier()
    daemon = Daemon(config, desk, notifier, BERLIN, BackgroundScheduler)
    with caplog.at_level(logging.INFO, logger="handhabit"), \
            time_machine.travel(at_berlin(2025, 3, 10, 10, 30), tick=False):
        on_laptop(laptop, shared, session(at_berlin(2025, 3, 11, 9, 30)))
        daemon.schedule_jobs()
        daemon.scheduler.start(paused=True)
        try:
            daemon.heartbeat()
            daemon.heartbeat()
            next_times = daemon.next_times()
        finally:
            daemon.scheduler.shutdown(wait=False)
    assert len(desk.sessions()) == 1  # merged, for its day
    assert next_times == [("work-break", at_berlin(2025, 3, 10, 12, 0))]
    ahead = [r.getMessage() for r in caplog.records if "runs ahead" in r.getMessage()]
    assert len(ahead) == 1 and "the clock of laptop runs ahead" in ahead[0]
    with time_machine.travel(at_berlin(2025, 3, 10, 12, 0), tick=False):
        daemon.fire("work-break")
    assert len(notifier.notes) == 1  # the break comes


def test_a_long_journal_is_merged_a_piece_at_a_time_and_the_lock_is_free_between_pieces(
    desk: Store, shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each piece is committed with its place: a `done` beside the merge waits for one piece at most, and a
    merge cut short keeps what it did. Seen from a second connection, as another command would see it."""
    import sqlite3

    from handhabit.interchange.journal import encode
    from handhabit.sync.folder import Folder

    sessions = [session(at_berlin(2025, 3, 10, 8, 0) + timedelta(minutes=n)) for n in range(300)]
    laptop = shared / "devices" / str(uuid.uuid4())
    laptop.mkdir(parents=True)
    (laptop / "2025-03.jsonl").write_bytes(b"".join(encode(s) for s in sessions))
    monkeypatch.setattr(rounds, "PIECE", 16 * 1024)
    seen: list[tuple[int, int]] = []
    real_read = Folder.read_from

    def watched(folder: Folder, path: Path, offset: int, most: int) -> object:
        other = sqlite3.connect(desk.path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # the write lock is free: no other command waits here
            other.rollback()
            merged = other.execute("SELECT count(*) FROM sessions").fetchone()[0]
            place = other.execute("SELECT coalesce(max(\"offset\"), 0) FROM sync_files").fetchone()[0]
        finally:
            other.close()
        seen.append((merged, place))
        return real_read(folder, path, offset, most)

    monkeypatch.setattr(Folder, "read_from", watched)
    with time_machine.travel(EVENING, tick=False):
        done = rounds.receive(desk, rounds.folder_of(desk, Sync(shared, "desk")), EVENING)
    assert done.received[laptop.name]["sessions"] == 300 and done.problems == []
    assert len(seen) >= 5  # pieces, each read after the one before was committed
    assert [merged for merged, _ in seen] == sorted(merged for merged, _ in seen)
    assert all(0 < merged < 300 for merged, _ in seen[1:-1])
    places = [place for _, place in seen]
    assert places == sorted(places) and places[1] > 0  # each piece's place saved with it
