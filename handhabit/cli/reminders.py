"""The commands around the reminders: `run` (the daemon), `pause`, `resume`, `snooze` and `status`."""

from __future__ import annotations

import contextlib
import os
import signal
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from handhabit.cli.app import App, Failure, RuntimeFailure
from handhabit.cli.output import say
from handhabit.core.schedule import wall_instant
from handhabit.core.time_words import end_words
from handhabit.core.timeinput import YEAR, parse_instant
from handhabit.core.units import duration_words, parse_clock, parse_duration
from handhabit.core.visible import visible
from handhabit.host.clock import utc_now, zone


@click.command(short_help="Run the reminder daemon in the foreground.")
@click.pass_obj
def run(app: App) -> None:
    """Run the reminder daemon in the foreground (what the user service starts)."""
    import logging

    from handhabit.daemon.coordinator import Daemon
    from handhabit.daemon.instance import AlreadyRunning, CannotLock, one_daemon
    from handhabit.desktop.buses import Buses
    from handhabit.host import logs
    from handhabit.notify.backends import choose

    logs.setup(app.verbose)
    config = app.whole_config
    log = logging.getLogger("handhabit")
    # Once the lock holds this pid, `handhabit snooze` may signal it: until the daemon listens, the signal
    # must not end it (the daemon reads the snoozes when it starts).
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(one_daemon(app.db_path, log.warning))
        except AlreadyRunning as exc:
            why = f" on {exc.database}: one daemon per database" if exc.database else ": one daemon per user"
            raise RuntimeFailure(
                f"already running as pid {exc.pid or '(unknown)'}{why} (stop it with "
                f"`systemctl --user stop handhabit` or `kill {exc.pid or 'PID'}`)"
            ) from None
        except CannotLock as exc:
            raise RuntimeFailure(str(exc)) from None
        log.info("config: %s", config.source or f"built-in default (no config file at {app.config_path})")
        log.info("database: %s", app.db_path)
        tz = zone(config.general, warn=log.warning)  # a log line, where app.zone would print one
        buses = held.enter_context(contextlib.closing(Buses()))
        Daemon(config, app.store, choose(config.notify.backend, buses), tz, config_path=app.config_path,
               buses=buses).run()


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


@click.command(short_help="No reminders for a while.")
@click.argument("duration", required=False)
@click.option("--until", "until_text", metavar="TIME", help="Until this time: 14:00, or 2025-03-11T21:00.")
@click.pass_obj
def pause(app: App, duration: str | None, until_text: str | None) -> None:
    """No reminders for DURATION (45m, 2h, 1h30m) or --until TIME; with neither, until the day ends.

    The running daemon reads the pause from the database when a reminder is due.
    """
    from handhabit.core.pauses import pause_event

    now = utc_now()
    until = pause_end(app, now, duration, until_text)
    app.store.add_event(pause_event(str(uuid.uuid4()), now, until))
    say(f"Paused: no reminders until {end_words(until, now, app.zone)} (`handhabit resume` ends it sooner).")


@click.command(short_help="End a pause.")
@click.pass_obj
def resume(app: App) -> None:
    """Reminders again, before the pause would have ended."""
    from handhabit.core.pauses import PAUSED, RESUMED, paused_until, resume_event

    now = utc_now()
    if paused_until(app.store.latest_of(PAUSED, RESUMED), now) is None:
        say("Not paused: reminders are on; nothing changed.")
        return
    app.store.add_event(resume_event(str(uuid.uuid4()), now))
    say("Resumed: reminders are on again.")


@click.command(short_help="Put off the most recent reminder.")
@click.argument("duration", required=False)
@click.pass_obj
def snooze(app: App, duration: str | None) -> None:
    """Put off the reminder that fired last, as its Snooze button does: it comes back after DURATION
    (45s, 10m, 1h30m; 5s to 24h), by default after [notify] snooze (10m unless set). Snoozing it
    again sets a new time.

    The snooze is recorded in the database and the running daemon is told at once.
    """
    from handhabit.config.parsers import snooze_length
    from handhabit.core.snoozes import NothingToSnooze, snoozable, snooze_event

    try:
        length = snooze_length(duration) if duration is not None else None
    except ValueError as exc:
        raise Failure(str(exc)) from None
    config, now = app.config, utc_now()
    # This machine's reminders: another machine's fires and snoozes are its own business.
    last_fire = max(app.store.last_fired(local_only=True).values(), default=None)
    events = app.store.events(since=last_fire, local_only=True) if last_fire is not None else []
    fire = snoozable(events, config.reminders, app.store.last_session_times(), now, app.zone,
                     config.general.day_starts_at)
    if isinstance(fire, NothingToSnooze):
        say(f"Nothing to snooze: {fire.reason}.")
        return
    assert fire.reminder is not None  # `snoozable` gives only the fire of a reminder in the config
    reminder = config.reminder(fire.reminder)
    until = now + (length or config.notify.snooze)
    app.store.add_event(snooze_event(str(uuid.uuid4()), now, reminder.id, reminder.habit, until))
    name = visible(config.habit(reminder.habit).name)
    say(f"Snoozed: {name} ({reminder.id}) comes back at {end_words(until, now, app.zone)}.")
    if (trouble := poke_daemon(app.db_path)) is not None:
        say(trouble)


def poke_daemon(db: Path) -> str | None:
    """SIGUSR1 to the daemon of database `db`, which reads the snoozes again; what to tell the person when none
    can hear it. A daemon gone meanwhile, or another user's, is no error: the snooze is recorded."""
    from handhabit.daemon.instance import daemon_pid
    from handhabit.service.systemd import how_to_start

    pid = daemon_pid(db)
    if pid is None:
        return f"handhabit is not running, so nothing will come back: {how_to_start()}."
    if not pid:
        return ("handhabit is running, but its lock file holds no pid, so it could not be told: restart it "
                "(`systemctl --user restart handhabit`) to have the reminder come back.")
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGUSR1)
    return None
