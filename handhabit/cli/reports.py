"""The commands that only read the record: `streak` (the week, or a heatmap of weeks) and `log`."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import click

from handhabit.cli.app import App, Failure, local
from handhabit.cli.completion import habit_ids
from handhabit.cli.output import console, say
from handhabit.cli.recording import because, span_words
from handhabit.core import habits
from handhabit.core.excusing import ALL_HABITS
from handhabit.core.records import Event, Session, parse_utc
from handhabit.core.schedule import wall_instant
from handhabit.core.time_words import end_time
from handhabit.core.timeinput import DATE_FORMS, parse_date
from handhabit.core.units import counted, length_words
from handhabit.core.visible import visible
from handhabit.host.clock import utc_now


@click.command()
@click.argument("habit", required=False, shell_complete=habit_ids)
@click.option("--week", "week_text", metavar="DATE",
              help=f"Show the week holding DATE: {DATE_FORMS} (default: this week).")
@click.option("--weeks", type=click.IntRange(1, 520), metavar="N",
              help="Draw a heatmap of the last N weeks (up to the week shown) instead of the table.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_obj
def streak(app: App, habit: str | None, week_text: str | None, weeks: int | None, as_json: bool) -> None:
    """The week's summary: sessions per day, streaks and habit strength."""
    if weeks and as_json:
        raise Failure("--weeks draws a heatmap, --json prints one week: give one of them")
    from handhabit.core import marks

    chosen = [app.habit(habit)] if habit else list(app.config.habits)
    today = app.today(utc_now())
    try:
        week_of = parse_date(week_text, today) if week_text is not None else today
    except ValueError as exc:
        raise Failure(str(exc)) from None
    general = app.config.general
    start = habits.week_start(week_of, general.week_starts_on)
    history, excuses = {h.id: app.reader.day_totals(h.id) for h in chosen}, app.reader.excuses()
    reports = [app.report(h, today, week_of, history[h.id], excuses) for h in chosen]
    if as_json:
        from handhabit.core.check_in import check_ins

        end = start + timedelta(days=6)
        week = {h.id: check_ins(app.reader.check_ins(h.id, start, end)) for h in chosen}
        say(json.dumps(marks.streak_json(today, start, reports, week), indent=2))
        return
    screen = console()
    if not weeks:
        from handhabit.terminal.streak_table import streak_table

        screen.print(streak_table(today, start, reports))
        return
    from handhabit.terminal.heatmap import heatmap, legend

    for r in reports:
        days = habits.calendar(
            r.habit, history[r.habit.id], excuses, first=start - timedelta(weeks=weeks - 1),
            weeks=weeks, week_starts_on=general.week_starts_on,
            routine_minutes=app.config.routine(r.habit.routine).minutes,
        )
        screen.print(heatmap(r, days, today=today, week_starts_on=general.week_starts_on, width=screen.width))
        screen.print()
    screen.print(legend())


@click.command("log", short_help="What happened lately: reminders, sessions, pauses.")
@click.option("--days", type=click.IntRange(1, 3660), default=7, show_default=True, help="How far back.")
@click.pass_obj
def log_(app: App, days: int) -> None:
    """Recent events, oldest first: reminders fired, skipped (and why), missed; sessions done; excused
    days (planned ones too); pauses and config reloads."""
    now = utc_now()
    since = now - timedelta(days=days)
    first_day, day_start = app.today(since), app.config.general.day_starts_at
    # Every id, kind and detail as shown (`visible`): another device, an import or a hand edit wrote them.
    rows = [(e.at_utc, visible(e.reminder or ""), visible(e.kind), event_detail(e, app.zone))
            for e in app.reader.events(since)]
    rows += [(s.at_utc, visible(s.habit), "done", session_detail(s))
             for s in app.reader.sessions(since=first_day) if s.at_utc >= since]
    rows += [(wall_instant(max(e.from_date, first_day), day_start, app.zone),
              "all habits" if e.habit == ALL_HABITS else visible(e.habit),
              "excused", span_words(e.from_date, e.to_date) + because(e.reason))
             for e in app.reader.excuses() if e.to_date >= first_day]
    if not rows:
        say(f"Nothing in the last {counted(days, 'day')}.")
        return
    width = max(len(who) for _, who, _, _ in rows)
    for at, who, kind, detail in sorted(rows, key=lambda row: row[0]):
        say(f"{local(at, app.zone)}  {who:<{width}}  {kind:<13} {detail}".rstrip())


def session_detail(session: Session) -> str:
    """"cli, 5 min, felt better, discomfort 3": how and how long, and the check-in when it was given."""
    parts = [session.source]
    if session.minutes:
        parts.append(length_words(session.minutes * 60))
    if session.feel is not None:
        parts.append(f"felt {session.feel}")
    if session.discomfort is not None:
        parts.append(f"discomfort {session.discomfort}")
    return ", ".join(parts)


def event_detail(event: Event, zone: ZoneInfo) -> str:
    from handhabit.core.records import PAUSED, SNOOZED

    if event.kind in (PAUSED, SNOOZED) and event.detail:
        return f"until {end_time(parse_utc(event.detail), event.at_utc, zone)}"
    return visible(event.detail or "")
