"""Issue 18, finding 4: the days before the first session are not yet begun, and count nowhere. A newcomer's
first days through the real CLI, each command a process of its own with the clock frozen by libfaketime."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.builders import daemon_env, handhabit_at, needs_faketime

pytestmark = [needs_faketime, pytest.mark.process]
CONFIG = """
[general]
timezone = "UTC"

[[habits]]
id = "stretch"
name = "Finger stretches"
target = { sessions = 1, per = "day" }
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    return {**daemon_env(tmp_path, config), "TZ": "UTC", "COLUMNS": "100"}


def at(env: dict[str, str], when: str, *args: str) -> str:
    """`handhabit ARGS` at the frozen UTC wall time `when`: its output, after checking it succeeded."""
    result = handhabit_at(env, when, *args)
    assert (result.returncode, result.stderr) == (0, ""), (args, result.stderr)
    return result.stdout


def test_an_empty_record_says_nothing_is_recorded_yet(env: dict[str, str]) -> None:
    shown = at(env, "2025-03-13 10:00:00", "streak", "--weeks", "2").splitlines()
    assert shown[1] == "2025-03-03 to 2025-03-16: nothing recorded yet"
    assert shown[3:10] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def test_three_days_of_use_count_three_days_not_the_weeks_before(env: dict[str, str]) -> None:
    for day in ("11", "12", "13"):  # Tuesday to Thursday: the first three days
        at(env, f"2025-03-{day} 19:00:00", "done")
    shown = at(env, "2025-03-13 20:00:00", "streak", "--weeks", "4").splitlines()
    assert shown[1] == "2025-02-17 to 2025-03-16: 3 of 3 due days met"
    assert shown[3:10] == ["Mon", "Tue       ✓", "Wed       ✓", "Thu       ✓", "Fri", "Sat", "Sun"]
    assert shown[-1].endswith("⊘ excused  blank: not yet begun")
    week = at(env, "2025-03-13 20:00:00", "streak")
    (row,) = [line for line in week.splitlines() if "Finger stretches" in line]
    # Monday has no mark; Tuesday to Thursday met, the rest of the week still to come.
    assert row.split()[2:8] == ["✓", "✓", "✓", "·", "·", "·"]
    assert row.split()[8:10] == ["3", "days"]
