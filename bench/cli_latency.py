"""CLI latency against history: does a command on ten years of records cost more than on none?

A person waits for the whole process, so each command is timed as one: `python -m handhabit ...`, from
start to exit. The histories are imported through `handhabit import` from generated JSON exports, so the
benchmark depends on the CLI and the export format only, not on the package's internals, which change.
Runs are interleaved round-robin over commands and histories so that machine noise hits all of them alike,
and the bare interpreter and the import of click and rich are timed in the same rounds: they are the floor
no command can go below.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/Berlin")
HABITS = ("hand-massage", "stretch", "lotion")
CONFIG = f"""[general]
timezone = "{ZONE.key}"
[notify]
backend = "log"
[[habits]]
id = "hand-massage"
target = {{ sessions = 2, per = "day" }}
[[habits]]
id = "stretch"
target = {{ minutes = 10, per = "day" }}
[[habits]]
id = "lotion"
target = {{ sessions = 3, per = "week" }}
[[reminders]]
id = "work-break"
habit = "stretch"
every = "90m"
between = ["09:00", "17:30"]
days = "weekdays"
[[reminders]]
id = "bedtime"
habit = "hand-massage"
at = ["22:30"]
"""
COMMANDS: dict[str, tuple[str, ...]] = {
    "--help": ("--help",),
    "done": ("done", "hand-massage"),
    "undo": ("undo",),
    "streak": ("streak",),
    "streak --json": ("streak", "--json"),
    "streak --weeks 52": ("streak", "--weeks", "52"),
    "status": ("status",),
    "log": ("log",),
}
TARGETED = ("streak", "streak --json", "streak --weeks 52", "done", "status")  # the targets
MAX_VS_EMPTY, MAX_VS_IMPORT, MAX_HELP_VS_PASS = 1.25, 1.3, 5.0
BASELINES: dict[str, tuple[str, ...]] = {
    "python -c pass": ("-c", "pass"),
    "import click": ("-c", "import click"),
    "import click+rich": ("-c", "import click, rich.console, rich.table"),
}
Row = dict[str, Any]


@dataclass
class History:
    """One database with its own config and runtime folder, so no run sees another's records or lock."""

    years: int
    folder: Path
    env: dict[str, str]
    counts: dict[str, int] = field(default_factory=dict)
    import_seconds: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.years}y"


def utc(day: date, hour: int, minute: int = 0) -> str:
    """A local wall-clock time as the export writes it: UTC, whole seconds, "Z"."""
    at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(timezone.utc)
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def day_sessions(rng: random.Random, day: date) -> Iterator[Row]:
    """Two or three sessions per habit between 08:00 and 22:00 (so each counts for its own date); a third
    without minutes, an occasional note, about one in a hundred undone."""
    for habit in HABITS:
        for hour in sorted(rng.sample(range(8, 22), rng.choice((2, 2, 3)))):
            at = utc(day, hour, rng.randrange(60))
            deleted = utc(day, hour, 59) if rng.random() < 0.01 else None
            yield {"id": new_id(rng), "habit": habit, "at_utc": at, "tz": ZONE.key, "logical_date": day.isoformat(),
                   "minutes": None if rng.random() < 0.35 else rng.choice((2.0, 3.5, 5.0, 6.0)),
                   "source": rng.choice(("cli", "cli", "cli", "guide", "notification")),
                   "note": "after the dishes" if rng.random() < 0.03 else None, "recorded_utc": at,
                   "deleted_utc": deleted}


def day_events(rng: random.Random, day: date) -> Iterator[Row]:
    """The bedtime reminder daily, two work breaks on weekdays, a pause and its end now and then."""
    def event(at: str, kind: str, reminder: str | None = None, habit: str | None = None,
              detail: str | None = None) -> Row:
        return {"id": new_id(rng), "at_utc": at, "reminder": reminder, "habit": habit, "kind": kind, "detail": detail}

    if day.weekday() < 5:
        yield event(utc(day, 10, 30), "fired", "work-break", "stretch", "log")
        yield event(utc(day, 15), "fired", "work-break", "stretch", "log")
    if day.day == 13:
        yield event(utc(day, 12), "paused", detail=utc(day, 13))
        yield event(utc(day, 12, 40), "resumed")
    met = rng.random() < 0.7
    yield event(utc(day, 22, 30), "skipped" if met else "fired", "bedtime", "hand-massage",
                "target met: 2 of 2 today" if met else "log")


def export(years: int, today: date) -> dict[str, Any]:
    """A JSON export of `years` of history up to yesterday (the store refuses records from the future).
    Seeded by the length, so a rerun imports the same records."""
    rng = random.Random(years)
    days = [today - timedelta(days=offset) for offset in range(round(365.25 * years), 0, -1)]
    excuses = [{"id": new_id(rng), "habit": rng.choice(("*", *HABITS)), "from_date": day.isoformat(),
                "to_date": (day + timedelta(days=rng.randrange(3))).isoformat(), "reason": "travelling"}
               for day in days[::47]]
    return {"format": "handhabit-export", "version": 1,
            "sessions": [row for day in days for row in day_sessions(rng, day)], "excuses": excuses,
            "events": [row for day in days for row in day_events(rng, day)]}


def handhabit(history: History, args: tuple[str, ...]) -> float:
    """Seconds one `python -m handhabit` process took; a failure stops the benchmark with its message."""
    command = [sys.executable, "-m", "handhabit", *args]
    start = time.perf_counter()
    done = subprocess.run(command, env=history.env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{history.label}: handhabit {' '.join(args)} exited {done.returncode}:\n{done.stderr.strip()}")
    return elapsed


def python(args: tuple[str, ...], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def make_history(root: Path, years: int, today: date, base_env: dict[str, str]) -> History:
    """Filled by `handhabit import`, as a person moving their records would, so the store's internals may change."""
    folder = root / f"{years}y"
    folder.mkdir()
    (folder / "config.toml").write_text(CONFIG)
    env = {**base_env, "HANDHABIT_CONFIG": str(folder / "config.toml"), "HANDHABIT_DB": str(folder / "hh.db"),
           "XDG_RUNTIME_DIR": str(folder)}
    history = History(years, folder, env)
    if years:
        document = export(years, today)
        (folder / "export.json").write_text(json.dumps(document))
        history.counts = {kind: len(document[kind]) for kind in ("sessions", "excuses", "events")}
        history.import_seconds = handhabit(history, ("import", str(folder / "export.json")))
    return history


def compile_package() -> Path:
    """Bytecode for every module up front: an editable install would otherwise be timed compiling itself."""
    spec = importlib.util.find_spec("handhabit")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("handhabit is not installed in this Python")
    package = Path(next(iter(spec.submodule_search_locations)))
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)
    return package


def timed_round(histories: list[History], commands: list[str], env: dict[str, str]) -> dict[tuple[str, str], float]:
    """One run of everything, keyed by (command, history); `done` comes before `undo` on each history, so the
    live records stay as imported."""
    times = {(label, ""): python(args, env) for label, args in BASELINES.items()}
    for command in commands:
        for history in histories:
            times[command, history.label] = handhabit(history, COMMANDS[command])
    return times


def db_mib(history: History) -> float:
    return sum(path.stat().st_size for path in history.folder.glob("hh.db*")) / 2**20


def print_header(package: Path, runs: int, histories: list[History]) -> None:
    print(f"handhabit CLI latency: median of {runs} runs of each process, interleaved round-robin")
    print(f"machine: {os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.platform()}")
    print(f"bytecode: `compileall -q {package}` before timing, so the editable install measures like an "
          "installed one; PYTHONDONTWRITEBYTECODE unset for the timed processes")
    print(f"histories: {len(HABITS)} habits, {ZONE.key}, sessions up to yesterday")
    for history in histories:
        counts = ", ".join(f"{value:,} {kind}" for kind, value in history.counts.items()) or "no records"
        imported = f" (import took {history.import_seconds:.1f} s)" if history.counts else ""
        print(f"  {history.label:>4}: {db_mib(history):6.2f} MiB database; {counts}{imported}")


def cell(value: float, limit: float | None) -> str:
    return f"{value:5.2f}" + (f" ≤{limit:<4g} {'PASS' if value <= limit else 'MISS'}" if limit else "")


def print_table(histories: list[History], commands: list[str], medians: dict[tuple[str, str], float]) -> list[bool]:
    """The medians per history, then the ratios the issue sets targets for; returns whether each target is met."""
    empty, longest = histories[0].label, histories[-1].label
    grown = [history for history in histories if history.years]
    steps = list(itertools.pairwise(grown))
    print("\nbaselines: " + ", ".join(f"{label} {1000 * medians[label, '']:.0f} ms" for label in BASELINES))
    print(f"\n{'median ms':<18}" + "".join(f"{h.label:>6}" for h in histories)
          + f"  {longest + '/' + empty:<16}  {longest + '/click+rich':<16}"
          + "".join(f"  {'ms/y ' + a.label + '→' + b.label:>12}" for a, b in steps))
    met = []
    for command in commands:
        ms = {h.label: 1000 * medians[command, h.label] for h in histories}
        ratios = (medians[command, longest] / medians[command, empty],
                  medians[command, longest] / medians["import click+rich", ""])
        limits = (MAX_VS_EMPTY, MAX_VS_IMPORT) if command in TARGETED else (None, None)
        met += [ratio <= limit for ratio, limit in zip(ratios, limits, strict=True) if limit]
        print(f"{command:<18}" + "".join(f"{ms[h.label]:6.0f}" for h in histories)
              + "".join(f"  {cell(ratio, limit):<16}" for ratio, limit in zip(ratios, limits, strict=True))
              + "".join(f"  {(ms[b.label] - ms[a.label]) / (b.years - a.years):12.2f}" for a, b in steps))
    if "--help" in commands:
        vs_pass = medians["--help", longest] / medians["python -c pass", ""]
        met.append(vs_pass <= MAX_HELP_VS_PASS)
        print(f"--help ({longest}) / python -c pass: {cell(vs_pass, MAX_HELP_VS_PASS)}")
    if steps:
        print("ms/y: milliseconds added per year of history from one history to the next; equal steps: linear growth")
    return met


def chosen(only: list[str] | None) -> list[str]:
    """The commands to time, in table order; `done` and `undo` only together, so the database stays as imported."""
    picked = set(only or COMMANDS)
    if picked & {"done", "undo"}:
        picked |= {"done", "undo"}
    return [command for command in COMMANDS if command in picked]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="timed runs of each process (default 11)")
    parser.add_argument("--years", default="1,5,10", help="lengths of history besides the empty one (default 1,5,10)")
    parser.add_argument("--only", action="append", choices=COMMANDS, help="time only this command (repeatable)")
    args = parser.parse_args()
    years = sorted({0, *(int(value) for value in args.years.split(","))})
    commands = chosen(args.only)
    package = compile_package()
    base_env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    today = datetime.now(ZONE).date()
    with tempfile.TemporaryDirectory() as root:
        histories = [make_history(Path(root), length, today, base_env) for length in years]
        timed_round(histories, commands, base_env)  # warm-up: the page cache, and a failing command fails early
        print_header(package, args.runs, histories)
        rounds = [timed_round(histories, commands, base_env) for _ in range(args.runs)]
    met = print_table(histories, commands, {key: statistics.median(r[key] for r in rounds) for key in rounds[0]})
    print(f"\ntargets: {sum(met)} of {len(met)} met, {len(met) - sum(met)} missed")


if __name__ == "__main__":
    main()
