"""The `handhabit` command: parses what a person typed, calls the core and the store, prints.

User mistakes end in one line on stderr starting with "handhabit: " and exit status 2; runtime
failures (database, file system) in one such line and exit status 1. No tracebacks.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
import sys
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from zoneinfo import ZoneInfo

import click

from handhabit import __version__, habits
from handhabit.clock import utc_now, zone
from handhabit.config import Config, ConfigError, Habit, Reminder, Routine, load
from handhabit.paths import default_config_path, default_db_path, private_folder
from handhabit.records import Event, Excuse, Session, parse_utc
from handhabit.schedule import next_fire, upcoming, wall_instant
from handhabit.store.errors import InvalidRecord, StoreError
from handhabit.timeinput import YEAR, NoTimeOfDay, parse_date, parse_instant
from handhabit.units import (
    WEEKDAY_NAMES,
    duration_words,
    format_duration,
    length_words,
    parse_clock,
    parse_duration,
    weekday_names,
)

if TYPE_CHECKING:
    from handhabit.store import Store

USAGE, FAILURE = 2, 1


# What a terminal or `str.splitlines` takes for the end of a line: shown escaped when a value typed or read
# holds one, so an error stays the one line it is (`--date $'x\ny'`, a TOML string with "\n").
_LINE_BREAKS = {ord(c): c.encode("unicode_escape").decode() for c in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"}


def one_line(text: str) -> str:
    return text.translate(_LINE_BREAKS)


class Failure(click.ClickException):
    """What the person can fix in the command or the config: `handhabit: ...` lines, exit 2. One line,
    unless `lines` lists several problems (a config's)."""

    exit_code = USAGE

    def __init__(self, message: str, lines: list[str] | None = None) -> None:
        super().__init__(message)
        self.lines = lines or [message]

    def show(self, file: Any = None) -> None:
        for line in self.lines:
            click.echo(f"handhabit: {one_line(line)}", err=True)


class RuntimeFailure(Failure):
    """Something the command could not do (a file, the database): exit 1."""

    exit_code = FAILURE


@dataclass
class App:
    """What every command shares; config and store load on first use so `--help` stays instant."""

    config_path: Path
    db_path: Path
    verbose: bool

    @cached_property
    def config(self) -> Config:
        try:
            return load(self.config_path)
        except ConfigError as exc:
            raise Failure(str(exc), exc.lines) from None

    @cached_property
    def zone(self) -> ZoneInfo:
        return zone(self.config.general, warn=lambda text: click.echo(f"handhabit: warning: {text}", err=True))

    @cached_property
    def store(self) -> Store:
        """For the commands that record; created, migrated and checked as handhabit's on first use."""
        from handhabit.store import Store  # sqlite-utils is a third of start-up; --help and check skip it

        return Store(self.db_path)

    @cached_property
    def reader(self) -> Store:
        """For the commands that only read: they never write a byte, so a backup works on a full disk."""
        from handhabit.store import Store

        return Store(self.db_path, writable=False)

    def today(self, now: datetime) -> date:
        return habits.logical_date(now, self.zone, self.config.general.day_starts_at)

    def habit(self, habit_id: str | None) -> Habit:
        known = [h.id for h in self.config.habits]
        if habit_id is None:
            if len(known) == 1:
                return self.config.habits[0]
            raise Failure(f"name the habit: one of {', '.join(known)}")
        if habit_id not in known:
            raise Failure(f'no habit "{habit_id}" in the config (known: {", ".join(known)})')
        return self.config.habit(habit_id)

    def report(
        self, habit: Habit, today: date, week_of: date, sessions: list[Session], excuses: list[Excuse]
    ) -> habits.HabitReport:
        return habits.report(
            habit, sessions, excuses, today=today, week_of=week_of,
            week_starts_on=self.config.general.week_starts_on,
            routine_minutes=self.config.routine(habit.routine).minutes,
        )

    def progress(self, habit: Habit, sessions: list[Session], excuses: list[Excuse], day: date) -> habits.Progress:
        return habits.progress(
            habit, sessions, excuses, today=day, week_starts_on=self.config.general.week_starts_on,
            routine_minutes=self.config.routine(habit.routine).minutes,
        )


def local(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%a %Y-%m-%d %H:%M")


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              envvar="HANDHABIT_CONFIG", help="Config file [env HANDHABIT_CONFIG; default: XDG config dir].")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
              envvar="HANDHABIT_DB", help="Database file [env HANDHABIT_DB; default: XDG data dir].")
@click.option("-v", "--verbose", is_flag=True, help="More detail in the log.")
@click.version_option(__version__, prog_name="handhabit")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, db_path: Path | None, verbose: bool) -> None:
    """Hand-care reminders at work breaks and at bedtime, with a record and streaks.

    Start with `handhabit check` to see the schedule, `handhabit run` to get reminders
    and `handhabit done` after each session.
    """
    ctx.obj = App(config_path or default_config_path(), db_path or default_db_path(), verbose)
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@cli.command(short_help="Run the reminder daemon in the foreground.")
@click.pass_obj
def run(app: App) -> None:
    """Run the reminder daemon in the foreground (what the user service starts)."""
    from handhabit import logs
    from handhabit.daemon import Daemon
    from handhabit.instance import AlreadyRunning, lock_path, single_instance
    from handhabit.notify import choose

    logs.setup(app.verbose)
    config = app.config
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(single_instance(lock_path()))
        except AlreadyRunning as exc:
            raise RuntimeFailure(
                f"already running as pid {exc.pid or '(unknown)'}: one daemon per user (stop it with "
                f"`systemctl --user stop handhabit` or `kill {exc.pid or 'PID'}`)"
            ) from None
        except OSError as exc:
            raise RuntimeFailure(f"cannot create the daemon's lock at {lock_path()}: {exc.strerror or exc}") from None
        log = logging.getLogger("handhabit")
        log.info("config: %s", config.source or f"built-in default (no config file at {app.config_path})")
        log.info("database: %s", app.db_path)
        tz = zone(config.general, warn=log.warning)  # a log line, where app.zone would print one
        Daemon(config, app.store, choose(config.notify.backend), tz, config_path=app.config_path).run()


@cli.command(short_help="Validate the config; show the next reminders.")
@click.pass_obj
def check(app: App) -> None:
    """Validate the config and show the habits, reminders and next fire times."""
    config, tz = app.config, app.zone
    if config.source is None:
        click.echo(f"No config file at {app.config_path}: using the built-in default "
                   "(`handhabit init` writes it there to edit).")
    else:
        click.echo(f"Config {config.source} is valid.")
    general = config.general
    click.echo(f"Time zone {tz.key}; the day starts at {general.day_starts_at:%H:%M}; "
               f"weeks start on {WEEKDAY_NAMES[general.week_starts_on].capitalize()}.")
    click.echo("\nHabits:")
    for habit in config.habits:
        routine = config.routine(habit.routine)
        click.echo(f"  {habit.id}: {habit.name}, {target_words(habit)}, {weekday_names(habit.days)}; "
                   f"routine {routine.id} ({length_words(routine.minutes * 60)})")
    click.echo("\nReminders:")
    now = utc_now()
    for reminder in config.reminders:
        click.echo(f"  {reminder.id} ({reminder.habit}): {reminder_words(reminder)}")
        times = upcoming(reminder, tz, now, 5)
        click.echo("    next: " + (", ".join(local(t, tz) for t in times) or "never (no due days)"))
    if not config.reminders:
        click.echo("  none: add [[reminders]] to be reminded")
    click.echo("\nRoutines (`handhabit guide ROUTINE`; `--list` shows the steps):")
    for routine in config.routines:
        click.echo(f"  {routine.id}: {routine.name}, {length_words(routine.minutes * 60)}, {len(routine.steps)} steps")


def target_words(habit: Habit) -> str:
    target = habit.target
    amount = f"{target.sessions} session{'s' if target.sessions != 1 else ''}" if target.sessions is not None \
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


@cli.command()
@click.option("--force", is_flag=True, help="Overwrite an existing config file.")
@click.pass_obj
def init(app: App, force: bool) -> None:
    """Write the example config to the config path, to edit."""
    from handhabit.defaults import example_toml

    path = app.config_path
    if path.exists() and not force:
        raise RuntimeFailure(f"{path} already exists (use --force to overwrite it)")
    try:
        private_folder(path.parent)
    except OSError as exc:
        raise RuntimeFailure(f"cannot create {path.parent}: {exc.strerror or exc}") from None
    write_atomically(path, example_toml().encode("utf-8"))
    click.echo(f"Wrote {path}. Edit it, then `handhabit check`.")


def when_recorded(app: App, now: datetime, at_text: str | None, date_text: str | None) -> tuple[datetime, str]:
    """The session's instant, and how it was given: "now", "at" (an exact earlier time) or "date" (a
    past day without a time: stored at noon, the one hour that is in the logical day whatever its start)."""
    if at_text is not None and date_text is not None:
        raise Failure("give --at or --date, not both")
    today = app.today(now)
    try:
        if at_text is not None:
            try:
                at = parse_instant(at_text, app.zone)
            except NoTimeOfDay:
                typed = at_text.strip()
                raise Failure(f"--at {at_text} has no time of day: add one (e.g. {typed}T21:00), or use "
                              f"--date {typed} for the day") from None
            if at > now:
                raise Failure(f"--at {at_text} is in the future")
            return at, "at"
        if date_text is not None:
            day = parse_date(date_text, today)
            if day > today:
                raise Failure(f"--date {date_text} is in the future (today is {today})")
            if day == today:
                return now, "now"
            return wall_instant(day, max(time(12), app.config.general.day_starts_at), app.zone), "date"
    except ValueError as exc:
        raise Failure(str(exc)) from None
    return now, "now"


class Minutes(click.ParamType):  # type: ignore[type-arg]
    """A session length: a finite number above 0 and at most a day (`records.minutes_flaw`), so "nan" or
    "inf" never reach the store."""

    name = "minutes"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        from handhabit.records import MINUTES_RANGE, minutes_flaw

        try:
            minutes = float(value)
        except (TypeError, ValueError):
            self.fail(f'"{value}" is not a number of minutes ({MINUTES_RANGE})', param, ctx)
        problem = minutes_flaw(minutes)
        if problem:
            self.fail(f"{problem} ({MINUTES_RANGE})", param, ctx)
        return minutes


@cli.command(short_help="Record a session.")
@click.argument("habit", required=False)
@click.option("--minutes", type=Minutes(),
              help="How long it took (default: the length of the habit's routine).")
@click.option("--at", "at_text", metavar="TIME", help="When it was done, e.g. 2025-03-11T21:00.")
@click.option("--date", "date_text", metavar="DATE", help="The day it counts for: YYYY-MM-DD or yesterday.")
@click.option("--note", help="A few words to keep with the session.")
@click.pass_obj
def done(app: App, habit: str | None, minutes: float | None, at_text: str | None,
         date_text: str | None, note: str | None) -> None:
    """Record a session of HABIT (may be left out when the config has one habit)."""
    now = utc_now()
    at, given = when_recorded(app, now, at_text, date_text)
    record(app, app.habit(habit), now, at, minutes=minutes, source="cli" if given == "now" else "backfill",
           note=note, date_only=given == "date")


def record(app: App, habit: Habit, now: datetime, at: datetime, *, minutes: float | None, source: str,
           note: str | None = None, date_only: bool = False) -> None:
    """Stores a session and says what changed: the one way `done` and `guide` record."""
    day = app.today(at)
    app.store.add_session(Session(
        id=str(uuid.uuid4()), habit=habit.id, at_utc=at, tz=app.zone.key, logical_date=day, minutes=minutes,
        source=source, note=note, recorded_utc=now,
    ))
    what = habit.name + (f", {minutes:g} min," if minutes is not None else "")
    if date_only:
        click.echo(f"Recorded {what} for {day:%a %Y-%m-%d}.")
    else:
        click.echo(f"Recorded {what} at {local(at, app.zone)} (counts for {day:%a %Y-%m-%d}).")
    print_standing(app, habit, now, day)


def print_standing(app: App, habit: Habit, now: datetime, changed: date | None = None) -> None:
    """The line after every change: the changed day's progress when it is not today's, today's, the streak."""
    today = app.today(now)
    sessions, excuses = app.store.sessions(habit.id), app.store.excuses()
    parts = []
    if changed is not None:
        then = app.progress(habit, sessions, excuses, changed)
        week_of = habits.week_start(changed, app.config.general.week_starts_on)
        if then.per == "day" and changed != today:
            parts.append(f"{then.amount} on {changed:%a %Y-%m-%d}")
        elif then.per == "week" and week_of != habits.week_start(today, app.config.general.week_starts_on):
            parts.append(f"{then.amount} in the week of {week_of:%a %Y-%m-%d}")
    parts.append(app.progress(habit, sessions, excuses, today).text)
    parts.append(app.report(habit, today, today, sessions, excuses).streak_text)
    click.echo(f"{habit.name}: {' · '.join(parts)}")


@cli.command(short_help="Undo the last recorded session.")
@click.pass_obj
def undo(app: App) -> None:
    """Undo the most recently recorded session (again for the one before)."""
    session = app.store.undo_last(utc_now())
    if session is None:
        raise RuntimeFailure("nothing to undo")
    name = next((h.name for h in app.config.habits if h.id == session.habit), session.habit)
    click.echo(f"Undid {name} at {local(session.at_utc, app.zone)} (counted for {session.logical_date}).")
    if any(h.id == session.habit for h in app.config.habits):
        print_standing(app, app.config.habit(session.habit), utc_now(), session.logical_date)


MAX_EXCUSE_DAYS = 366


def excused_days(today: date, date_text: str | None, from_text: str | None, to_text: str | None) -> tuple[date, date]:
    """The first and last day `skip` excuses. Future days are fine (a planned holiday silences its
    reminders); ranges are capped at a year because an excuse cannot be undone from the CLI."""
    if date_text is not None and (from_text is not None or to_text is not None):
        raise Failure("give --date or --from/--to, not both")
    if (from_text is None) != (to_text is None):
        raise Failure("give --from and --to together (for one day use --date)")
    try:
        if from_text is not None and to_text is not None:
            first, last = parse_date(from_text, today), parse_date(to_text, today)
        else:
            first = last = parse_date(date_text, today) if date_text is not None else today
    except ValueError as exc:
        raise Failure(str(exc)) from None
    if first > last:
        raise Failure(f"--from {first} is after --to {last}")
    if (last - first).days >= MAX_EXCUSE_DAYS:
        raise Failure(f"--from {first} --to {last} is more than {MAX_EXCUSE_DAYS} days (excuse a year at most)")
    return first, last


def span_words(first: date, last: date) -> str:
    if first == last:
        return f"on {first:%a %Y-%m-%d}"
    return f"for {(last - first).days + 1} days, {first:%a %Y-%m-%d} to {last:%a %Y-%m-%d}"


@cli.command(short_help="Excuse days (sick, travelling, resting).")
@click.argument("habit", required=False)
@click.option("--date", "date_text", metavar="DATE", help="The day to excuse (default: today).")
@click.option("--from", "from_text", metavar="DATE", help="The first day of a range to excuse (with --to).")
@click.option("--to", "to_text", metavar="DATE", help="The last day of the range, included.")
@click.option("--reason", help="Why, e.g. vacation, sick, rest.")
@click.pass_obj
def skip(app: App, habit: str | None, date_text: str | None, from_text: str | None, to_text: str | None,
         reason: str | None) -> None:
    """Excuse days for HABIT (all habits when left out): a shortfall on them neither counts for nor
    against the streak, and the daemon holds their reminders."""
    chosen = [app.habit(habit)] if habit else list(app.config.habits)
    now = utc_now()
    first, last = excused_days(app.today(now), date_text, from_text, to_text)
    target = chosen[0].id if habit else "*"
    who = chosen[0].name if habit else "all habits"
    because = f" ({reason})" if reason else ""
    covered = habits.excused_dates([e for e in app.store.excuses() if e.habit in ("*", target)], first, last)
    if len(covered) == (last - first).days + 1:
        click.echo(f"{who[0].upper()}{who[1:]} already excused {span_words(first, last)}; nothing changed.")
        return
    app.store.add_excuse(Excuse(str(uuid.uuid4()), target, first, last, reason))
    click.echo(f"Excused {who} {span_words(first, last)}{because}.")
    for h in chosen:
        print_standing(app, h, now)


@cli.command()
@click.argument("habit", required=False)
@click.option("--week", "week_text", metavar="DATE", help="Show the week holding DATE (default: this week).")
@click.option("--weeks", type=click.IntRange(1, 520), metavar="N",
              help="Draw a heatmap of the last N weeks (up to the week shown) instead of the table.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_obj
def streak(app: App, habit: str | None, week_text: str | None, weeks: int | None, as_json: bool) -> None:
    """The week's summary: sessions per day, streaks and habit strength."""
    if weeks and as_json:
        raise Failure("--weeks draws a heatmap, --json prints one week: give one of them")
    from handhabit import report

    chosen = [app.habit(habit)] if habit else list(app.config.habits)
    today = app.today(utc_now())
    try:
        week_of = parse_date(week_text, today) if week_text is not None else today
    except ValueError as exc:
        raise Failure(str(exc)) from None
    general = app.config.general
    start = habits.week_start(week_of, general.week_starts_on)
    history, excuses = {h.id: app.reader.sessions(h.id) for h in chosen}, app.reader.excuses()
    reports = [app.report(h, today, week_of, history[h.id], excuses) for h in chosen]
    if as_json:
        click.echo(json.dumps(report.streak_json(today, start, reports), indent=2))
        return
    from rich.console import Console

    console = Console()
    if not weeks:
        console.print(report.streak_table(today, start, reports))
        return
    from handhabit.heatmap import heatmap, legend

    for r in reports:
        days = habits.calendar(
            r.habit, history[r.habit.id], excuses, first=start - timedelta(weeks=weeks - 1),
            weeks=weeks, week_starts_on=general.week_starts_on,
            routine_minutes=app.config.routine(r.habit.routine).minutes,
        )
        console.print(heatmap(r, days, today=today, week_starts_on=general.week_starts_on, width=console.width))
        console.print()
    console.print(legend())


def pause_end(app: App, now: datetime, duration: str | None, until_text: str | None) -> datetime:
    """DURATION from now, --until a clock time (the next one) or an ISO time, or by default the end of
    the logical day, so a pause never outlives the evening it was meant for."""
    if duration is not None and until_text is not None:
        raise Failure("give a DURATION or --until, not both")
    try:
        if duration is not None:
            return now + parse_duration(duration, most=YEAR)
        if until_text is not None:
            until = next_clock_time(until_text, now, app.zone) or until_instant(until_text, app.zone)
            if until <= now:
                raise Failure(f"--until {until_text} is in the past")
            if until - now > YEAR:
                raise Failure(f"--until {until_text} is more than a year away (a pause lasts at most "
                              f"{duration_words(YEAR)})")
            return until
    except ValueError as exc:
        raise Failure(str(exc)) from None
    return wall_instant(app.today(now) + timedelta(days=1), app.config.general.day_starts_at, app.zone)


def until_instant(text: str, zone: ZoneInfo) -> datetime:
    try:
        return parse_instant(text, zone)
    except ValueError:
        raise ValueError(f'"{text}" is not a time (use e.g. 14:00 or 2025-03-11T21:00)') from None


def next_clock_time(text: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """ "14:00": the next time the clock shows it (today, else tomorrow); None when it is no HH:MM."""
    try:
        at = parse_clock(text)
    except ValueError:
        return None
    today = now.astimezone(zone).date()
    instant = wall_instant(today, at, zone)
    return instant if instant > now else wall_instant(today + timedelta(days=1), at, zone)


@cli.command(short_help="No reminders for a while.")
@click.argument("duration", required=False)
@click.option("--until", "until_text", metavar="TIME", help="Until this time: 14:00, or 2025-03-11T21:00.")
@click.pass_obj
def pause(app: App, duration: str | None, until_text: str | None) -> None:
    """No reminders for DURATION (45m, 2h, 1h30m) or --until TIME; with neither, until the day ends.

    The running daemon reads the pause from the database when a reminder is due.
    """
    from handhabit.pauses import pause_event

    now = utc_now()
    until = pause_end(app, now, duration, until_text)
    app.store.add_event(pause_event(str(uuid.uuid4()), now, until))
    click.echo(f"Paused: no reminders until {local(until, app.zone)} (`handhabit resume` ends it sooner).")


@cli.command(short_help="End a pause.")
@click.pass_obj
def resume(app: App) -> None:
    """Reminders again, before the pause would have ended."""
    from handhabit.pauses import PAUSED, RESUMED, paused_until, resume_event

    now = utc_now()
    if paused_until(app.store.latest_of(PAUSED, RESUMED), now) is None:
        click.echo("Not paused: reminders are on; nothing changed.")
        return
    app.store.add_event(resume_event(str(uuid.uuid4()), now))
    click.echo("Resumed: reminders are on again.")


@cli.command(short_help="Is the daemon running, is it paused, what comes next.")
@click.pass_obj
def status(app: App) -> None:
    """Whether the daemon runs (and its pid), whether reminders are paused, and the next reminders."""
    from handhabit.instance import lock_path, running_pid
    from handhabit.pauses import PAUSED, RESUMED, paused_until

    pid = running_pid(lock_path())  # before the config: a broken config must not hide whether it runs
    if pid is None:
        click.echo("handhabit is not running: start it with `handhabit service install` (or `handhabit run`).")
    else:
        click.echo(f"handhabit is running (pid {pid or 'unknown'}).")
    config, tz, now = app.config, app.zone, utc_now()
    click.echo(f"Config: {config.source or 'the built-in default'}; database: {app.db_path}.")
    until = paused_until(app.reader.latest_of(PAUSED, RESUMED), now)
    click.echo(f"Paused until {local(until, tz)}." if until else "Not paused.")
    sessions, fired = app.reader.last_session_times(), app.reader.last_fired()
    upcoming_times = sorted(
        (when, reminder.id) for reminder in config.reminders
        if (when := next_fire(reminder, tz, now, sessions.get(reminder.habit), fired.get(reminder.id)))
    )
    click.echo("Next reminders:" if upcoming_times else "No reminders to come.")
    for when, reminder_id in upcoming_times:
        held = " (held: paused)" if until and when < until else ""
        click.echo(f"  {local(when, tz)}  {reminder_id}{held}")


@cli.command("log", short_help="What happened lately: reminders, sessions, pauses.")
@click.option("--days", type=click.IntRange(1, 3660), default=7, show_default=True, help="How far back.")
@click.pass_obj
def log_(app: App, days: int) -> None:
    """Recent events, oldest first: reminders fired, skipped (and why), missed; sessions done; excused
    days (planned ones too); pauses and config reloads."""
    now = utc_now()
    since = now - timedelta(days=days)
    first_day, day_start = app.today(since), app.config.general.day_starts_at
    rows = [(e.at_utc, e.reminder or "", e.kind, event_detail(e, app.zone)) for e in app.reader.events(since)]
    rows += [(s.at_utc, s.habit, "done", f"{s.source}" + (f", {s.minutes:g} min" if s.minutes else ""))
             for s in app.reader.sessions(since=first_day) if s.at_utc >= since]
    rows += [(wall_instant(max(e.from_date, first_day), day_start, app.zone), e.habit.replace("*", "all habits"),
              "excused", span_words(e.from_date, e.to_date) + (f" ({e.reason})" if e.reason else ""))
             for e in app.reader.excuses() if e.to_date >= first_day]
    if not rows:
        click.echo(f"Nothing in the last {counted(days, 'day')}.")
        return
    width = max(len(who) for _, who, _, _ in rows)
    for at, who, kind, detail in sorted(rows, key=lambda row: row[0]):
        click.echo(f"{local(at, app.zone)}  {who:<{width}}  {kind:<13} {detail}".rstrip())


def event_detail(event: Event, zone: ZoneInfo) -> str:
    from handhabit.pauses import PAUSED

    if event.kind == PAUSED and event.detail:
        return f"until {local(parse_utc(event.detail), zone)}"
    return event.detail or ""


@cli.group(short_help="Install handhabit as a systemd user service.")
def service() -> None:
    """The systemd user unit: `install` writes it and starts the daemon at every desktop login."""


def run_or_explain(*commands: tuple[str, ...]) -> bool:
    """Runs `systemctl --user` commands in turn; on the first failure prints what to run by hand."""
    from handhabit.service import systemctl

    for number, args in enumerate(commands):
        outcome = systemctl(*args)
        if outcome.ok:
            continue
        reason = "systemctl is not installed here" if outcome.error is None else outcome.error
        click.echo(f"Could not run `{' '.join(outcome.command)}`: {reason}.")
        click.echo("Run these once a systemd user session is available:")
        for rest in commands[number:]:
            click.echo("    systemctl --user " + " ".join(rest))
        return False
    return True


@service.command(short_help="Write the unit, enable and start it.")
@click.pass_obj
def install(app: App) -> None:
    """Writes ~/.config/systemd/user/handhabit.service for this Python, then enables and starts it."""
    from handhabit.service import UNIT, unit_path, unit_text

    path = unit_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RuntimeFailure(f"cannot create {path.parent}: {exc.strerror or exc}") from None
    write_atomically(path, unit_text(sys.executable).encode(), mode=0o644)
    click.echo(f"Wrote {path} (runs {sys.executable} -m handhabit run).")
    if not run_or_explain(("daemon-reload",), ("enable", "--now", UNIT)):
        raise RuntimeFailure("the unit is written but not started (see above)")
    click.echo("Enabled and started: handhabit now runs with every desktop session. "
               "`handhabit status` shows it; `journalctl --user -u handhabit` shows its log.")


@service.command(short_help="Stop, disable and remove the unit.")
@click.pass_obj
def uninstall(app: App) -> None:
    """Stops and disables the service and removes its unit file; your records stay."""
    from handhabit.service import UNIT, unit_path

    path = unit_path()
    if not path.exists():
        click.echo(f"No unit at {path}: nothing to uninstall.")
        return
    stopped = run_or_explain(("disable", "--now", UNIT))
    path.unlink()
    click.echo(f"Removed {path}. Your config and records stay where they are.")
    if not (stopped and run_or_explain(("daemon-reload",))):
        raise RuntimeFailure("the unit file is removed, but systemd may still know it (see above)")


@service.command("status", short_help="Is the unit installed, enabled, active.")
@click.pass_obj
def service_status(app: App) -> None:
    """What systemd knows of handhabit.service: installed, enabled, active."""
    from handhabit.service import query, unit_path

    path = unit_path()
    click.echo(f"Unit file: {path}" if path.exists() else f"Not installed (no {path}): `handhabit service install`.")
    enabled, active = query("is-enabled"), query("is-active")
    if enabled is None and active is None:
        click.echo("No systemd user manager here (`systemctl --user` does not answer).")
        return
    click.echo(f"Enabled: {enabled or 'unknown'}; active: {active or 'unknown'}.")


def routine_words(routine: Routine) -> list[str]:
    lines = [f"{routine.id}: {routine.name}, {length_words(routine.minutes * 60)}"]
    for number, step in enumerate(routine.steps, start=1):
        each = " each hand" if step.sides else ""
        lines.append(f"  {number}. {step.name}, {step.seconds} s{each}" + (f": {step.how}" if step.how else ""))
    return lines


def guided_habit(config: Config, routine_id: str) -> Habit:
    """The habit a guided session counts for: the one whose routine it is, else one whose reminder
    suggests it, else the first."""
    named = [h for h in config.habits if h.routine == routine_id]
    suggested = [config.habit(r.habit) for r in config.reminders if r.routine == routine_id]
    return [*named, *suggested, config.habits[0]][0]


@cli.command(short_help="Walk through a routine, step by step.")
@click.argument("routine_id", metavar="[ROUTINE]", required=False)
@click.option("--no-record", is_flag=True, help="Try it out: record no session.")
@click.option("--list", "listing", is_flag=True, help="List the routines and their steps.")
@click.pass_obj
def guide(app: App, routine_id: str | None, no_record: bool, listing: bool) -> None:
    """Walk through ROUTINE (default: the first habit's) with a countdown per step; records a session
    of the minutes spent when it ends. Keys: space pauses, n goes to the next step, q quits."""
    config = app.config
    if listing:
        for routine in config.routines:
            click.echo("\n".join(routine_words(routine)))
        return
    known = [r.id for r in config.routines]
    if routine_id is not None and routine_id not in known:
        raise Failure(f'no routine "{routine_id}" in the config (known: {", ".join(known)})')
    routine = config.routine(routine_id or config.habits[0].routine)
    habit = guided_habit(config, routine.id)
    from rich.console import Console

    from handhabit.guide import Walk, parts, session_minutes
    from handhabit.guide_screen import guide as walk_on_screen
    from handhabit.guide_screen import single_keys

    walk = Walk(parts(routine))
    with single_keys() as read_key:
        finished = walk_on_screen(routine, walk, Console(highlight=False), read_key)
        minutes = session_minutes(walk.seconds_done)
        spent = length_words(walk.seconds_done)
        if no_record:
            click.echo(f"{'Done' if finished else 'Stopped'} after {spent}; not recorded (--no-record).")
            return
        if not finished or walk.mostly_skipped:
            verb = "Finished" if finished else "Stopped"
            ended = f"{verb} after {spent}" + (", under a third of the routine" if finished else "")
            if walk.seconds_done < 1:
                click.echo(f"{verb} before a session began; nothing recorded.")
                return
            if not sys.stdin.isatty():
                click.echo(f"{ended}; not recorded (no terminal to ask).")
                return
            click.echo(f"{ended}. Record it as a session? [y/N] ", nl=False)
            answer = read_key(60.0) or ""
            click.echo(answer if answer.isprintable() else "")
            if answer.lower() != "y":
                click.echo("Not recorded.")
                return
    now = utc_now()
    record(app, habit, now, now, minutes=minutes, source="guide")


def write_atomically(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Temp file in the same folder, then a rename: a full disk or a crash never leaves a truncated file.
    Exports stay private (0600); a unit file must be readable by the service manager."""
    import tempfile

    try:
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            os.fchmod(handle, mode)
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    except OSError as exc:
        raise RuntimeFailure(f"cannot write {path}: {exc.strerror or exc}") from None


@cli.command(short_help="Write every record out, as JSON or CSV.")
@click.option("--format", "file_format", type=click.Choice(["json", "csv"]), default="json", show_default=True,
              help="json: every record, for backups and `handhabit import`; csv: a row per session, for spreadsheets.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (replaced atomically) instead of standard output.")
@click.pass_obj
def export(app: App, file_format: str, output: str | None) -> None:
    """Write all records out: JSON to back up or move to another machine, CSV for a spreadsheet."""
    from handhabit import interchange

    target = None if output is None or output == "-" else export_target(app, output)
    rows = app.reader.all_rows()
    text = interchange.json_document(rows) if file_format == "json" else interchange.csv_document(rows.sessions)
    data = text.encode("utf-8")  # bytes, so the locale can neither mangle notes nor turn \n into \r\n
    if target is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_atomically(target, data)


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


def counted(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


@cli.command("import", short_help="Add the records of a JSON export.")
@click.argument("file", metavar="FILE")
@click.pass_obj
def import_(app: App, file: str) -> None:
    """Add the records of a JSON export (a backup, another machine's); records already here are skipped.

    The whole file is checked first: a file with any problem changes nothing. FILE may be - for stdin.
    """
    from handhabit import interchange

    name = "stdin" if file == "-" else file
    try:
        data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        raise RuntimeFailure(f"cannot read {file}: {exc.strerror or exc}") from None
    try:
        records = interchange.read_export(data, utc_now())
    except interchange.BadImport as exc:
        raise Failure(f"{name}: {exc}") from None
    known = {habit.id for habit in app.config.habits}  # before writing: a broken config stops the import unchanged
    added = app.store.import_records(records.sessions, records.excuses, records.events)
    total = len(records.sessions) + len(records.excuses) + len(records.events)
    click.echo(f"Imported {counted(added['sessions'], 'session')}, {counted(added['excuses'], 'excuse')} and "
               f"{counted(added['events'], 'event')} from {name}; {total - sum(added.values())} already present.")
    strangers = sorted({session.habit for session in records.sessions} - known)
    if strangers:
        click.echo(f"Kept sessions of habits not in the config: {', '.join(strangers)} "
                   "(add them to the config to see their streaks).")


def main() -> NoReturn:
    """Entry point: click's multi-line usage errors become the one line the CLI contract asks for."""
    try:
        cli.main(prog_name="handhabit", standalone_mode=False)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "handhabit"
        click.echo(f"handhabit: {one_line(exc.format_message())} (see `{command} --help`)", err=True)
        sys.exit(USAGE)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        sys.exit(130)
    except StoreError as exc:
        click.echo(f"handhabit: {one_line(str(exc))}", err=True)
        sys.exit(USAGE if isinstance(exc, InvalidRecord) else FAILURE)
    except BrokenPipeError:
        # `handhabit export | head`: the reader has gone, which is no error to report. Standard output
        # goes to /dev/null so the interpreter's last flush cannot complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(FAILURE)
    except OSError as exc:
        click.echo(f"handhabit: {one_line(str(exc))}", err=True)
        sys.exit(FAILURE)
    sys.exit(0)
