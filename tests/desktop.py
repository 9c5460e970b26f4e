"""A real desktop for tests: a private session bus (dbus-run-session), Xvfb and dunst."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

TOOLS = ("dbus-run-session", "Xvfb", "dunst", "dunstctl", "notify-send")
missing = [tool for tool in TOOLS if shutil.which(tool) is None]
needs_desktop = pytest.mark.skipif(bool(missing), reason=f"not installed: {', '.join(missing)} (.ci/run installs them)")

# Holds the bus open for as long as its stdin is; prints the address the bus was started with.
_HOLD_BUS = "import os, sys; print(os.environ['DBUS_SESSION_BUS_ADDRESS'], flush=True); sys.stdin.read()"


def wait_for(condition: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


@dataclass
class Desktop:
    env: dict[str, str]

    def dunstctl(self, *args: str) -> str:
        return subprocess.run(["dunstctl", *args], env=self.env, capture_output=True, text=True,
                              check=True, timeout=10).stdout

    def displayed(self) -> int:
        return int(self.dunstctl("count", "displayed").strip() or 0)

    def history(self) -> list[dict[str, Any]]:
        """Closes what is shown, then returns dunst's history as plain dicts (appname, summary, body)."""
        self.dunstctl("close-all")
        time.sleep(0.2)
        data = json.loads(self.dunstctl("history"))["data"][0]
        return [{key: value["data"] for key, value in item.items()} for item in data]


@contextmanager
def desktop(tmp_env: dict[str, str]) -> Iterator[Desktop]:
    bus = subprocess.Popen(["dbus-run-session", "--", sys.executable, "-c", _HOLD_BUS],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert bus.stdout is not None and bus.stdin is not None
    address = bus.stdout.readline().strip()
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "640x480x24", "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as display_pipe:
        display = display_pipe.readline().strip()
    env = {**tmp_env, "DBUS_SESSION_BUS_ADDRESS": address, "DISPLAY": f":{display}"}
    dunst = subprocess.Popen(["dunst"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rig = Desktop(env)

    def dunst_answers() -> bool:
        try:
            rig.displayed()
            return True
        except subprocess.CalledProcessError:
            return False

    try:
        wait_for(dunst_answers, 10, "dunst to start")
        yield rig
    finally:
        for process in (dunst, xvfb):
            process.terminate()
            process.wait(timeout=10)
        bus.stdin.close()
        bus.wait(timeout=10)
