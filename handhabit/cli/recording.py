"""The commands that record what a person did: `done`, `undo`, `skip`, `unskip` and the guided routine `guide`."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, TypeVar

import click

from handhabit.cli.app import App, Failure, local
from handhabit.cli.completion import habit_ids, routine_ids
from handhabit.cli.output import console, say
from handhabit.config.model import Config, Habit, Routine
from handhabit.core import excusing, habits
from handhabit.core.excusing import ALL_HABITS
from handhabit.core.records import DISCOMFORT_LEAST, DISCOMFORT_MOST, FEELS, Excuse, Session
from handhabit.core.schedule import wall_instant
from handhabit.core.timeinput import DATE_FORMS, NoTimeOfDay, parse_date, parse_instant
from handhabit.core.units import length_words
from handhabit.core.visible import PARAGRAPH, visible
from handhabit.host.clock import utc_now


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
        from handhabit.core.records import MINUTES_RANGE, minutes_flaw

        try:
            minutes = float(value)
        except (TypeError, ValueError):
            self.fail(f'"{value}" is not a number of minutes ({MINUTES_RANGE})', param, ctx)
        problem = minutes_flaw(minutes)
        if problem:
            self.fail(f"{problem} ({MINUTES_RANGE})", param, ctx)
        return minutes


@click.command(short_help="Record a session.")
@click.argument("habit", required=False, shell_complete=habit_ids)
@click.option("--minutes", type=Minutes(),
              help="How long it took (default: the length of the habit's routine).")
@click.option("--at", "at_text", metavar="TIME", help="When it was done, e.g. 2025-03-11T21:00.")
@click.option("--date", "date_text", metavar="DATE", help=f"The day it counts for: {DATE_FORMS}.")
@click.option("--note", help="A few words to keep with the session.")
@click.option("--feel", type=click.Choice(FEELS), help="How your hands feel after it, compared with before.")
@click.option("--discomfort", type=click.IntRange(DISCOMFORT_LEAST, DISCOMFORT_MOST), metavar="0-10",
              help="Stiffness, pain or tingling in your hands: 0 none, 10 the worst imaginable.")
@click.pass_obj
def done(app: App, habit: str | None, minutes: float | None, at_text: str | None,
         date_text: str | None, note: str | None, feel: str | None, discomfort: int | None) -> None:
    """Record a session of HABIT (may be left out when the config has one habit)."""
    now = utc_now()
    at, given = when_recorded(app, now, at_text, date_text)
    record(app, app.habit(habit), now, at, minutes=minutes, source="cli" if given == "now" else "backfill",
           note=note, date_only=given == "date", check_in=(feel, discomfort))


def record(app: App, habit: Habit, now: datetime, at: datetime, *, minutes: float | None, source: str,
           note: str | None = None, date_only: bool = False,
           check_in: tuple[str | None, int | None] = (None, None)) -> None:
    """Stores a session and says what changed: the one way `done` and `guide` record. `check_in`: how the
    hands feel after it and the discomfort at its time, when given."""
    day = app.today(at)
    feel, discomfort = check_in
    app.store.add_session(Session(
        id=str(uuid.uuid4()), habit=habit.id, at_utc=at, tz=app.zone.key, logical_date=day, minutes=minutes,
        source=source, note=note, recorded_utc=now, feel=feel, discomfort=discomfort,
    ))
    what = with_length(visible(habit.name), minutes)
    if date_only:
        say(f"Recorded {what} for {day:%a %Y-%m-%d}.")
    else:
        say(f"Recorded {what} at {local(at, app.zone)} (counts for {day:%a %Y-%m-%d}).")
    print_standing(app, habit, now, day)


def with_length(name: str, minutes: float | None) -> str:
    """"Hand massage, 19 s,": a session as `done`, `guide` and `restore` name it, in seconds when short."""
    return name + (f", {length_words(minutes * 60)}," if minutes is not None else "")


def print_standing(app: App, habit: Habit, now: datetime, changed: date | None = None) -> None:
    """The line after every change: the changed day's progress when it is not today's, today's, the streak."""
    today = app.today(now)
    history, excuses = app.store.day_totals(habit.id), app.store.excuses()
    parts = []
    if changed is not None:
        then = app.progress(habit, history, excuses, changed)
        week_of = habits.week_start(changed, app.config.general.week_starts_on)
        if then.per == "day" and changed != today:
            parts.append(f"{then.amount} on {changed:%a %Y-%m-%d}")
        elif then.per == "week" and week_of != habits.week_start(today, app.config.general.week_starts_on):
            parts.append(f"{then.amount} in the week of {week_of:%a %Y-%m-%d}")
    parts.append(app.progress(habit, history, excuses, today).text)
    parts.append(app.report(habit, today, today, history, excuses).streak_text)
    say(f"{visible(habit.name)}: {' · '.join(parts)}")


def habit_name(config: Config, habit_id: str) -> str:
    """A record's habit by its name, or by its id when the config no longer (or not yet) has it; as shown."""
    return visible(next((h.name for h in config.habits if h.id == habit_id), habit_id))


@click.command(short_help="Undo the last recorded session.")
@click.pass_obj
def undo(app: App) -> None:
    """Undo the most recently recorded session (again for the one before)."""
    session = app.store.undo_last(utc_now())
    if session is None:  # nothing to do is no failure, as for `snooze`, `unskip`, `resume` and `restore`
        say("Nothing to undo: no session recorded here is left to undo.")
        return
    say(f"Undid {habit_name(app.config, session.habit)} at {local(session.at_utc, app.zone)} "
               f"(counted for {session.logical_date}).")
    if any(h.id == session.habit for h in app.config.habits):
        print_standing(app, app.config.habit(session.habit), utc_now(), session.logical_date)


MAX_EXCUSE_DAYS = 366
F = TypeVar("F", bound=Callable[..., Any])


def habit_and_days(verb: str) -> Callable[[F], F]:
    """HABIT, --date and --from/--to: what `skip` and `unskip` both take; `verb` is what they do to a day."""

    def decorate(command: F) -> F:
        for option in (
            click.option("--to", "to_text", metavar="DATE", help=f"The last day of the range, included: {DATE_FORMS}."),
            click.option("--from", "from_text", metavar="DATE",
                         help=f"The first day of a range to {verb} (with --to): {DATE_FORMS}."),
            click.option("--date", "date_text", metavar="DATE",
                         help=f"The day to {verb}: {DATE_FORMS} (default: today)."),
            click.argument("habit", required=False, shell_complete=habit_ids),
        ):  # the last one given is the first in the help, as with stacked decorators
            command = option(command)
        return command

    return decorate


@dataclass(frozen=True)
class Days:
    """What `skip` and `unskip` act on: one habit, or every habit (the excuse "*") when none is named, and
    the days from `first` to `last`."""

    named: Habit | None
    habits: list[Habit]
    first: date
    last: date

    @property
    def habit_id(self) -> str | None:
        return self.named.id if self.named else None

    @property
    def who(self) -> str:
        return visible(self.named.name) if self.named else "all habits"

    def print_standing(self, app: App, now: datetime) -> None:
        for habit in self.habits:
            print_standing(app, habit, now)


def chosen_days(app: App, habit: str | None, now: datetime, date_text: str | None, from_text: str | None,
                to_text: str | None, verb: str) -> Days:
    """The habit first, then the days: a habit the config does not know is the first thing to say."""
    named = app.habit(habit) if habit else None
    first, last = excused_days(app.today(now), date_text, from_text, to_text, verb)
    return Days(named, [named] if named else list(app.config.habits), first, last)


def excused_days(today: date, date_text: str | None, from_text: str | None, to_text: str | None,
                 verb: str) -> tuple[date, date]:
    """The first and last day to `verb` (excuse, take back). Future days are fine (a planned holiday
    silences its reminders, and may be called off); ranges are capped at a year, so a mistyped year (2205
    for 2025) cannot excuse or take back two centuries at one go."""
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
        raise Failure(f"--from {first} --to {last} is more than {MAX_EXCUSE_DAYS} days ({verb} a year at most)")
    return first, last


def days_words(first: date, last: date) -> str:
    if first == last:
        return f"{first:%a %Y-%m-%d}"
    return f"{first:%a %Y-%m-%d} to {last:%a %Y-%m-%d}"


def span_words(first: date, last: date) -> str:
    if first == last:
        return f"on {days_words(first, last)}"
    return f"for {(last - first).days + 1} days, {days_words(first, last)}"


def because(reason: str | None) -> str:
    return f" ({visible(reason)})" if reason else ""


@click.command(short_help="Excuse days (sick, travelling, resting).")
@habit_and_days("excuse")
@click.option("--reason", help="Why, e.g. vacation, sick, rest.")
@click.pass_obj
def skip(app: App, habit: str | None, date_text: str | None, from_text: str | None, to_text: str | None,
         reason: str | None) -> None:
    """Excuse days for HABIT (all habits when left out): a shortfall on them neither counts for nor
    against the streak, and the daemon holds their reminders."""
    now = utc_now()
    days = chosen_days(app, habit, now, date_text, from_text, to_text, "excuse")
    target = days.habit_id or ALL_HABITS
    covered = habits.excused_dates([e for e in app.store.excuses() if e.habit in (ALL_HABITS, target)],
                                   days.first, days.last)
    if len(covered) == (days.last - days.first).days + 1:
        say(f"{days.who[0].upper()}{days.who[1:]} already excused {span_words(days.first, days.last)}; "
                   "nothing changed.")
        return
    app.store.add_excuse(Excuse(str(uuid.uuid4()), target, days.first, days.last, reason))
    say(f"Excused {days.who} {span_words(days.first, days.last)}{because(reason)}.")
    days.print_standing(app, now)


@click.command(short_help="Take excuses back.")
@habit_and_days("take back")
@click.pass_obj
def unskip(app: App, habit: str | None, date_text: str | None, from_text: str | None, to_text: str | None) -> None:
    """Take back the excuses of HABIT (of every habit when left out) on these days, so they count again.
    An excuse for more days stays for the others; taking HABIT out of an excuse for all habits leaves the
    other habits excused. Nothing is erased: a taken-back excuse is marked deleted."""
    now = utc_now()
    days = chosen_days(app, habit, now, date_text, from_text, to_text, "take back")
    others = [h.id for h in app.config.habits if days.named and h != days.named]
    change = app.store.take_back_excuses(
        lambda live: excusing.take_back(live, days.habit_id, days.first, days.last, others, lambda: str(uuid.uuid4())),
        now,
    )
    if not change.taken:
        who = f"{days.who} not" if days.named else "No habit"
        say(f"{who} excused {span_words(days.first, days.last)}; nothing to take back.")
        return
    for excuse in change.taken:
        say(taken_back_words(app, excuse, days, keeps_others=bool(others)))
    days.print_standing(app, now)


def taken_back_words(app: App, excuse: Excuse, days: Days, keeps_others: bool) -> str:
    """Names the excuse as `skip` made it, and the part of it taken back when that is not all of it: the
    rest of its days, and the other habits of an all-habit excuse, stay excused."""
    start, end = excusing.overlap(excuse, days.first, days.last)
    part = "" if (start, end) == (excuse.from_date, excuse.to_date) else f"{days_words(start, end)} from "
    whose = "all habits" if excuse.habit == ALL_HABITS else habit_name(app.config, excuse.habit)
    only = f" for {days.who} only" if excuse.habit == ALL_HABITS and days.named and keeps_others else ""
    return (f"Took back {part}the excuse of {whose} {span_words(excuse.from_date, excuse.to_date)}"
            f"{because(excuse.reason)}{only}.")


def routine_words(routine: Routine) -> list[str]:
    lines = [f"{routine.id}: {visible(routine.name)}, {length_words(routine.minutes * 60)}"]
    for number, step in enumerate(routine.steps, start=1):
        each = " each hand" if step.sides else ""
        how = f": {visible(step.how, PARAGRAPH)}" if step.how else ""
        lines.append(f"  {number}. {visible(step.name)}, {step.seconds} s{each}{how}")
    return lines


def guided_habit(config: Config, routine_id: str) -> Habit:
    """The habit a guided session counts for: the one whose routine it is, else one whose reminder
    suggests it, else the first."""
    named = [h for h in config.habits if h.routine == routine_id]
    suggested = [config.habit(r.habit) for r in config.reminders if r.routine == routine_id]
    return [*named, *suggested, config.habits[0]][0]


@click.command(short_help="Walk through a routine, step by step.")
@click.argument("routine_id", metavar="[ROUTINE]", required=False, shell_complete=routine_ids)
@click.option("--no-record", is_flag=True, help="Try it out: record no session.")
@click.option("--list", "listing", is_flag=True, help="List the routines and their steps.")
@click.pass_obj
def guide(app: App, routine_id: str | None, no_record: bool, listing: bool) -> None:
    """Walk through ROUTINE (default: the first habit's) with a countdown per step; records a session
    of the minutes spent when it ends. Keys: space pauses, n goes to the next step, q quits."""
    config = app.config
    if listing:
        for routine in config.routines:
            say("\n".join(routine_words(routine)))
        return
    known = [r.id for r in config.routines]
    if routine_id is not None and routine_id not in known:
        raise Failure(f'no routine "{routine_id}" in the config (known: {", ".join(known)})')
    routine = config.routine(routine_id or config.habits[0].routine)
    habit = guided_habit(config, routine.id)
    from handhabit.core.guide import Ending, Walk, parts, session_minutes
    from handhabit.terminal.guide_screen import guide as walk_on_screen
    from handhabit.terminal.guide_screen import single_keys

    walk = Walk(parts(routine))
    with single_keys() as read_key:
        finished = walk_on_screen(routine, walk, console(highlight=False), read_key)
        minutes = session_minutes(walk.seconds_done)
        spent = length_words(walk.seconds_done)
        if no_record:
            say(f"{'Done' if finished else 'Stopped'} after {spent}; not recorded (--no-record).")
            return
        ending = walk.ending(finished)
        if ending is Ending.TOO_SHORT:
            say(f"{'Finished' if finished else 'Stopped'} after {spent}: under a third of the routine, not recorded.")
            return
        if ending is Ending.ASK:
            if not sys.stdin.isatty():
                say(f"Stopped after {spent}; not recorded (no terminal to ask).")
                return
            say(f"Stopped after {spent}. Record it as a session? [y/N] ", nl=False)
            answer = read_key(60.0) or ""
            say(answer if answer.isprintable() else "")
            if answer.lower() != "y":
                say("Not recorded.")
                return
    now = utc_now()
    record(app, habit, now, now, minutes=minutes, source="guide")
