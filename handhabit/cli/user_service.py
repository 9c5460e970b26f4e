"""`handhabit service install | uninstall | status`: the systemd user unit, through `systemctl --user`."""

from __future__ import annotations

import sys

import click

from handhabit.cli.app import App, RuntimeFailure, write_atomically
from handhabit.cli.output import say
from handhabit.core.visible import visible


@click.group(short_help="Install handhabit as a systemd user service.")
def service() -> None:
    """The systemd user unit: `install` writes it and starts the daemon at every desktop login."""


def run_or_explain(*commands: tuple[str, ...]) -> bool:
    """Runs `systemctl --user` commands in turn; on the first failure prints what to run by hand."""
    from handhabit.service.systemd import systemctl

    for number, args in enumerate(commands):
        outcome = systemctl(*args)
        if outcome.ok:
            continue
        reason = "systemctl is not installed here" if outcome.error is None else visible(outcome.error)
        say(f"Could not run `{' '.join(outcome.command)}`: {reason}.")
        say("Run these once a systemd user session is available:")
        for rest in commands[number:]:
            say("    systemctl --user " + " ".join(rest))
        return False
    return True


@service.command(short_help="Write the unit, enable and start it.")
@click.pass_obj
def install(app: App) -> None:
    """Writes ~/.config/systemd/user/handhabit.service for this Python, then enables and starts it."""
    from handhabit.service.systemd import UNIT, unit_path, unit_text

    path = unit_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RuntimeFailure(f"cannot create {path.parent}: {exc.strerror or exc}") from None
    write_atomically(path, unit_text(sys.executable).encode(), mode=0o644)
    say(f"Wrote {path} (runs {sys.executable} -m handhabit run).")
    if not run_or_explain(("daemon-reload",), ("enable", "--now", UNIT)):
        raise RuntimeFailure("the unit is written but not started (see above)")
    say("Enabled and started: handhabit now runs with every desktop session. "
        "`handhabit status` shows it; `journalctl --user -u handhabit` shows its log.")


@service.command(short_help="Stop, disable and remove the unit.")
@click.pass_obj
def uninstall(app: App) -> None:
    """Stops and disables the service and removes its unit file; your records stay.

    In that order: removed first, the unit could no longer be stopped or disabled by name. Without a user
    manager nothing here runs it, and its enable link goes with the file (`--root=/` needs no manager)."""
    from handhabit.service.systemd import UNIT, systemctl, unit_path, unit_state

    path = unit_path()
    if not path.exists():
        say(f"No unit at {path}: nothing to uninstall.")
        return
    state = unit_state()
    if state.no_manager is None:
        if not run_or_explain(("disable", "--now", UNIT)):
            raise RuntimeFailure(f"kept {path}, so that systemd can still disable it: run "
                                 "`handhabit service uninstall` again after the command above")
    elif state.enabled == "enabled" and not (disabled := systemctl("--root=/", "disable", UNIT)).ok:
        raise RuntimeFailure(f"cannot disable {UNIT} ({visible(disabled.error or 'systemctl is not installed')}), so "
                             f"{path} is kept")
    path.unlink()
    say(f"Removed {path}. Your config and records stay where they are.")
    here = f"No systemd user manager here ({state.no_manager})"
    if state.no_manager is not None and state.enabled == "enabled":
        say(f"{here}, so nothing here ran it; it was enabled, and is disabled now.")
    elif state.no_manager is not None:
        say(f"{here}: nothing is left to stop or disable.")
    elif not run_or_explain(("daemon-reload",)):
        raise RuntimeFailure("the unit file is removed, but systemd may still know it (see above)")


@service.command("status", short_help="Is the unit installed, enabled, active.")
@click.pass_obj
def service_status(app: App) -> None:
    """What systemd knows of handhabit.service: installed, enabled, active, or why it cannot say."""
    from handhabit.service.advice import status_lines
    from handhabit.service.systemd import unit_path, unit_state

    path = unit_path()
    for line in status_lines(path, path.exists(), unit_state()):
        say(line)
