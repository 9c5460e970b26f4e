"""`handhabit sync`, and the journal line every change recorded here leaves for the other devices: sent
to the sync folder right after the command that made it, or, while the folder cannot be written, kept in
the database for the next command (one warning line; what was recorded here stays recorded)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

import click

from handhabit.cli.app import App, Failure, RuntimeFailure, local
from handhabit.cli.output import complain, one_line, say
from handhabit.core.units import counted
from handhabit.core.visible import visible
from handhabit.host.clock import utc_now

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from handhabit.config.model import Sync

NO_FOLDER = 'no sync folder: set [sync] folder = "~/Sync/handhabit" in the config (a folder your sync tool shares)'
KINDS = (("sessions", "session"), ("excuses", "excuse"), ("events", "event"), ("deleted", "taken back"))


def what(counts: Counter[str]) -> str:
    parts = [counted(counts[key], word) if key != "deleted" else f"{counts[key]} {word}"
             for key, word in KINDS if counts[key]]
    return ", ".join(parts) or "nothing new"


def send_after(app: App) -> None:
    """After a command that recorded something: its journal lines to the folder, if sync is set up."""
    store = app.recorded_in
    if store is None or not store.journaling:
        return
    from handhabit.store import StoreError
    from handhabit.sync.folder import SyncFolderError
    from handhabit.sync.rounds import folder_of, send

    try:
        send(store, folder_of(store, app.config.sync), utc_now())
    except (SyncFolderError, StoreError) as exc:
        complain(f"warning: recorded here, not yet in the sync folder: {exc}")


@click.command(short_help="Merge the other devices' records from the sync folder now.")
@click.option("--new-id", is_flag=True,
              help="Give this installation an id of its own, when a copied database shares one with another.")
@click.pass_obj
def sync(app: App, new_id: bool) -> None:
    """Send this device's changes to the sync folder and merge what the other devices wrote there."""
    from handhabit.sync.folder import SyncFolderError
    from handhabit.sync.rounds import sync as sync_round

    settings = app.config.sync
    if settings.folder is None:
        raise Failure(NO_FOLDER)
    if new_id:
        old, made = app.store.new_device_id()
        before = f", no longer {old}" if old else ""
        say(f'This installation is now device {made} ("{visible(settings.device)}"){before}: its whole history '
            "goes to the sync folder again under the new id.")
    try:
        done = sync_round(app.store, settings, utc_now())
    except SyncFolderError as exc:
        raise RuntimeFailure(str(exc)) from None
    say(f"Sent {counted(done.sent, 'change')} to {settings.folder}.")
    for name, counts in sorted(done.received.items()):
        say(f"From {visible(name)}: {what(counts)}.")  # another device's name, from its device.json
    if not done.received:
        say("No other device has written there yet.")
    for line in done.problems:
        complain(f"warning: {line}")  # it quotes other devices' file names: `complain` shows them escaped


def check_line(settings: Sync) -> str:
    """`check`'s word on sync: whether it is on, and whether the folder is ready, before any sync is tried."""
    if settings.folder is None:
        return "Sync: off (set [sync] folder in the config to share the record with your other machines)."
    from handhabit.sync.folder import Folder

    standing = Folder(settings.folder, None, settings.device).standing()
    return f'Sync: {settings.folder} as "{visible(settings.device)}"; {standing}.'


def status_line(app: App, settings: Sync, tz: ZoneInfo) -> str | None:
    """`status`'s word on sync: the folder, this device's name, and the other devices with when each last
    wrote there. Read only: a device that never synced has no id yet, and then every device is another."""
    if settings.folder is None:
        return None
    from handhabit.sync.folder import Folder, SyncFolderError

    try:
        listing = Folder(settings.folder, app.reader.known_device_id(), settings.device).others()
    except SyncFolderError as exc:
        return f"Sync: {one_line(str(exc))}."
    last: dict[str, datetime] = {}
    for journal in listing.journals:
        last[journal.device_name] = max(journal.modified, last.get(journal.device_name, journal.modified))
    seen = "; ".join(f"{visible(name)} last wrote {local(at, tz)}" for name, at in sorted(last.items()))
    unread = f"; {counted(len(listing.problems), 'file')} cannot be read (`handhabit sync` names them)" * bool(
        listing.problems)
    return (f'Sync: {settings.folder} as "{visible(settings.device)}"; '
            + (seen or "no other device has written there yet") + unread + ".")
