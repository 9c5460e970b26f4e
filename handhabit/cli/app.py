"""What every command shares: the config and the database loaded on first use, the error lines of the
CLI contract (one line on stderr starting with "handhabit: "; exit 2 for a mistake in the command or the
config, 1 for what could not be done), and the small helpers that print."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click

from handhabit.cli.output import complain
from handhabit.config.loading import load, load_usable
from handhabit.config.model import Config, ConfigError, Habit
from handhabit.core import habits
from handhabit.core.progress import Progress
from handhabit.core.records import Excuse
from handhabit.core.units import counted
from handhabit.host import paths
from handhabit.host.clock import zone

if TYPE_CHECKING:
    from handhabit.store import Store


USAGE, FAILURE = 2, 1


class Failure(click.ClickException):
    """What the person can fix in the command or the config: `handhabit: ...` lines, exit 2. One line,
    unless `lines` lists several problems (a config's)."""

    exit_code = USAGE

    def __init__(self, message: str, lines: list[str] | None = None) -> None:
        super().__init__(message)
        self.lines = lines or [message]

    def show(self, file: Any = None) -> None:
        for line in self.lines:
            complain(line)


class RuntimeFailure(Failure):
    """Something the command could not do (a file, the database): exit 1."""

    exit_code = FAILURE


@dataclass
class App:
    """What every command shares; config and store load on first use so `--help` stays instant."""

    config_path: Path
    db_path: Path
    verbose: bool
    _config: Config | None = field(default=None, init=False, repr=False)
    _store: Store | None = field(default=None, init=False, repr=False)

    @property
    def config(self) -> Config:
        """What a command that records or reads the record runs on: the file without its broken reminders,
        routines and notification settings, told in one warning line. A session done is recorded while a
        reminder has a typo; `check` and `run` take `whole_config`."""
        if self._config is None:
            self._config = self._usable_config()
        return self._config

    def _usable_config(self) -> Config:
        try:
            config, problems = load_usable(self.config_path)
        except ConfigError as exc:
            raise Failure(str(exc), exc.lines) from None
        if problems is not None:
            more = len(problems.lines) - 1
            also = f" (and {counted(more, 'more problem')})" if more else ""
            complain(f"warning: {problems.lines[0]}{also}; left out until fixed (`handhabit check` lists it all)")
        return config

    @cached_property
    def whole_config(self) -> Config:
        """The file as it is, every problem an error: for `check`, and `run`, which would miss reminders."""
        try:
            config = load(self.config_path)
        except ConfigError as exc:
            raise Failure(str(exc), exc.lines) from None
        self._config = config  # what the command goes on to use is the same config
        return config

    @cached_property
    def zone(self) -> ZoneInfo:
        return zone(self.config.general, warn=lambda text: complain(f"warning: {text}"))

    @property
    def store(self) -> Store:
        """For the commands that record; created, migrated and checked as handhabit's on first use."""
        if self._store is None:
            from handhabit.store import Store  # sqlite-utils is a third of start-up; --help and check skip it

            self._store = Store(self.db_path, journaling=self.config.sync.folder is not None)
        return self._store

    @property
    def recorded_in(self) -> Store | None:
        """The store this command opened to record, if it did: only then can there be anything to send."""
        return self._store

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
        self, habit: Habit, today: date, week_of: date, history: habits.History, excuses: list[Excuse]
    ) -> habits.HabitReport:
        return habits.report(
            habit, history, excuses, today=today, week_of=week_of,
            week_starts_on=self.config.general.week_starts_on,
            routine_minutes=self.config.routine(habit.routine).minutes,
        )

    def progress(self, habit: Habit, history: habits.History, excuses: list[Excuse], day: date) -> Progress:
        return habits.progress(
            habit, history, excuses, today=day, week_starts_on=self.config.general.week_starts_on,
            routine_minutes=self.config.routine(habit.routine).minutes,
        )


def local(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%a %Y-%m-%d %H:%M")


def write_atomically(path: Path, data: bytes, mode: int = 0o600) -> None:
    """`paths.write_atomically`, its failure one line. Exports stay private (0600); a unit file must be
    readable by the service manager."""
    try:
        paths.write_atomically(path, data, mode)
    except OSError as exc:
        raise RuntimeFailure(f"cannot write {path}: {exc.strerror or exc}") from None
