"""`handhabit status`: whether the daemon runs, what it runs, whether reminders are paused, what comes next.

While a daemon runs, what it runs is the config it published (`running_config`), not the file: the file may
have changed since, or turned broken, or gone, and the daemon keeps its last good config until it can take
the file. Status shows the reminders that will really come, and says how the file differs.
"""

from __future__ import annotations

from datetime import datetime

import click

from handhabit.cli.app import App, local
from handhabit.cli.output import complain, say
from handhabit.cli.syncing import status_line
from handhabit.config.loading import builtin, from_text, load
from handhabit.config.model import Config, ConfigError
from handhabit.core.schedule import next_fire
from handhabit.core.time_words import end_words
from handhabit.daemon.running_config import Running, read
from handhabit.host.clock import utc_now, zone


@click.command(short_help="Is the daemon running, is it paused, what comes next.")
@click.pass_obj
def status(app: App) -> None:
    """Whether the daemon runs (and its pid), the config it runs, whether reminders are paused, and the
    next reminders."""
    from handhabit.daemon.instance import daemon_pid
    from handhabit.service.systemd import how_to_start

    pid = daemon_pid(app.db_path)  # before the config: a broken config must not hide whether it runs
    if pid is None:
        say(f"handhabit is not running: {how_to_start()}.")
    else:
        say(f"handhabit is running (pid {pid or 'unknown'}).")
    running = read(app.db_path, pid) if pid else None
    config = _running(running) if running is not None else None
    if config is None or running is None:
        config = app.config
        say(f"Config: {config.source or 'the built-in default'}; database: {app.db_path}.")
    else:
        tz = zone(config.general, warn=lambda text: complain(f"warning: {text}"))
        say(f"Config: {config.source or 'the built-in default'}, as the daemon read it {local(running.loaded_at, tz)}; "
            f"database: {app.db_path}.")
        if (differs := _file_differs(running, app)) is not None:
            say(differs)
    _schedule(app, config)


def _running(running: Running) -> Config | None:
    """The daemon's config; None when its text does not parse here (a daemon of another version)."""
    if running.source is None or running.text is None:
        return builtin()
    try:
        return from_text(running.text, running.source)
    except ConfigError:
        return None


def _file_differs(running: Running, app: App) -> str | None:
    """How the config file on disk differs from what the daemon runs, in words; None when it does not."""
    path = running.source or app.config_path
    try:
        text = path.read_bytes().decode("utf-8-sig") if path.exists() else None
    except (OSError, UnicodeDecodeError):
        text = ""  # unreadable: `load` below says why
    if text == running.text:
        return None
    if text is None:
        return (f"The config file {path} is gone: the daemon keeps running what it read (restore the file, or "
                "`handhabit init` writes the example there).")
    changed = "has changed since" if running.source is not None else f"{path} is new"  # the daemon ran the default
    try:
        load(path)
    except ConfigError as exc:
        more = f" (and {len(exc.lines) - 1} more: `handhabit check` lists them)" if len(exc.lines) > 1 else ""
        return f"The config file {changed} and has errors, so the daemon keeps what it runs: {exc.lines[0]}{more}."
    return (f"The config file {changed}: the daemon takes it within a minute "
            "(`systemctl --user reload handhabit` at once).")


def _schedule(app: App, config: Config) -> None:
    from handhabit.core.pauses import PAUSED, RESUMED, paused_until
    from handhabit.core.snoozes import LOOKBACK, pending

    tz, now = zone(config.general, warn=lambda _text: None), utc_now()  # the warning was given once above
    if (synced := status_line(app, config.sync, tz)) is not None:
        say(synced)
    until = paused_until(app.reader.latest_of(PAUSED, RESUMED), now)
    say(f"Paused until {end_words(until, now, tz)}." if until else "Not paused.")
    sessions, fired = app.reader.last_session_times(), app.reader.last_fired(local_only=True)
    snoozed = pending(app.reader.events(since=now - LOOKBACK, local_only=True), now)
    known = {reminder.id for reminder in config.reminders}
    upcoming: list[tuple[datetime, str, str]] = sorted([
        *((when, reminder.id, "") for reminder in config.reminders
          if (when := next_fire(reminder, tz, now, sessions.get(reminder.habit), fired.get(reminder.id)))),
        *((when, reminder_id, " (snoozed)") for reminder_id, when in snoozed.items() if reminder_id in known),
    ])
    say("Next reminders:" if upcoming else "No reminders to come.")
    for when, reminder_id, why in upcoming:
        held = " (held: paused)" if until and when < until else ""
        say(f"  {local(when, tz)}  {reminder_id}{why}{held}")
