"""Sync against history: what does `handhabit sync` cost on another device's ten-year journal, and does an
incremental sync read only what is new?

The other device is made the way it would have made itself: its changes as journal lines
(`handhabit.interchange.journal.encode`), each appended to `<folder>/devices/<id>/<YYYY-MM>.jsonl` for the UTC
month it was written in, with its device.json beside them. Each sync is timed as a person waits for it: a
whole `python -m handhabit sync` process, from start to exit.

- Full merge: the whole journal into a fresh database, `--runs` times, each on a new database.
- Incremental: one new line appended to the device's current month, then `sync`, `--runs` times.

What a process read comes from Linux's count of the bytes its read calls returned (`rchar` of
/proc/<pid>/io, read once it has exited, before it is reaped). A sync with nothing new reads the same
Python modules, the same config and the same database pages as one with a new line, so the difference
between the two is what the new line cost: its own bytes, plus the few SQLite pages its insert touches. Had
the sync read the month's file again, or the whole journal, the difference would be that file's size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from cli_latency import CONFIG, HABITS, ZONE, compile_package, new_id

from handhabit.core.records import Deletion, Event, Excuse, Session
from handhabit.interchange.journal import Change, encode

UTC = timezone.utc
DEVICE_NAME = "desk"
MAX_FULL_SECONDS = 10.0  # the first sync of ten years: well within a coffee
MAX_INCREMENTAL_VS_NOTHING = 1.25  # one new line costs about what a sync with nothing new does


@dataclass
class Journal:
    """The other device's folder, and what it holds."""

    device: Path
    counts: dict[str, int]
    lines: int
    size: int
    files: int


@dataclass
class Run:
    seconds: float
    rchar: int


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(UTC)


def day_changes(rng: random.Random, day: date) -> Iterator[tuple[datetime, Change]]:
    """A day's changes with the moment each was written: hand massage two or three times, a stretch at each
    work break, lotion every other day or so; about one session in a hundred undone; the reminders."""
    per_habit = {HABITS[0]: rng.choice((2, 3)), HABITS[1]: 2 if day.weekday() < 5 else 1,
                 HABITS[2]: int(rng.random() < 0.5)}
    for habit, count in per_habit.items():
        for hour in sorted(rng.sample(range(8, 22), count)):
            at = local(day, hour, rng.randrange(50))
            session = Session(new_id(rng), habit, at, ZONE.key, day,
                              None if rng.random() < 0.35 else rng.choice((2.0, 3.5, 5.0)),
                              rng.choice(("cli", "cli", "guide", "notification")), None, at)
            yield at, session
            if rng.random() < 0.01:
                undone = at + timedelta(minutes=5)
                yield undone, Deletion("sessions", session.id, undone)
    if day.weekday() < 5:
        at = local(day, 10, 30)
        yield at, Event(new_id(rng), at, "work-break", HABITS[1], "fired", "log")
    if day.day == 13:
        at = local(day, 12)
        yield at, Event(new_id(rng), at, None, None, "paused", local(day, 13).strftime("%Y-%m-%dT%H:%M:%SZ"))
        yield at + timedelta(minutes=40), Event(new_id(rng), at + timedelta(minutes=40), None, None, "resumed", None)
    at = local(day, 22, 30)
    met = rng.random() < 0.7
    yield at, Event(new_id(rng), at, "bedtime", HABITS[0], "skipped" if met else "fired",
                    "target met: 2 of 2 today" if met else "log")


def history(years: int, today: date) -> Iterator[tuple[datetime, Change]]:
    """Every change of `years` up to yesterday, with the moment it was written; an excuse every seven
    weeks (written the evening before it starts), one in ten of them taken back a day later."""
    rng = random.Random(years)
    days = [today - timedelta(days=offset) for offset in range(round(365.25 * years), 0, -1)]
    for index, day in enumerate(days):
        yield from day_changes(rng, day)
        if index % 49 == 0 and index + 1 < len(days):
            first = days[index + 1]
            excuse = Excuse(new_id(rng), rng.choice(("*", *HABITS)), first, first + timedelta(days=rng.randrange(3)),
                            "travelling")
            written = local(day, 21)
            yield written, excuse
            if rng.random() < 0.1:
                yield written + timedelta(hours=1), Deletion("excuses", excuse.id, written + timedelta(hours=1))


def write_journal(folder: Path, years: int, today: date) -> Journal:
    """The other device's files, one a month, each line in the month it was written, as it appends them."""
    rng = random.Random(-years)
    device_id = new_id(rng)
    device = folder / "devices" / device_id
    device.mkdir(mode=0o700, parents=True)
    (device / "device.json").write_text(json.dumps({"id": device_id, "name": DEVICE_NAME}, sort_keys=True) + "\n")
    months: dict[str, list[bytes]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for written, change in sorted(history(years, today), key=lambda pair: pair[0]):
        months[f"{written:%Y-%m}"].append(encode(change))
        counts[type(change).__name__.lower()] += 1
    for month, lines in months.items():
        path = device / f"{month}.jsonl"
        path.write_bytes(b"".join(lines))
        path.chmod(0o600)
    size = sum(path.stat().st_size for path in device.glob("*.jsonl"))
    return Journal(device, dict(counts), sum(counts.values()), size, len(months))


def sync(env: dict[str, str]) -> tuple[Run, str]:
    """One `handhabit sync` process: its wall time and the bytes its read calls returned. /proc/<pid>/io
    is read while the exited process waits to be reaped, so nothing it read is missed."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "handhabit", "sync"], env=env, stdout=out, stderr=err)
        os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)  # exited, not yet reaped
        seconds = time.perf_counter() - start
        io = dict(line.split(": ") for line in Path(f"/proc/{process.pid}/io").read_text().splitlines())
        process.wait()
        out.seek(0)
        err.seek(0)
        said, complaint = out.read().decode(), err.read().decode()
    if process.returncode != 0 or complaint:
        sys.exit(f"handhabit sync exited {process.returncode}:\n{complaint.strip()}")
    return Run(seconds, int(io["rchar"])), said


def home(root: Path, name: str, folder: Path, base_env: dict[str, str]) -> dict[str, str]:
    """A machine of its own: config, database and runtime folder; the sync folder is the shared one."""
    place = root / name
    place.mkdir(mode=0o700)
    (place / "config.toml").write_text(CONFIG + f'\n[sync]\nfolder = "{folder}"\ndevice = "laptop"\n')
    return {**base_env, "HANDHABIT_CONFIG": str(place / "config.toml"), "HANDHABIT_DB": str(place / "hh.db"),
            "XDG_RUNTIME_DIR": str(place)}


def sync_one(env: dict[str, str], path: Path, line: bytes) -> Run:
    """Appends one line to a journal file, then syncs; the sync must bring it."""
    with path.open("ab") as file:
        file.write(line)
    path.chmod(0o600)
    done, out = sync(env)
    if f"From {DEVICE_NAME}: 1 session." not in out:
        sys.exit(f"the sync did not bring the new session from {path.name}:\n{out}")
    return done


def new_line(rng: random.Random, now: datetime) -> bytes:
    """A session of yesterday evening, recorded now (a backfill), as the device would append it."""
    day = now.astimezone(ZONE).date() - timedelta(days=1)
    return encode(Session(new_id(rng), HABITS[0], local(day, 21, rng.randrange(60)), ZONE.key, day, 5.0,
                          "backfill", None, now.replace(microsecond=0)))


def mark(value: float, limit: float, unit: str = "") -> str:
    return f"(target ≤ {limit:,.{0 if limit >= 100 else 2}f}{unit}: {'PASS' if value <= limit else 'MISS'})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each kind of sync (default 5)")
    parser.add_argument("--years", type=int, default=10, help="length of the other device's history (default 10)")
    args = parser.parse_args()
    if not Path("/proc/self/io").exists():
        sys.exit("this benchmark reads /proc/<pid>/io: Linux only")
    package = compile_package()
    base_env = {key: value for key, value in os.environ.items()
                if key != "PYTHONDONTWRITEBYTECODE" and not key.startswith("HANDHABIT_")}
    today = datetime.now(ZONE).date()
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        folder = root / "Sync"
        folder.mkdir(mode=0o700)
        started = time.perf_counter()
        journal = write_journal(folder, args.years, today)
        built = time.perf_counter() - started

        full: list[Run] = []
        for run in range(args.runs + 1):  # the first warms the page cache and is not counted
            done, out = sync(home(root, f"fresh{run}", folder, base_env))
            expected = f"From {DEVICE_NAME}: {journal.counts['session']:,} sessions"
            if expected.replace(",", "") not in out.replace(",", ""):
                sys.exit(f"the full merge did not bring {expected}:\n{out}")
            full.append(done)
        full = full[1:]

        env = home(root, "incremental", folder, base_env)
        sync(env)
        nothing = [sync(env)[0] for _ in range(args.runs)]
        current = journal.device / f"{datetime.now(UTC):%Y-%m}.jsonl"
        appended: list[Run] = []
        alone: list[Run] = []
        for run in range(args.runs):
            appended.append(sync_one(env, current, new_line(rng, datetime.now(UTC))))
            # the control: the same kind of line, the only one in a file of its own (a month long ago)
            alone.append(sync_one(env, journal.device / f"{1990 + run}-01.jsonl", new_line(rng, datetime.now(UTC))))
        added = len(new_line(rng, datetime.now(UTC)))
        month_size = current.stat().st_size

    counts = ", ".join(f"{value:,} {kind}s" for kind, value in sorted(journal.counts.items()))
    print(f"handhabit sync: median of {args.runs} runs of each `python -m handhabit sync` process")
    print(f"machine: {os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.platform()}")
    print(f"bytecode: `compileall -q {package}` before timing")
    print(f"journal: {args.years} years of another device ({len(HABITS)} habits, {ZONE.key}): {journal.lines:,} "
          f"lines ({counts}) in {journal.files} monthly files, {journal.size / 2**20:.2f} MiB (written in "
          f"{built:.1f} s)")

    full_s = statistics.median(run.seconds for run in full)
    nothing_s = statistics.median(run.seconds for run in nothing)
    one_s = statistics.median(run.seconds for run in appended)
    print(f"\nfull merge into a fresh database: {1000 * full_s:6.0f} ms {mark(full_s, MAX_FULL_SECONDS, ' s')}, "
          f"{journal.lines / full_s:,.0f} lines/s; read {statistics.median(run.rchar for run in full) / 2**20:.2f} MiB")
    print(f"sync with nothing new:            {1000 * nothing_s:6.0f} ms")
    print(f"sync of one new line:             {1000 * one_s:6.0f} ms, {one_s / nothing_s:.2f} × nothing new "
          f"{mark(one_s / nothing_s, MAX_INCREMENTAL_VS_NOTHING)}")

    base = min(run.rchar for run in nothing)
    on_month = statistics.median(run.rchar - base for run in appended)
    on_own = statistics.median(run.rchar - base for run in alone)
    print(f"\nbytes read (rchar) by a sync with nothing new: {base:,} (spread over {args.runs} runs: "
          f"{max(run.rchar for run in nothing) - base:,})")
    print(f"more read for one new line of {added} bytes (medians):")
    print(f"  appended to this month's file ({month_size:,} bytes): {on_month:>9,.0f}")
    print(f"  alone in a new file (the control):                {on_own:>9,.0f}")
    print("  the control's extra is the line and the database pages its insert touches (4 KiB each); a sync that")
    print(f"  read the month's file again would read {month_size:,} bytes more than the control, the whole journal "
          f"{journal.size:,}")
    beyond = on_month - on_own
    print(f"journal bytes read beyond the new line (appended minus control): {beyond:,.0f} "
          f"{mark(beyond, month_size / 4)}, a quarter of the month's file")

if __name__ == "__main__":
    main()
