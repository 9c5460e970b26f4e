"""Idle cost of `handhabit run`: resident memory and CPU share while it waits for the next reminder."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.toml"
        config.write_text('[notify]\nbackend = "log"\n[[habits]]\nid = "hand-massage"\n'
                          '[[reminders]]\nid = "bedtime"\nhabit = "hand-massage"\nat = ["22:30"]\n')
        env = {**os.environ, "HANDHABIT_CONFIG": str(config), "HANDHABIT_DB": str(Path(folder) / "hh.db"),
               "XDG_RUNTIME_DIR": folder}  # its own lock: a daemon of the real user may be running
        daemon = subprocess.Popen([sys.executable, "-m", "handhabit", "run"], env=env,
                                  stderr=subprocess.DEVNULL)
        try:
            time.sleep(3)
            start_cpu, start = cpu_seconds(daemon.pid), time.monotonic()
            time.sleep(args.seconds)
            used, elapsed = cpu_seconds(daemon.pid) - start_cpu, time.monotonic() - start
            print(f"idle RSS: {rss_mib(daemon.pid):.1f} MiB")
            print(f"idle CPU: {100 * used / elapsed:.3f}% ({used:.2f} s of CPU in {elapsed:.0f} s)")
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=10)


if __name__ == "__main__":
    main()
