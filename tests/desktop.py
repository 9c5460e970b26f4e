"""A real desktop for tests: a private session bus (dbus-run-session), Xvfb and dunst.

dunst runs with a dunstrc of its own (nothing of the machine's or the user's): notifications stay until
closed, the mouse does nothing, and its context menu (`dunstctl context`) runs a stand-in for dmenu, so a
test can press a notification's action button with `Desktop.invoke("Done")`."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.rig import entering_rig

TOOLS = ("dbus-run-session", "Xvfb", "dunst", "dunstctl", "notify-send")
missing = [tool for tool in TOOLS if shutil.which(tool) is None]
needs_desktop = pytest.mark.skipif(bool(missing), reason=f"not installed: {', '.join(missing)} (.ci/run installs them)")

# Holds the bus open for as long as its stdin is; prints the address the bus was started with.
_HOLD_BUS = "import os, sys; print(os.environ['DBUS_SESSION_BUS_ADDRESS'], flush=True); sys.stdin.read()"

# dunst's defaults (as its shipped dunstrc has them) except: no timeouts, no mouse bindings, a browser that
# does nothing, and the stand-in menu. dunst splits `dmenu` like a shell and cuts values at '#' or ';'.
_DUNSTRC = """\
[global]
    markup = full
    format = "<b>%s</b>\\n%b"
    stack_duplicates = true
    sticky_history = yes
    history_length = 20
    idle_threshold = 0
    dmenu = {menu}
    browser = true
    mouse_left_click = none
    mouse_middle_click = none
    mouse_right_click = none

[urgency_low]
    timeout = 0

[urgency_normal]
    timeout = 0

[urgency_critical]
    timeout = 0
"""

# Stands in for dmenu: reads the menu dunst writes to its stdin, answers the one line that contains the
# label in the file "wanted" next to it (nothing if none or several do), then logs what it saw to
# "menus.jsonl" -- after answering, so a logged menu means dunst has its answer.
_MENU = """\
import json, os, sys
from pathlib import Path

here = Path(__file__).parent
lines = [line for line in sys.stdin.buffer.read().decode("utf-8", "replace").split("\\n") if line]
wanted = (here / "wanted").read_text(encoding="utf-8")
matches = [line for line in lines if wanted and wanted in line]
chosen = matches[0] if len(matches) == 1 else ""
os.write(1, (chosen + "\\n").encode() if chosen else b"")
os.close(1)
with (here / "menus.jsonl").open("a", encoding="utf-8") as log:
    log.write(json.dumps({"wanted": wanted, "lines": lines, "chosen": chosen}) + "\\n")
"""


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
    folder: Path  # dunstrc, the stand-in menu and its log, dunst's stderr

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

    def menus(self) -> list[dict[str, Any]]:
        """Each time dunst ran its menu: the lines it offered, the label wanted and the line chosen ("" if none).
        An action's line is "#<label> (<summary>) [<id>,<action key>]"; a URL found in a body is a line of its own."""
        log = self.folder / "menus.jsonl"
        text = log.read_text(encoding="utf-8") if log.exists() else ""
        return [json.loads(line) for line in text.split("\n")[:-1]]  # a last line without "\n" is half written

    def invoke(self, label: str) -> None:
        """Presses an action button through dunst's context menu: the one menu line containing `label` (e.g.
        "Done", or "[3,done]" to name the notification). Returns once dunst has dispatched it; the client that
        sent the notification (only it) gets ActionInvoked(id, key). dunst leaves the notification shown; closing
        it is up to that client."""
        assert label, "an empty label would match every menu line"
        before = len(self.menus())
        (self.folder / "wanted").write_text(label, encoding="utf-8")
        self.dunstctl("context")
        try:
            wait_for(lambda: len(self.menus()) > before, 5, "dunst to run its menu")
        except AssertionError:
            raise AssertionError(f"dunst ran no menu for {label!r}: it does only when a displayed notification "
                                 f"has actions or URLs (displayed: {self.displayed()}); dunst said: "
                                 f"{self.dunst_said()!r}") from None
        menu = self.menus()[before]
        if not menu["chosen"]:
            count = sum(label in line for line in menu["lines"])
            raise AssertionError(f"{'no' if count == 0 else count} menu lines contain {label!r}; "
                                 f"dunst offered: {menu['lines']!r}")
        # dunst acts on the answer in its main loop 50 ms after reading it, and refuses a new menu until then.
        time.sleep(0.2)
        self.displayed()

    def dunst_said(self) -> str:
        """dunst's warnings, less the icons it cannot find (it warns of those for every notification)."""
        path = self.folder / "dunst.log"
        lines = path.read_text(errors="replace").splitlines() if path.exists() else []
        return "\n".join(line for line in lines if "No icon found" not in line)[-2000:]


@contextmanager
def desktop(tmp_env: dict[str, str]) -> Iterator[Desktop]:
    entering_rig("a session bus, Xvfb and dunst")
    folder = Path(tempfile.mkdtemp(prefix="handhabit-dunst-"))
    try:
        (folder / "dunstrc").write_text(_DUNSTRC.format(menu=_menu_command(folder)), encoding="utf-8")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
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
    with (folder / "dunst.log").open("wb") as dunst_log:
        dunst = subprocess.Popen(["dunst", "-config", str(folder / "dunstrc")], env=env, cwd=folder,
                                 stdout=subprocess.DEVNULL, stderr=dunst_log)
    rig = Desktop(env, folder)

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
        shutil.rmtree(folder, ignore_errors=True)


def _menu_command(folder: Path) -> str:
    """Writes the stand-in menu and a shell script that runs it with this Python; returns the script's path."""
    (folder / "menu.py").write_text(_MENU, encoding="utf-8")
    (folder / "wanted").write_text("", encoding="utf-8")
    script = folder / "menu"
    script.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(str(folder / 'menu.py'))}\n",
                      encoding="utf-8")
    script.chmod(0o755)
    # It goes into the dunstrc unquoted: dunst would cut it at '#' or ';' and split it at blanks.
    assert re.fullmatch(r"[\w./+-]+", str(script)), f"temp folder unusable in a dunstrc: {script}"
    return str(script)
