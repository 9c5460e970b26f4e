"""`handhabit restore`: lists the deleted sessions and excuses, and brings one back by the start of its id.
Whatever deleted a record (`undo`, `unskip`, or a mark another device sent), it can be had back: as a copy
that counts, and syncs, as a new record does (`store.restoring` says why a copy)."""

from __future__ import annotations

import uuid
from datetime import datetime

import click

from handhabit.cli.app import App, Failure, RuntimeFailure, local
from handhabit.cli.output import say
from handhabit.cli.recording import because, habit_name, print_standing, span_words, with_length
from handhabit.core.excusing import ALL_HABITS
from handhabit.core.records import Excuse, Session
from handhabit.core.visible import visible
from handhabit.host.clock import utc_now

SHOWN = 20  # deleted records listed without --all: the ones just taken back by mistake
SHORT = 8  # characters of an id shown, more where two ids begin alike


def short_ids(ids: list[str]) -> dict[str, str]:
    """Each id cut to SHORT characters, or to as many as tell it from the others (sorted, an id begins most
    like its neighbours)."""
    ordered = sorted(set(ids))
    shown = {}
    for n, full in enumerate(ordered):
        alike = max((_alike(full, other) for other in ordered[max(n - 1, 0):n + 2] if other != full), default=0)
        shown[full] = full[:max(SHORT, alike + 1)]
    return shown


def _alike(one: str, other: str) -> int:
    """How many characters the two begin with alike."""
    return next((n for n, (a, b) in enumerate(zip(one, other, strict=False)) if a != b), min(len(one), len(other)))


def record_words(app: App, record: Session | Excuse) -> str:
    """A session as `done` says it, an excuse as `skip` does."""
    if isinstance(record, Excuse):
        whose = "all habits" if record.habit == ALL_HABITS else habit_name(app.config, record.habit)
        return f"the excuse of {whose} {span_words(record.from_date, record.to_date)}{because(record.reason)}"
    what = with_length(habit_name(app.config, record.habit), record.minutes)
    note = f", note: {visible(record.note)}" if record.note else ""
    return f"{what} at {local(record.at_utc, app.zone)} (counts for {record.logical_date:%a %Y-%m-%d}){note}"


@click.command(short_help="List deleted sessions and excuses, or bring one back.")
@click.argument("prefix", metavar="[ID]", required=False)
@click.option("--all", "every", is_flag=True, help=f"List every deleted record, not only the {SHOWN} deleted last.")
@click.pass_obj
def restore(app: App, prefix: str | None, every: bool) -> None:
    """Bring back the deleted session or excuse whose id begins with ID (at least 4 characters), as a new
    record that counts again and syncs like one. Without ID, list the deleted ones, newest deletion first."""
    if prefix is None:
        list_deleted(app, every)
        return
    if every:
        raise Failure("give an ID or --all, not both")
    restore_one(app, prefix, utc_now())


def list_deleted(app: App, every: bool) -> None:
    found = app.reader.deleted()
    shown = {full: visible(short) for full, short in short_ids([item.record.id for item in found]).items()}
    restorable = [item.record for item in found if not item.live_again]
    if not restorable:
        say("Nothing to restore: every session and excuse counts.")
        return
    listed = restorable if every else restorable[:SHOWN]
    width = max(len(shown[record.id]) for record in listed)
    say("Deleted, newest first (`handhabit restore ID` brings one back):")
    for record in listed:
        deleted = f"deleted {local(record.deleted_utc, app.zone)}" if record.deleted_utc else ""
        say(f"  {shown[record.id]:<{width}}  {deleted}  {record_words(app, record)}")
    if len(listed) < len(restorable):
        say(f"and {len(restorable) - len(listed)} deleted earlier (`handhabit restore --all` lists them).")


def restore_one(app: App, prefix: str, now: datetime) -> None:
    from handhabit.store.restoring import LEAST_PREFIX

    found, copy = app.store.restore(prefix, str(uuid.uuid4()), now)
    if not found:
        if len(prefix) < LEAST_PREFIX:
            raise Failure(f'"{prefix}" is too short: give at least {LEAST_PREFIX} characters of the id '
                          "(`handhabit restore` lists them)")
        raise RuntimeFailure(f'no deleted session or excuse has an id beginning "{prefix}" '
                             "(`handhabit restore` lists them)")
    if len(found) > 1:
        shown = short_ids([item.record.id for item in found])
        raise Failure(f'"{prefix}" begins {len(found)} deleted records\' ids ({", ".join(shown.values())}): '
                      "give more of the id")
    record = found[0].record
    if copy is None:
        say(f"Already live: {record_words(app, record)}; nothing changed.")
        return
    say(f"Restored {record_words(app, copy)}.")
    if isinstance(copy, Session):
        if any(h.id == copy.habit for h in app.config.habits):
            print_standing(app, app.config.habit(copy.habit), now, copy.logical_date)
        return
    for habit in app.config.habits:
        if copy.habit in (ALL_HABITS, habit.id):
            print_standing(app, habit, now)
