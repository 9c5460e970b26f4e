"""CLI latency on a ten-year database: what a person waits for after typing a command."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from handhabit.interchange import to_row
from handhabit.records import Event, Session
from handhabit.store import Store

ZONE = ZoneInfo("Europe/Berlin")


def ten_years(path: Path, today: date) -> int:
    store = Store(path)
    sessions, events = [], []
    for offset in range(1, 3653):
        day = today - timedelta(days=offset)
        for hour in (10, 14, 22):
            at = datetime.combine(day, clock(hour), ZONE).astimezone(timezone.utc)
            sessions.append(to_row(Session(str(uuid.uuid4()), "hand-massage", at, ZONE.key, day, 5.0, "cli", None, at)))
        for kind in ("fired", "skipped"):
            at = datetime.combine(day, clock(22, 30), ZONE).astimezone(timezone.utc)
            events.append(to_row(Event(str(uuid.uuid4()), at, "bedtime", "hand-massage", kind, None)))
    with store.db.atomic():  # numbered in the order of recording, as `done` and the daemon number them
        store.db["sessions"].insert_all({**row, "seq": seq} for seq, row in enumerate(sessions, 1))  # type: ignore[union-attr]
        store.db["events"].insert_all({**row, "seq": seq} for seq, row in enumerate(events, 1))  # type: ignore[union-attr]
    store.close()
    return len(sessions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "hh.db"
        config = Path(folder) / "config.toml"
        config.write_text('[general]\ntimezone = "Europe/Berlin"\n[[habits]]\nid = "hand-massage"\n'
                          'target = { sessions = 2, per = "day" }\n')
        count = ten_years(db, datetime.now(ZONE).date())
        print(f"database: {count} sessions over 10 years, {db.stat().st_size / 2**20:.1f} MiB")
        env = {**os.environ, "HANDHABIT_CONFIG": str(config), "HANDHABIT_DB": str(db), "XDG_RUNTIME_DIR": folder}
        backup = str(Path(folder) / "backup.json")
        commands = (["done"], ["undo"], ["skip"], ["streak"], ["streak", "--json"], ["streak", "--weeks", "52"],
                    ["export", "-o", backup], ["import", backup], ["status"], ["log"], ["check"], ["--help"])
        for command in commands:
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                subprocess.run([sys.executable, "-m", "handhabit", *command], env=env, check=True,
                               capture_output=True)
                times.append(time.perf_counter() - start)
            label = " ".join(Path(word).name if word.startswith("/") else word for word in command)
            print(f"handhabit {label:<24} median {1000 * statistics.median(times):6.0f} ms"
                  f"   worst {1000 * max(times):6.0f} ms")


if __name__ == "__main__":
    main()
