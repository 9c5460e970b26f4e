"""A command loads only what it uses, so it answers at once on any history: no scheduler, DBus or
notification library outside `run`, rich only where a table is drawn, and sqlite-utils only when a
database is created or migrated (it is the largest single import; the stdlib connection does the rest).
The timings themselves are measured by bench/cli_latency.py, not asserted here."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from handhabit.store.schema import SCHEMA_VERSION
from tests.builders import daemon_env, handhabit, imported, write_config

pytestmark = pytest.mark.process

DAEMON_ONLY = {"apscheduler", "jeepney", "plyer"}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = daemon_env(tmp_path, write_config(tmp_path))
    assert handhabit(env, "done", "--minutes", "5").returncode == 0  # the database exists from here on
    return env


@pytest.mark.parametrize("args", [
    ("done",), ("undo",), ("skip",), ("unskip",), ("streak", "--json"), ("status",), ("log",), ("snooze",), ("check",),
    ("--help",), ("export",),
])
def test_what_a_person_types_every_day_loads_neither_rich_nor_sqlite_utils_nor_the_daemon(
    env: dict[str, str], args: tuple[str, ...]
) -> None:
    result, packages = imported(env, *args)
    assert result.returncode == 0, result.stderr[-500:]
    assert packages.isdisjoint({"rich", "sqlite_utils", *DAEMON_ONLY}), packages & {"rich", "sqlite_utils"}


@pytest.mark.parametrize("args", [("streak",), ("streak", "--weeks", "8")])
def test_a_table_loads_rich_and_still_not_sqlite_utils(env: dict[str, str], args: tuple[str, ...]) -> None:
    result, packages = imported(env, *args)
    assert result.returncode == 0, result.stderr[-500:]
    assert "rich" in packages
    assert packages.isdisjoint({"sqlite_utils", *DAEMON_ONLY})


def test_sqlite_utils_creates_the_database_and_upgrades_an_older_one(tmp_path: Path) -> None:
    env = daemon_env(tmp_path, write_config(tmp_path))
    result, packages = imported(env, "done")
    assert result.returncode == 0 and "sqlite_utils" in packages  # a new database: its tables are made
    db = Path(env["HANDHABIT_DB"])
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 2")  # as the release before the day totals' index left it
        conn.execute("DROP INDEX idx_sessions_habit_logical_date_deleted_utc_minutes")
        conn.execute('CREATE INDEX "idx_sessions_habit_logical_date" ON "sessions" ("habit", "logical_date")')
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm003_day_totals'")
    result, packages = imported(env, "streak", "--json")
    assert result.returncode == 0 and "sqlite_utils" not in packages  # read as it is, not migrated
    assert '"sessions": 1' in result.stdout
    result, packages = imported(env, "done")
    assert result.returncode == 0 and "sqlite_utils" in packages
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        plan = conn.execute("EXPLAIN QUERY PLAN SELECT logical_date, count(*), total(minutes) FROM sessions "
                            "WHERE habit = 'hand-massage' AND deleted_utc IS NULL GROUP BY logical_date").fetchall()
    assert "COVERING INDEX" in plan[0][3]
    assert '"sessions": 2' in handhabit(env, "streak", "--json").stdout
