"""Idle cost of `handhabit run`: resident memory, CPU share and wakeups while it waits for the next reminder.

`--backend dbus` runs it on a private session bus with dunst (under Xvfb) as the notification server, so
the cost of the DBus connection, its two threads and the presence watches is in the figures; `log` is the
daemon without a desktop. A wakeup is a thread leaving its sleep: the sum over the daemon's threads of
their voluntary context switches.

Each figure is held against its target. Memory is compared with a floor: a Python that only imports the
daemon's own dependencies (`import apscheduler, sqlite_utils, jeepney`), measured the same way (VmRSS
once it has settled), since the interpreter and those libraries are a cost the daemon cannot go below;
the target is within 10 % of it. "No CPU" is read at the kernel's resolution: less than one clock tick
(10 ms) counted per minute, i.e. under 0.017 % of a CPU.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from desktop import daemon, daemon_env, desktop

TICKS = os.sysconf("SC_CLK_TCK")
FLOOR_IMPORTS = "import apscheduler, sqlite_utils, jeepney"
MOST_RSS_RATIO = 1.10
MOST_WAKEUPS_PER_MINUTE = 2
MOST_CPU_SHARE = 1 / TICKS / 60  # of one CPU: a clock tick a minute
CONFIG = """[notify]
backend = "{backend}"
[[habits]]
id = "hand-massage"
[[reminders]]
id = "bedtime"
habit = "hand-massage"
at = ["22:30"]
[[reminders]]
id = "work-break"
habit = "hand-massage"
every = "24h"
between = ["00:00", "23:59"]
"""


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


def floor_rss_mib(env: dict[str, str]) -> float:
    """VmRSS of a Python that imported the daemon's dependencies and waits, read once it says it is done."""
    command = [sys.executable, "-c", f"{FLOOR_IMPORTS}; import sys; print(flush=True); sys.stdin.read()"]
    with subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE) as child:
        assert child.stdout is not None and child.stdin is not None
        child.stdout.readline()
        rss = rss_mib(child.pid)
        child.stdin.close()
    return rss


def verdict(met: bool) -> str:
    return "PASS" if met else "MISS"


def measure(env: dict[str, str], seconds: float) -> None:
    floor = floor_rss_mib(env)
    with daemon(env) as process:
        time.sleep(5)
        start_cpu, start_wakeups, start = cpu_seconds(process.pid), wakeups(process.pid), time.monotonic()
        time.sleep(seconds)
        used, elapsed = cpu_seconds(process.pid) - start_cpu, time.monotonic() - start
        woke = wakeups(process.pid) - start_wakeups
        threads = len(list(Path(f"/proc/{process.pid}/task").iterdir()))
        rss = rss_mib(process.pid)
    share, per_minute = used / elapsed, 60 * woke / elapsed
    print(f"idle RSS: {rss:.1f} MiB ({threads} threads); floor ({FLOOR_IMPORTS}): {floor:.1f} MiB; "
          f"{rss / floor:.2f} x the floor")
    print(f"  target: within {MOST_RSS_RATIO - 1:.0%} of the floor: {verdict(rss <= MOST_RSS_RATIO * floor)}")
    print(f"idle CPU: {100 * share:.3f}% ({used:.2f} s of CPU in {elapsed:.0f} s)")
    print(f"  target: no CPU (under {100 * MOST_CPU_SHARE:.3f}%, a clock tick a minute): "
          f"{verdict(share < MOST_CPU_SHARE)}")
    print(f"wakeups: {woke} in {elapsed:.0f} s ({per_minute:.1f} per minute)")
    print(f"  target: at most {MOST_WAKEUPS_PER_MINUTE} per idle minute: "
          f"{verdict(per_minute <= MOST_WAKEUPS_PER_MINUTE)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--backend", choices=("log", "dbus"), default="log")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        config = Path(folder) / "config.toml"
        config.write_text(CONFIG.format(backend=args.backend))
        env = daemon_env(Path(folder), config)
        # The database exists before the daemon starts, as on every start but the first: only creating one
        # loads sqlite-utils, which would otherwise stay in the figures.
        subprocess.run([sys.executable, "-m", "handhabit", "undo"], env=env, capture_output=True, check=False)
        if args.backend == "dbus":
            env.update(stack.enter_context(desktop()))
        print(f"backend {args.backend}")
        measure(env, args.seconds)


if __name__ == "__main__":
    main()
