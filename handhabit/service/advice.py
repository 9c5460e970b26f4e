"""What handhabit tells a person about its systemd user service, from what `systemctl --user` answered: how to
start the daemon when `status` or `snooze` finds none, and what `service status` says. Every state a person can
be in (no unit, no user manager, disabled, stopped, failed, running on another database) has its words here, apart
from the calls in `service`, so that no advice names a step that is already done or cannot work here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

INSTALL_IT = "start it with `handhabit service install` (or `handhabit run`)"
# `is-active` answers in which a daemon runs (or is about to) under the unit.
RUNNING = ("active", "activating", "reloading")


@dataclass(frozen=True)
class UnitState:
    """What systemctl said of the installed unit. `no_manager` is why no user manager answered (None: one did);
    `enabled` is read from the unit files, which needs no manager, so it is known even then (None: no systemctl)."""

    no_manager: str | None
    enabled: str | None
    active: str | None


def start_advice(state: UnitState) -> str:
    """How to start the daemon when none holds the database though the unit is installed: installing it again
    would change nothing."""
    if state.no_manager is not None:
        return "start it with `handhabit run` in a terminal (no systemd user manager here to start its service)"
    if state.active in RUNNING:
        return (f"its user service is {state.active}, but holds no lock on this database "
                "(`journalctl --user -u handhabit` names the one it uses)")
    if state.enabled != "enabled":
        return "start it with `systemctl --user enable --now handhabit`"
    if state.active == "failed":
        return ("its user service failed (`journalctl --user -u handhabit` says why): start it again with "
                "`systemctl --user restart handhabit`")
    return "start it with `systemctl --user start handhabit`"


def status_lines(path: Path, installed: bool, state: UnitState) -> list[str]:
    """`service status`: where the unit is, and what systemd makes of it, or why nothing here can say."""
    lines = [f"Unit file: {path}" if installed else f"Not installed (no {path}): `handhabit service install`."]
    here = f"No systemd user manager here ({state.no_manager})"
    if state.no_manager is None:
        if installed:
            said = f"Enabled: {state.enabled or 'unknown'}; active: {state.active}"
            lines.append(f"{said}." if state.active in RUNNING else f"{said}: {start_advice(state)}.")
    elif not installed:
        lines.append(f"{here}, so `handhabit service install` can write the unit but not start it: "
                     "`handhabit run` in a terminal runs the reminders.")
    elif state.enabled == "enabled":
        lines.append(f"{here}: the service is enabled, so a desktop session with one starts it; here, "
                     "`handhabit run` in a terminal runs the reminders.")
    else:
        lines.append(f"{here}, so the service cannot start here: `handhabit run` in a terminal runs the reminders; "
                     "where one runs, `systemctl --user enable --now handhabit.service` starts them with every "
                     "desktop session.")
    return lines
