"""`handhabit service install | uninstall | status`: the systemd user unit, written with this
interpreter's absolute path, and the `systemctl --user` calls around it. Where systemctl is missing or
no user manager runs (a container, SSH without lingering), the file is still written and the person
is told the exact commands to run later."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from handhabit.core.visible import visible
from handhabit.service.advice import INSTALL_IT, UnitState, start_advice

UNIT = "handhabit.service"

_TEMPLATE = """\
# handhabit: hand-care reminders as a systemd user service (`handhabit service install` writes this).
[Unit]
Description=handhabit: hand-care reminders at work breaks and at bedtime
# Notifications need the desktop session: start with it, stop with it.
PartOf=graphical-session.target
After=graphical-session.target
# A crash loop (or a second daemon) gives up after five tries in five minutes.
StartLimitIntervalSec=300
StartLimitBurst=5

[Service]
Type=notify
NotifyAccess=main
ExecStart={python} -m handhabit run
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=10
# Exit status 2 is a broken config: restarting cannot fix it, `handhabit check` says what to.
RestartPreventExitStatus=2
Environment=PYTHONUNBUFFERED=1
# The daemon's heartbeat runs every minute and sends WATCHDOG=1.
WatchdogSec=3min

[Install]
WantedBy=graphical-session.target
"""


def unit_text(python: str) -> str:
    return _TEMPLATE.format(python=python)


def unit_path() -> Path:
    return platformdirs.user_config_path("systemd") / "user" / UNIT


@dataclass(frozen=True)
class Outcome:
    """What a systemctl call did: `ok`, the first line it printed on failure (None: no systemctl), and the first
    line of its answer on stdout (`is-active` answers "inactive" with a failing status)."""

    command: tuple[str, ...]
    ok: bool
    error: str | None
    said: str = ""


def systemctl(*args: str) -> Outcome:
    command = ("systemctl", "--user", *args)
    program = shutil.which("systemctl")
    if program is None:
        return Outcome(command, False, None)
    try:
        done = subprocess.run([program, "--user", *args], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Outcome(command, False, str(exc))
    said = done.stdout.strip().splitlines()
    text = (done.stderr or done.stdout).strip()
    return Outcome(command, done.returncode == 0, text.splitlines()[0] if text else f"exit status {done.returncode}",
                   said[0] if said else "")


def unit_state() -> UnitState:
    """Whether a user manager answers (`is-active`), and whether the unit is enabled, read from the unit files
    (`--root=/`), which works without one: an SSH login or a container still learns what a desktop session did."""
    active, enabled = systemctl("is-active", UNIT), systemctl("--root=/", "is-enabled", UNIT)
    if active.said:
        return UnitState(None, enabled.said or None, active.said)
    why = "systemctl is not installed" if active.error is None else f"`systemctl --user`: {visible(active.error)}"
    return UnitState(why, enabled.said or None, None)


def how_to_start() -> str:
    """What `status` and `snooze` advise when no daemon holds the database. systemctl is asked only when the unit
    is installed: only then does its answer change the advice."""
    return start_advice(unit_state()) if unit_path().exists() else INSTALL_IT
