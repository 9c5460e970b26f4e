"""The systemd user unit: checked by `systemd-analyze verify`, installed by `handhabit service` with a
stand-in `systemctl` (no user manager runs in a test), and the instructions where systemctl is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from handhabit.service import unit_text

ROOT = Path(__file__).parent.parent
FAKE_SYSTEMCTL = """#!{python}
import os, sys
with open(os.environ["SYSTEMCTL_CALLS"], "a") as calls:
    calls.write(" ".join(sys.argv[1:]) + "\\n")
if os.environ.get("SYSTEMCTL_FAIL"):
    sys.exit("Failed to connect to bus: No medium found")
if sys.argv[2:3] == ["is-enabled"]:
    print("enabled")
if sys.argv[2:3] == ["is-active"]:
    print("active")
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
    assert status.stdout.splitlines()[1] == "No systemd user manager here (`systemctl --user` does not answer)."
