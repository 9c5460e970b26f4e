"""The commands around files: the config (`check`, `init`) and the records as files (`export`, `import`)."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from pathlib import Path

import click

from handhabit.cli.app import App, Failure, RuntimeFailure, local, write_atomically
from handhabit.cli.output import say
from handhabit.cli.syncing import check_line
from handhabit.config.model import Habit, Reminder
from handhabit.core.schedule import upcoming
from handhabit.core.units import WEEKDAY_NAMES, counted, format_duration, length_words, weekday_names
from handhabit.core.visible import visible
from handhabit.host.clock import utc_now
from handhabit.host.paths import private_folder


@click.command(short_help="Validate the config; show the next reminders.")
@click.pass_obj
def check(app: App) -> None:
    """Validate the config and show the habits, reminders and next fire times."""
    config, tz = app.whole_config, app.zone
    if config.source is None:
        say(f"No config file at {app.config_path}: using the built-in default "
            "(`handhabit init` writes it there to edit).")
    else:
        say(f"Config {config.source} is valid.")
    general = config.general
    say(f"Time zone {tz.key}; the day starts at {general.day_starts_at:%H:%M}; "
        f"weeks start on {WEEKDAY_NAMES[general.week_starts_on].capitalize()}.")
    say("\nHabits:")
    for habit in config.habits:
        routine = config.routine(habit.routine)
        say(f"  {habit.id}: {visible(habit.name)}, {target_words(habit)}, {weekday_names(habit.days)}; "
            f"routine {routine.id} ({length_words(routine.minutes * 60)})")
    say("\nReminders:")
    now = utc_now()
    for reminder in config.reminders:
        say(f"  {reminder.id} ({reminder.habit}): {reminder_words(reminder)}")
        times = upcoming(reminder, tz, now, 5)
        say("    next: " + (", ".join(local(t, tz) for t in times) or "never (no due days)"))
    if not config.reminders:
        say("  none: add [[reminders]] to be reminded")
    say("\nRoutines (`handhabit guide ROUTINE`; `--list` shows the steps):")
    for routine in config.routines:
        say(f"  {routine.id}: {visible(routine.name)}, {length_words(routine.minutes * 60)}, "
            f"{counted(len(routine.steps), 'step')}")
    say("\n" + check_line(config.sync))


def target_words(habit: Habit) -> str:
    target = habit.target
    amount = counted(target.sessions, "session") if target.sessions is not None \
        else f"{target.minutes:g} min"
    return f"{amount} a {target.per}"


def reminder_words(reminder: Reminder) -> str:
    days = weekday_names(reminder.days)
    if reminder.every and reminder.between:
        start, end = reminder.between
        when = f"every {format_duration(reminder.every)} between {start:%H:%M} and {end:%H:%M}, {days}"
    else:
        when = "at " + ", ".join(f"{t:%H:%M}" for t in reminder.at) + f", {days}"
    extras = [f"late by up to {format_duration(reminder.grace)} after sleep"]
    if reminder.routine:
        extras.insert(0, f"suggests {reminder.routine}")
    if reminder.skip_if_met:
        extras.insert(0, "not once the target is met")
    return f"{when}; {'; '.join(extras)}"


@click.command()
@click.option("--force", is_flag=True, help="Overwrite an existing config file.")
@click.pass_obj
def init(app: App, force: bool) -> None:
    """Write the example config to the config path, to edit."""
    from handhabit.config.default import example_toml

    path = app.config_path
    if path.exists() and not force:
        raise RuntimeFailure(f"{path} already exists (use --force to overwrite it)")
    try:
        private_folder(path.parent)
    except OSError as exc:
        raise RuntimeFailure(f"cannot create {path.parent}: {exc.strerror or exc}") from None
    write_atomically(path, example_toml().encode("utf-8"))
    say(f"Wrote {path}. Edit it, then `handhabit check`.")


@click.command(short_help="Write every record out, as JSON or CSV.")
@click.option("--format", "file_format", type=click.Choice(["json", "csv"]), default="json", show_default=True,
              help="json: every record, for backups and `handhabit import`; csv: a row per session, for spreadsheets.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (replaced atomically) instead of standard output.")
@click.pass_obj
def export(app: App, file_format: str, output: str | None) -> None:
    """Write all records out: JSON to back up or move to another machine, CSV for a spreadsheet."""
    from handhabit.interchange.export import csv_document, json_document, live

    target = None if output is None or output == "-" else export_target(app, output)
    rows = app.reader.all_rows()
    if file_format == "json":
        text, written = json_document(rows), records_words(len(rows.sessions), len(rows.excuses),
                                                                       len(rows.events))
    else:
        text, written = csv_document(rows.sessions), counted(len(live(rows.sessions)),
                                                                         "session")
    data = text.encode("utf-8")  # bytes, so the locale can neither mangle notes nor turn \n into \r\n
    if target is None:
        sys.stdout.buffer.write(data)  # the data alone, for a pipe
        sys.stdout.buffer.flush()
    else:
        write_atomically(target, data)
        say(f"Exported {written} to {output}.")


def records_words(sessions: int, excuses: int, events: int) -> str:
    return f"{counted(sessions, 'session')}, {counted(excuses, 'excuse')} and {counted(events, 'event')}"


def export_target(app: App, output: str) -> Path:
    """The file `-o` replaces, refused when it is an input: the database (or its -wal, -shm, -journal
    file, however it is spelled, a hard link included: compared by inode) or the config, or anything but a
    regular file, which the temp-file-and-rename cannot replace (a folder, /dev/stdout, a FIFO)."""
    target = Path(output).resolve()  # a symlink's target is what the person means to replace
    inputs = [Path(f"{app.db_path}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")] + [app.config_path]
    protected = {path.resolve() for path in inputs}
    identities = set()
    for path in inputs:
        with contextlib.suppress(OSError):
            known = path.stat()
            identities.add((known.st_dev, known.st_ino))
    info: os.stat_result | None = None
    try:
        info = target.stat()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise RuntimeFailure(f"cannot write {output}: {exc.strerror or exc}") from None
    if target in protected or (info is not None and (info.st_dev, info.st_ino) in identities):
        raise Failure(f"-o {output} is handhabit's own database or config: the export would replace what it "
                      "backs up (give another file)")
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise Failure(f"-o {output} is not a regular file: export writes a new file and renames it into place "
                      "(give a file path, or leave out -o for standard output)")
    return target


@click.command("import", short_help="Add the records of a JSON export.")
@click.argument("file", metavar="FILE")
@click.pass_obj
def import_(app: App, file: str) -> None:
    """Add the records of a JSON export (a backup, another machine's); records already here are skipped.

    The whole file is checked first: a file with any problem changes nothing. FILE may be - for stdin.
    """
    from handhabit.interchange import importing

    name = "stdin" if file == "-" else file
    try:
        data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        raise RuntimeFailure(f"cannot read {file}: {exc.strerror or exc}") from None
    try:
        records = importing.read_export(data, utc_now())
    except importing.BadImport as exc:
        raise Failure(f"{name}: {exc}") from None
    known = {habit.id for habit in app.config.habits}  # before writing: a broken config stops the import unchanged
    added = app.store.import_records(records.sessions, records.excuses, records.events)
    total = len(records.sessions) + len(records.excuses) + len(records.events)
    say(f"Imported {records_words(added['sessions'], added['excuses'], added['events'])} from {name}; "
        f"{total - sum(added.values())} already present.")
    strangers = sorted({session.habit for session in records.sessions} - known)
    if strangers:
        say(f"Kept sessions of habits not in the config: {', '.join(strangers)} "
            "(add them to the config to see their streaks).")
