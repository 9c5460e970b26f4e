"""A very large journal from another device: how long does merging it take, how much memory, and how long
does a `handhabit done` wait beside the merge?

The other device's journal is one month's file of `--lines` lines (default a million, about 230 MiB): the
ten-year history of bench/sync.py (sessions of three habits, excuses, events, a few deletion marks, each a
`journal.encode` line) written again and again with other ids, each copy's deletion marks naming that
copy's records, so every line is a change of its own. Each is measured as a person meets it, a whole
process:

- `handhabit sync` merging the journal into a fresh database: wall time, and the process's peak resident
  memory (`VmHWM` in /proc/<pid>/status, read until it exits: `ru_maxrss` would not do, since Linux keeps
  across `exec` the peak of the image before it, here a fork of this script holding the journal).
- `handhabit run` (log backend) starting on another fresh database, which merges the journal before it
  says "handhabit is running": as soon as the merge is writing (its write-ahead log has grown past a
  MiB), twenty `handhabit done` start at once, as a person and their scripts might. Each one's wall time
  and exit status; the sessions they recorded, counted in the database afterwards; the daemon's time to
  "running" and its peak memory. A `done` on the same database with no merge beside it is timed too: the
  floor a `done` cannot go below.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cli_latency import CONFIG, HABITS, compile_package
from sync import history

from handhabit.core.records import Deletion
from handhabit.interchange.journal import encode

UTC = timezone.utc
DEVICE_NAME = "desk"
YEARS = 10  # the history each copy repeats
DONES = 20
NOTE = "bench-sync-large"
MAX_WAIT_SECONDS = 1.0  # a `done` beside a merge waits a moment, not the merge
MAX_PEAK_MIB = 150.0  # memory stays bounded whatever the journal's length
MERGE_WRITING = 1 << 20  # bytes of write-ahead log: the merge is under way
DEADLINE = 1800.0  # seconds any one process may take before the benchmark gives up


@dataclass
class Journal:
    path: Path
    lines: int
    size: int
    counts: Counter[str]


@dataclass
class Finished:
    """A process that exited: its wall time, exit status, peak resident memory and what it said."""

    seconds: float
    status: int
    peak_mib: float
    out: str
    err: str


@dataclass
class Done:
    started: float  # seconds after the daemon started
    finished: Finished


def copies_of(lines: list[tuple[bytes, bytes, str]], copy: int) -> bytes:
    """The history once more under ids of its own: the first 8 hex digits of every id are the copy's number,
    the same in a record and in the deletion marks that name it."""
    prefix = f"{copy:08x}".encode()
    return b"".join(head + prefix + tail for head, tail, _ in lines)


def write_journal(folder: Path, count: int, month: str) -> Journal:
    """`<folder>/devices/<id>/<month>.jsonl` of `count` lines and its device.json, as the device has them."""
    today = datetime.now(UTC).date()
    lines: list[tuple[bytes, bytes, str]] = []
    for _, change in sorted(history(YEARS, today), key=lambda pair: pair[0]):
        line = encode(change)
        start = line.index(f'"id":"{change.id}"'.encode()) + len('"id":"')
        kind = "deletion" if isinstance(change, Deletion) else type(change).__name__.lower()
        lines.append((line[:start], line[start + 8:], kind))
    device_id = "0badcafe-0000-4000-8000-000000000001"
    device = folder / "devices" / device_id
    device.mkdir(mode=0o700, parents=True)
    (device / "device.json").write_text(json.dumps({"id": device_id, "name": DEVICE_NAME}, sort_keys=True) + "\n")
    path = device / f"{month}.jsonl"
    counts: Counter[str] = Counter()
    with path.open("wb") as file:
        for copy in range(-(-count // len(lines))):
            part = lines[:count - copy * len(lines)]
            file.write(copies_of(part, copy))
            counts.update(kind for _, _, kind in part)
    path.chmod(0o600)
    return Journal(path, count, path.stat().st_size, counts)


def finish(process: subprocess.Popen[bytes], started: float, out: Path, err: Path) -> Finished:
    """Waits for `process`, reading its peak resident memory (`VmHWM`, KiB) as it runs: the high-water mark
    of its own image, which exec starts afresh."""
    peak_kib = 0
    while True:
        pid, status = os.waitpid(process.pid, os.WNOHANG)
        if pid:
            break
        try:
            status_text = Path(f"/proc/{process.pid}/status").read_text()
        except OSError:
            status_text = ""
        for row in status_text.splitlines():
            if row.startswith("VmHWM:"):
                peak_kib = max(peak_kib, int(row.split()[1]))
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return Finished(seconds, process.returncode, peak_kib / 1024, out.read_text(), err.read_text())


def start(env: dict[str, str], place: Path, name: str, *args: str) -> tuple[subprocess.Popen[bytes], float, Path, Path]:
    """`python -m handhabit ARGS` of this Python, run in `place` so that no handhabit in the caller's folder
    comes before the installed one; its output in files there."""
    out, err = place / f"{name}.out", place / f"{name}.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        began = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "handhabit", *args], env=env, cwd=place, stdout=stdout,
                                   stderr=stderr)
    return process, began, out, err


def run(env: dict[str, str], place: Path, name: str, *args: str) -> Finished:
    return finish(*start(env, place, name, *args))


def home(root: Path, name: str, folder: Path) -> tuple[Path, dict[str, str]]:
    """A machine of its own, as tests/builders.py `daemon_env` makes one: config, database and runtime folder,
    nothing of this desktop (buses, display, service manager); the sync folder is the shared one."""
    place = root / name
    place.mkdir(mode=0o700)
    runtime = place / "runtime"
    runtime.mkdir(mode=0o700)
    (place / "config.toml").write_text(CONFIG + f'\n[sync]\nfolder = "{folder}"\ndevice = "laptop"\n')
    prefixes = ("DBUS_", "DISPLAY", "HANDHABIT_", "NOTIFY_", "JOURNAL_", "WATCHDOG_", "PYTHON")
    base = {key: value for key, value in os.environ.items() if not key.startswith(prefixes)}
    return place, {**base, "HANDHABIT_CONFIG": str(place / "config.toml"), "HANDHABIT_DB": str(place / "hh.db"),
                   "XDG_RUNTIME_DIR": str(runtime), "DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={runtime / 'no-bus'}"}


def wait_until(what: str, ready: Callable[[], bool], process: subprocess.Popen[bytes], err: Path) -> float:
    """Polls `ready` every 5 ms; the seconds it took. The process ending first ends the benchmark."""
    began = time.perf_counter()
    while not ready():
        if process.poll() is not None:
            sys.exit(f"handhabit run exited {process.returncode} before {what}:\n{err.read_text()[-2000:]}")
        if time.perf_counter() - began > DEADLINE:
            process.kill()
            sys.exit(f"handhabit run: no {what} after {DEADLINE:.0f} s")
        time.sleep(0.005)
    return time.perf_counter() - began


def mib(value: float) -> str:
    return f"{value:,.0f} MiB"


def mark(value: float, limit: float, unit: str) -> str:
    return f"(target ≤ {limit:g}{unit}: {'PASS' if value <= limit else 'MISS'})"


def merge_by_sync(root: Path, folder: Path, journal: Journal) -> Finished:
    place, env = home(root, "sync", folder)
    done = run(env, place, "sync", "sync")
    if done.status != 0:
        sys.exit(f"handhabit sync exited {done.status}:\n{done.err.strip()[-2000:]}")
    expected = f"From {DEVICE_NAME}: {journal.counts['session']} sessions"
    if expected not in done.out.replace(",", ""):
        sys.exit(f"the merge did not bring {expected}:\n{done.out}")
    return done


def at_once(env: dict[str, str], place: Path, tag: str, began: float) -> tuple[list[Done], list[threading.Thread]]:
    """`DONES` dones started at once, each on a thread that waits for it; `began` is what their start is
    counted from."""
    dones: list[Done] = []

    def one(n: int) -> None:
        at = time.perf_counter() - began
        dones.append(Done(at, run(env, place, f"{tag}{n}", "done", HABITS[0], "--note", f"{NOTE} {tag} {n}")))

    threads = [threading.Thread(target=one, args=(n,)) for n in range(DONES)]
    for thread in threads:
        thread.start()
    return dones, threads


def dones_alone(root: Path) -> list[Done]:
    """The floor: `DONES` dones at once with no merge beside them, on a database a sync has made (with a
    sync folder of its own that holds no other device), as the daemon's is when they start beside it."""
    empty = root / "Empty"
    empty.mkdir(mode=0o700)
    place, env = home(root, "alone", empty)
    made = run(env, place, "sync", "sync")
    if made.status != 0:
        sys.exit(f"handhabit sync exited {made.status}:\n{made.err.strip()[-2000:]}")
    dones, threads = at_once(env, place, "alone", time.perf_counter())
    for thread in threads:
        thread.join()
    if any(done.finished.status != 0 for done in dones):
        sys.exit(f"a `done` with nothing beside it failed:\n{next(d.finished.err for d in dones if d.finished.status)}")
    return dones


def merge_by_daemon(root: Path, folder: Path) -> tuple[float, float, list[Done], Finished, Path, dict[str, str]]:
    """The daemon's start-up merge with `DONES` dones beside it: seconds to the merge writing (or to
    "running", if the journal is too short to tell), seconds to "running", the dones, the daemon as it exited
    on SIGTERM, its folder and its environment."""
    place, env = home(root, "daemon", folder)
    daemon, began, out, err = start(env, place, "daemon", "run")
    wal = place / "hh.db-wal"

    def is_running() -> bool:
        return "handhabit is running" in err.read_text()

    writing = wait_until("merge writing", lambda: (wal.exists() and wal.stat().st_size >= MERGE_WRITING)
                         or is_running(), daemon, err)
    dones, threads = at_once(env, place, "beside", began)
    running = writing + wait_until('"handhabit is running"', is_running, daemon, err)
    for thread in threads:
        thread.join()
    daemon.send_signal(signal.SIGTERM)
    return writing, running, dones, finish(daemon, began, out, err), place, env


def recorded(db: Path) -> tuple[int, int]:
    """Sessions in the database: those the dones recorded (source 'cli', with the bench's note), and all."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        ours = conn.execute("SELECT count(*) FROM sessions WHERE source = 'cli' AND note LIKE ?", [f"{NOTE} %"])
        return ours.fetchone()[0], conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000,
                        help="lines of the other device's journal (default 1,000,000)")
    args = parser.parse_args()
    package = compile_package()
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        folder = root / "Sync"
        folder.mkdir(mode=0o700)
        built = time.perf_counter()
        journal = write_journal(folder, args.lines, f"{datetime.now(UTC):%Y-%m}")
        built = time.perf_counter() - built
        journal.path.read_bytes()  # in the page cache for both merges alike

        alone = dones_alone(root)
        merged = merge_by_sync(root, folder, journal)
        writing, running, dones, daemon, place, env = merge_by_daemon(root, folder)
        ours, sessions = recorded(place / "hh.db")
        after = statistics.median(run(env, place, f"after{n}", "done", HABITS[1]).seconds for n in range(3))

    print(f"handhabit sync of a large journal: `python -m handhabit` processes of {sys.executable}")
    print(f"package: {package} (bytecode compiled before timing)")
    print(f"machine: {os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.platform()}")
    kinds = ", ".join(f"{value:,} {kind}s" for kind, value in sorted(journal.counts.items()))
    print(f"journal: {journal.lines:,} lines ({kinds}) in one file, {journal.size / 2**20:,.1f} MiB "
          f"(written in {built:.1f} s)")

    print(f"\n`handhabit sync` into a fresh database: {merged.seconds:.1f} s, {journal.lines / merged.seconds:,.0f} "
          f"lines/s; peak memory {mib(merged.peak_mib)} {mark(merged.peak_mib, MAX_PEAK_MIB, ' MiB')}")

    print(f"\n`handhabit run` on a fresh database: merge writing after {writing:.1f} s, \"running\" after "
          f"{running:.1f} s; peak memory {mib(daemon.peak_mib)} {mark(daemon.peak_mib, MAX_PEAK_MIB, ' MiB')}")
    failed = [done for done in dones if done.finished.status != 0]
    longest, floor = (max(done.finished.seconds for done in some) for some in (dones, alone))
    print(f"{DONES} `handhabit done` at once, started {min(d.started for d in dones):.1f}-"
          f"{max(d.started for d in dones):.1f} s after the daemon")
    print(f"  wall times: median {statistics.median(done.finished.seconds for done in dones):.2f} s, longest "
          f"{longest:.2f} s; the same {DONES} at once with no merge beside them: median "
          f"{statistics.median(done.finished.seconds for done in alone):.2f} s, longest {floor:.2f} s (2 CPUs shared "
          f"by {DONES} processes)")
    print(f"  longest wait for the merge (longest beside it minus longest without): {longest - floor:.2f} s "
          f"{mark(longest - floor, MAX_WAIT_SECONDS, ' s')}")
    print(f"  failed: {len(failed)} of {DONES} {mark(len(failed), 0, '')}")
    for complaint, count in Counter(done.finished.err.strip().splitlines()[-1] if done.finished.err.strip() else
                                    f"exit {done.finished.status}" for done in failed).items():
        print(f"    {count} × {complaint}")
    succeeded = DONES - len(failed)
    print(f"  recorded: {ours} sessions of theirs in the database, for {succeeded} that succeeded "
          f"({'PASS' if ours == succeeded else 'MISS'}); {sessions:,} sessions in all, "
          f"{journal.counts['session']:,} of them merged")
    print(f"one `done` on the merged database afterwards, nothing beside it: {after:.2f} s (median of 3)")


if __name__ == "__main__":
    main()
