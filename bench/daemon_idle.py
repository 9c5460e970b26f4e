"""Idle cost of `handhabit run`: resident memory, CPU share and wakeups while it waits for the next reminder.

`--backend dbus` runs it on a private session bus with dunst (under Xvfb) as the notification server, so
the cost of the DBus connection, its two threads and the presence watches is in the figures; `log` is the
daemon without a desktop. A wakeup is a thread leaving its sleep: the sum over the daemon's threads of
their voluntary context switches.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
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


def wakeups(pid: int) -> int:
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):  # a thread that just ended
            for line in (task / "status").read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches:"):
                    total += int(line.split()[1])
    return total


@contextlib.contextmanager
def desktop(folder: Path) -> Iterator[dict[str, str]]:
    """A session bus of its own with dunst on a virtual display: the environment that reaches them."""
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
    assert bus.stdout is not None
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-nolisten", "tcp"], pass_fds=(write_fd,),
                            stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        env = {"DBUS_SESSION_BUS_ADDRESS": bus.stdout.readline().strip(), "DISPLAY": f":{pipe.readline().strip()}"}
    dunst = subprocess.Popen(["dunst"], env={**os.environ, **env}, stderr=subprocess.DEVNULL)
    time.sleep(1)
    try:
        yield env
    finally:
        for process in (dunst, xvfb, bus):
            process.terminate()
            process.wait(timeout=10)


def measure(env: dict[str, str], seconds: float) -> None:
    daemon = subprocess.Popen([sys.executable, "-m", "handhabit", "run"], env=env, stderr=subprocess.DEVNULL)
    try:
        time.sleep(5)
        start_cpu, start_wakeups, start = cpu_seconds(daemon.pid), wakeups(daemon.pid), time.monotonic()
        time.sleep(seconds)
        used, elapsed = cpu_seconds(daemon.pid) - start_cpu, time.monotonic() - start
        woke = wakeups(daemon.pid) - start_wakeups
        threads = len(list(Path(f"/proc/{daemon.pid}/task").iterdir()))
        print(f"idle RSS: {rss_mib(daemon.pid):.1f} MiB ({threads} threads)")
        print(f"idle CPU: {100 * used / elapsed:.3f}% ({used:.2f} s of CPU in {elapsed:.0f} s)")
        print(f"wakeups: {woke} in {elapsed:.0f} s ({60 * woke / elapsed:.1f} per minute)")
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--backend", choices=("log", "dbus"), default="log")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        config = Path(folder) / "config.toml"
        config.write_text(f'[notify]\nbackend = "{args.backend}"\n[[habits]]\nid = "hand-massage"\n'
                          '[[reminders]]\nid = "bedtime"\nhabit = "hand-massage"\nat = ["22:30"]\n'
                          '[[reminders]]\nid = "work-break"\nhabit = "hand-massage"\nevery = "24h"\n'
                          'between = ["00:00", "23:59"]\n')
        env = {**os.environ, "HANDHABIT_CONFIG": str(config), "HANDHABIT_DB": str(Path(folder) / "hh.db"),
               "XDG_RUNTIME_DIR": folder}  # its own lock: a daemon of the real user may be running
        if args.backend == "dbus":
            env.update(stack.enter_context(desktop(Path(folder))))
        print(f"backend {args.backend}")
        measure(env, args.seconds)


if __name__ == "__main__":
    main()
