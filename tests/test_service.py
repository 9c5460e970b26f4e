"""The systemd user unit: checked by `systemd-analyze verify`, installed by `handhabit service` with a
stand-in `systemctl` (no user manager runs in a test), and the instructions where systemctl is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from handhabit.service.systemd import unit_text

pytestmark = pytest.mark.process

ROOT = Path(__file__).parent.parent
# SYSTEMCTL_FAIL: no user manager (only `--root=/`, which reads the unit files, still answers);
# SYSTEMCTL_FAIL_VERB: a manager that refuses that one verb; SYSTEMCTL_ENABLED, SYSTEMCTL_ACTIVE: its answers.
FAKE_SYSTEMCTL = """#!{python}
import os, sys
with open(os.environ["SYSTEMCTL_CALLS"], "a") as calls:
    calls.write(" ".join(sys.argv[1:]) + "\\n")
verb = [arg for arg in sys.argv[1:] if not arg.startswith("--")][0]
if os.environ.get("SYSTEMCTL_FAIL") and "--root=/" not in sys.argv or os.environ.get("SYSTEMCTL_FAIL_VERB") == verb:
    sys.exit("Failed to connect to bus: No medium found")
if verb == "is-enabled":
    print(os.environ.get("SYSTEMCTL_ENABLED", "enabled"))
if verb == "is-active":
    print(os.environ.get("SYSTEMCTL_ACTIVE", "active"))
"""

needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed (apt-get install systemd)")


def verify(unit: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    runtime = tmp_path / "verify-runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    return subprocess.run(["systemd-analyze", "--user", "verify", str(unit)], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)}, cwd=tmp_path)


def test_the_shipped_unit_is_the_one_install_writes_for_the_system_python() -> None:
    shipped = (ROOT / "systemd" / "handhabit.service").read_text()
    assert shipped == unit_text("/usr/bin/python3")
    for line in ("Type=notify", "ExecStart=/usr/bin/python3 -m handhabit run", "ExecReload=/bin/kill -HUP $MAINPID",
                 "Restart=on-failure", "PartOf=graphical-session.target", "After=graphical-session.target",
                 "WantedBy=graphical-session.target", "Environment=PYTHONUNBUFFERED=1", "WatchdogSec=3min"):
        assert line in shipped.splitlines()


@needs_systemd_analyze
def test_the_shipped_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    result = verify(ROOT / "systemd" / "handhabit.service", tmp_path)
    assert (result.returncode, result.stderr) == (0, "")


@pytest.fixture
def env(home: Path, tmp_path: Path) -> dict[str, str]:
    """A fake `systemctl` first on PATH, recording its calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "systemctl"
    fake.write_text(FAKE_SYSTEMCTL.format(python=sys.executable))
    fake.chmod(0o755)
    return {**os.environ, "PYTHONPATH": str(ROOT), "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "SYSTEMCTL_CALLS": str(tmp_path / "calls")}


def hh(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "handhabit", *args], env=env, capture_output=True, text=True,
                          timeout=60)


def calls(env: dict[str, str]) -> list[str]:
    path = Path(env["SYSTEMCTL_CALLS"])
    return path.read_text().splitlines() if path.exists() else []


def unit_file(home: Path) -> Path:
    return home / "xdg_config_home" / "systemd" / "user" / "handhabit.service"


@needs_systemd_analyze
def test_install_writes_the_unit_for_this_python_enables_and_starts_it(
    env: dict[str, str], home: Path, tmp_path: Path
) -> None:
    result = hh(env, "service", "install")
    assert result.returncode == 0, result.stderr
    unit = unit_file(home)
    assert unit.read_text() == unit_text(sys.executable)
    assert oct(unit.stat().st_mode & 0o777) == "0o644"
    assert calls(env) == ["--user daemon-reload", "--user enable --now handhabit.service"]
    assert result.stdout.splitlines()[0] == f"Wrote {unit} (runs {sys.executable} -m handhabit run)."
    assert "Enabled and started" in result.stdout
    verified = verify(unit, tmp_path)
    assert (verified.returncode, verified.stderr) == (0, "")

    status = hh(env, "service", "status")
    assert status.stdout.splitlines() == [f"Unit file: {unit}", "Enabled: enabled; active: active."]

    removed = hh(env, "service", "uninstall")
    assert removed.returncode == 0, removed.stderr
    assert not unit.exists()
    assert calls(env)[-2:] == ["--user disable --now handhabit.service", "--user daemon-reload"]
    assert hh(env, "service", "uninstall").stdout == f"No unit at {unit}: nothing to uninstall.\n"


def test_without_a_user_manager_the_unit_is_written_and_the_commands_are_printed(
    env: dict[str, str], home: Path
) -> None:
    result = hh({**env, "SYSTEMCTL_FAIL": "1"}, "service", "install")
    assert result.returncode == 1
    assert unit_file(home).exists()
    assert result.stdout.splitlines()[1:] == [
        "Could not run `systemctl --user daemon-reload`: Failed to connect to bus: No medium found.",
        "Run these once a systemd user session is available:",
        "    systemctl --user daemon-reload",
        "    systemctl --user enable --now handhabit.service",
    ]
    assert result.stderr == "handhabit: the unit is written but not started (see above)\n"


def test_without_systemctl_at_all(env: dict[str, str], home: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = hh({**env, "PATH": str(empty)}, "service", "install")
    assert result.returncode == 1
    assert "Could not run `systemctl --user daemon-reload`: systemctl is not installed here." in result.stdout
    assert unit_file(home).read_text() == unit_text(sys.executable)
    status = hh({**env, "PATH": str(empty)}, "service", "status")
    assert status.stdout.splitlines()[1] == (
        f"No systemd user manager here (systemctl is not installed), so {NO_MANAGER_ADVICE}")
    removed = hh({**env, "PATH": str(empty)}, "service", "uninstall")
    assert (removed.returncode, removed.stderr) == (0, "")
    assert removed.stdout.splitlines()[1] == (
        "No systemd user manager here (systemctl is not installed): nothing is left to stop or disable.")
    assert not unit_file(home).exists()


NO_MANAGER_ADVICE = ("the service cannot start here: `handhabit run` in a terminal runs the reminders; where one "
                     "runs, `systemctl --user enable --now handhabit.service` starts them with every desktop session.")
needs_systemctl = pytest.mark.skipif(shutil.which("systemctl") is None, reason="systemctl is not installed")


@pytest.fixture
def no_manager(home: Path) -> dict[str, str]:
    """The real systemctl, with no user manager to reach: the runtime folder is a fresh one, with no bus in it."""
    base = {name: value for name, value in os.environ.items() if name != "DBUS_SESSION_BUS_ADDRESS"}
    return {**base, "PYTHONPATH": str(ROOT), "SYSTEMCTL_CALLS": os.devnull}


def installed_without_a_manager(env: dict[str, str]) -> None:
    assert hh(env, "service", "install").returncode == 1  # written, not started: see the test above


@needs_systemctl
def test_service_status_without_a_user_manager_says_why_it_cannot_tell(no_manager: dict[str, str], home: Path) -> None:
    installed_without_a_manager(no_manager)
    status = hh(no_manager, "service", "status")
    assert status.returncode == 0
    unit, why = status.stdout.splitlines()
    assert unit == f"Unit file: {unit_file(home)}"
    assert why.startswith("No systemd user manager here (`systemctl --user`: Failed to connect to bus: ")
    assert why.endswith(f"), so {NO_MANAGER_ADVICE}")


@needs_systemctl
def test_status_with_the_unit_installed_but_no_user_manager_advises_handhabit_run(
    no_manager: dict[str, str]
) -> None:
    assert hh(no_manager, "status").stdout.splitlines()[0] == (
        "handhabit is not running: start it with `handhabit service install` (or `handhabit run`).")
    installed_without_a_manager(no_manager)
    assert hh(no_manager, "status").stdout.splitlines()[0] == (
        "handhabit is not running: start it with `handhabit run` in a terminal (no systemd user manager here to "
        "start its service).")


@pytest.mark.parametrize(("enabled", "active", "advice"), [
    ("disabled", "inactive", "start it with `systemctl --user enable --now handhabit`"),
    ("enabled", "inactive", "start it with `systemctl --user start handhabit`"),
    ("enabled", "failed", "its user service failed (`journalctl --user -u handhabit` says why): start it again with "
                          "`systemctl --user restart handhabit`"),
])
def test_an_installed_service_that_is_not_running_is_started_with_systemctl_not_installed_again(
    env: dict[str, str], enabled: str, active: str, advice: str
) -> None:
    assert hh(env, "service", "install").returncode == 0
    stopped = {**env, "SYSTEMCTL_ENABLED": enabled, "SYSTEMCTL_ACTIVE": active}
    assert hh(stopped, "status").stdout.splitlines()[0] == f"handhabit is not running: {advice}."
    assert hh(stopped, "service", "status").stdout.splitlines()[1] == f"Enabled: {enabled}; active: {active}: {advice}."


def test_status_says_when_the_service_runs_on_another_database(env: dict[str, str], tmp_path: Path) -> None:
    assert hh(env, "service", "install").returncode == 0
    assert hh(env, "--db", str(tmp_path / "other.db"), "status").stdout.splitlines()[0] == (
        "handhabit is not running: its user service is active, but holds no lock on this database "
        "(`journalctl --user -u handhabit` names the one it uses).")


def test_uninstall_keeps_the_unit_when_systemd_cannot_disable_it(env: dict[str, str], home: Path) -> None:
    assert hh(env, "service", "install").returncode == 0
    refused = hh({**env, "SYSTEMCTL_FAIL_VERB": "disable"}, "service", "uninstall")
    assert refused.returncode == 1
    assert unit_file(home).exists()
    assert refused.stdout.splitlines()[-1] == "    systemctl --user disable --now handhabit.service"
    assert refused.stderr == (f"handhabit: kept {unit_file(home)}, so that systemd can still disable it: run "
                              "`handhabit service uninstall` again after the command above\n")
    assert hh(env, "service", "uninstall").returncode == 0
    assert not unit_file(home).exists()


@needs_systemctl
def test_uninstall_without_a_user_manager_disables_then_removes_and_asks_nothing_more(
    no_manager: dict[str, str], home: Path
) -> None:
    installed_without_a_manager(no_manager)
    # Enabled as a desktop session would have done it: the link systemd starts it from.
    enabled = subprocess.run(["systemctl", "--user", "--root=/", "enable", "handhabit.service"], env=no_manager,
                             capture_output=True, text=True, timeout=60)
    assert enabled.returncode == 0, enabled.stderr
    link = unit_file(home).parent / "graphical-session.target.wants" / "handhabit.service"
    assert link.is_symlink()

    removed = hh(no_manager, "service", "uninstall")
    assert (removed.returncode, removed.stderr) == (0, "")
    assert not unit_file(home).exists()
    assert not link.is_symlink()
    done, why = removed.stdout.splitlines()
    assert done == f"Removed {unit_file(home)}. Your config and records stay where they are."
    assert why.startswith("No systemd user manager here (`systemctl --user`: Failed to connect to bus: ")
    assert why.endswith("), so nothing here ran it; it was enabled, and is disabled now.")
