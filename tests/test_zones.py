"""Which zone "now" is read in: the config's, else what TZ says (a zone name, a zone file, a POSIX rule),
else the system's, and a one-line warning whenever that is a guess. Never a traceback, never a silent
UTC. Every resolution gets an explicit environment and system zone, so no test depends on the machine's
own zone; the CLI and the daemon are run as the person runs them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from handhabit.host import zones
from handhabit.host.zones import resolve
from tests.desktop import wait_for

ROOT = Path(__file__).parent.parent
BERLIN_RULE = "CET-1CEST,M3.5.0,M10.5.0/3"
EASTERN_RULE = "EST5EDT,M3.2.0,M11.1.0"


def no_system() -> str | None:
    return None


def untouched() -> str | None:
    raise AssertionError("the system's zone was looked up although TZ or the config settles it")


def winter_and_summer(zone: ZoneInfo) -> list[timedelta | None]:
    return [datetime(2030, month, 15, 12, tzinfo=zone).utcoffset() for month in (1, 7)]


def zone_file(folder: Path, key: str = "Europe/Berlin") -> Path:
    """A copy of a real TZif file at folder/key, the way a zone database lays it out."""
    *parts, name = key.split("/")
    path = folder.joinpath(*parts, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(resources.files(".".join(["tzdata.zoneinfo", *parts])).joinpath(name).read_bytes())
    return path


# resolution


@pytest.mark.parametrize("tz", ["Garbage/Zone", "EST5EDT", BERLIN_RULE, "", "\n"])
def test_the_configured_zone_wins_and_tz_is_not_even_read(tz: str) -> None:
    assert resolve("Europe/Berlin", {"TZ": tz}, system=untouched) == (ZoneInfo("Europe/Berlin"), None)


@pytest.mark.parametrize(("tz", "key"), [
    ("EST5EDT", "EST5EDT"),  # a valid IANA key that tzlocal's list lacks: it fell back to the system's zone
    ("Europe/Berlin", "Europe/Berlin"),
    (":Europe/Berlin", "Europe/Berlin"),
    ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
])
def test_a_zone_name_in_tz_is_used_as_it_is(tz: str, key: str) -> None:
    assert resolve(None, {"TZ": tz}, system=untouched) == (ZoneInfo(key), None)


def test_a_zone_file_in_tz_maps_to_its_key_also_through_a_symlink(tmp_path: Path) -> None:
    path = zone_file(tmp_path / "usr" / "share" / "zoneinfo", "America/Argentina/Buenos_Aires")
    link = tmp_path / "localtime"
    link.symlink_to(path)
    for tz in (str(path), f":{path}", str(link), f":{link}"):
        zone, warning = resolve(None, {"TZ": tz}, system=untouched)
        assert (zone.key, warning) == ("America/Argentina/Buenos_Aires", None), tz


@pytest.mark.parametrize(("rule", "like"), [
    (BERLIN_RULE, "Europe/Berlin"),
    (EASTERN_RULE, "America/New_York"),
    ("<+03>-3", "Etc/GMT-3"),
])
def test_a_posix_rule_resolves_to_a_zone_that_follows_it_and_says_which(rule: str, like: str) -> None:
    zone, warning = resolve(None, {"TZ": rule}, system=lambda: "Asia/Tokyo")
    assert winter_and_summer(zone) == winter_and_summer(ZoneInfo(like))
    assert zone.key != "Asia/Tokyo" and "/" in zone.key
    assert warning == (f'TZ="{rule}" is a POSIX rule: using {zone.key}, which follows it '
                       f'(set timezone = "{zone.key}" or your zone in the config)')
    assert resolve(None, {"TZ": rule}, system=no_system) == (zone, warning)  # the same pick every time


@pytest.mark.parametrize(("rule", "system"), [(BERLIN_RULE, "Europe/Berlin"), (BERLIN_RULE, "Europe/Paris"),
                                              (EASTERN_RULE, "America/Toronto"), ("<+03>-3", "Europe/Istanbul")])
def test_a_posix_rule_the_system_zone_follows_picks_that_zone_without_a_word(rule: str, system: str) -> None:
    assert resolve(None, {"TZ": rule}, system=lambda: system) == (ZoneInfo(system), None)


@pytest.mark.parametrize("tz", [
    "Garbage/Zone",
    "Europe/../Europe/Berlin",  # ZoneInfo keys never climb out of the zone database
    "../zoneinfo/Europe/Berlin",
    "Europe",  # a folder of the database, not a zone
    "/nonexistent/zoneinfo/Europe/Berlin",
    "CET-1CEST,M3.5.0,M10.5.0/3,M1.1.0",  # looks like a rule, but no zone follows it
])
def test_a_tz_that_is_no_zone_falls_back_to_the_system_zone_with_one_warning(tz: str) -> None:
    zone, warning = resolve(None, {"TZ": tz}, system=lambda: "Europe/Berlin")
    assert zone.key == "Europe/Berlin"
    assert warning == (f'TZ="{tz}" is not a time zone: using Europe/Berlin, the system\'s zone '
                       '(set timezone = "Europe/Berlin" or your zone in the config)')


def test_a_zone_file_outside_a_zone_database_is_no_zone(tmp_path: Path) -> None:
    copy = tmp_path / "berlin.tzif"
    copy.write_bytes(zone_file(tmp_path / "db").read_bytes())
    zone, warning = resolve(None, {"TZ": str(copy)}, system=lambda: "Asia/Tokyo")
    assert zone.key == "Asia/Tokyo" and warning is not None and warning.startswith(f'TZ="{copy}" is not a time zone')


def test_the_warning_is_one_line_whatever_tz_holds() -> None:
    zone, warning = resolve(None, {"TZ": "Europe/\nBerlin"}, system=lambda: "Asia/Tokyo")
    assert zone.key == "Asia/Tokyo" and warning is not None and "\n" not in warning
    assert warning.startswith('TZ="Europe/\\nBerlin" is not a time zone')


@pytest.mark.parametrize("environ", [{}, {"TZ": ""}, {"LANG": "C"}])
def test_without_tz_the_system_zone_is_used_quietly(environ: dict[str, str]) -> None:
    assert resolve(None, environ, system=lambda: "Asia/Tokyo") == (ZoneInfo("Asia/Tokyo"), None)


def test_with_nothing_to_go_on_it_is_utc_and_says_so() -> None:
    assert resolve(None, {}, system=no_system) == (
        ZoneInfo("UTC"),
        "cannot tell this system's time zone: using UTC (set timezone = \"Europe/Berlin\" or your zone in the config)",
    )
    zone, warning = resolve(None, {"TZ": "Garbage/Zone"}, system=no_system)
    assert zone.key == "UTC"
    assert warning == ('TZ="Garbage/Zone" is not a time zone, and this system\'s zone cannot be told: using UTC '
                       '(set timezone = "Europe/Berlin" or your zone in the config)')


@pytest.mark.parametrize("answer", [ValueError("conflicting configs"), "Garbage/Zone", None])
def test_when_tzlocal_fails_the_etc_localtime_link_decides(
    answer: Exception | str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tzlocal

    def get_localzone_name() -> str | None:
        if isinstance(answer, Exception):
            raise answer
        return answer

    link = tmp_path / "etc" / "localtime"
    link.parent.mkdir()
    link.symlink_to(zone_file(tmp_path / "usr" / "share" / "zoneinfo", "Asia/Kolkata"))
    monkeypatch.setattr(tzlocal, "get_localzone_name", get_localzone_name)
    monkeypatch.setattr(zones, "LOCALTIME", str(link))
    assert zones.system_zone_name() == "Asia/Kolkata"
    link.unlink()
    assert zones.system_zone_name() is None


# the CLI and the daemon, as processes


def write_config(folder: Path, timezone: str | None = None) -> Path:
    general = f'[general]\ntimezone = "{timezone}"\n' if timezone else ""
    path = folder / "config.toml"
    path.write_text(general + """
[notify]
backend = "log"

[[habits]]
id = "hand-massage"
name = "Hand massage"

[[reminders]]
id = "bedtime"
habit = "hand-massage"
at = ["22:30"]
message = "Bedtime hand massage."
""")
    return path


def environment(tmp_path: Path, tz: str, timezone: str | None = None) -> dict[str, str]:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    base = {k: v for k, v in os.environ.items()
            if k != "TZ" and not k.startswith(("HANDHABIT_", "NOTIFY_", "JOURNAL_", "WATCHDOG_"))}
    return {**base, "TZ": tz, "PYTHONPATH": str(ROOT), "XDG_RUNTIME_DIR": str(runtime),
            "HANDHABIT_CONFIG": str(write_config(tmp_path, timezone)), "HANDHABIT_DB": str(tmp_path / "hh.db")}


def check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "handhabit", "check"], env=env, capture_output=True, text=True,
                          timeout=60)


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("handhabit: warning: ")]


@pytest.mark.process
def test_check_reads_a_valid_iana_tz_that_tzlocal_ignored(tmp_path: Path) -> None:
    done = check(environment(tmp_path, "EST5EDT"))
    assert done.returncode == 0, done.stderr
    assert "Time zone EST5EDT;" in done.stdout
    assert "warning" not in done.stderr


@pytest.mark.process
def test_check_warns_once_about_a_garbage_tz_and_goes_on(tmp_path: Path) -> None:
    done = check(environment(tmp_path, "Garbage/Zone"))
    assert done.returncode == 0, done.stderr
    [warning] = warnings(done.stderr)
    assert warning.startswith('handhabit: warning: TZ="Garbage/Zone" is not a time zone: using ')
    assert "Traceback" not in done.stderr and "Time zone " in done.stdout


@pytest.mark.process
def test_check_with_a_configured_zone_ignores_a_garbage_tz(tmp_path: Path) -> None:
    done = check(environment(tmp_path, "Garbage/Zone", timezone="Europe/Berlin"))
    assert done.returncode == 0, done.stderr
    assert "Time zone Europe/Berlin;" in done.stdout
    assert "warning" not in done.stderr


@pytest.mark.parametrize("timezone", ["Europe/Berlin", None])
@pytest.mark.process
def test_the_daemon_runs_and_stops_cleanly_under_a_garbage_tz(tmp_path: Path, timezone: str | None) -> None:
    """This TZ crashed the daemon at start, even with a configured zone: a restart loop under systemd."""
    log_path = tmp_path / "daemon.log"
    with log_path.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "handhabit", "run"], stdout=subprocess.DEVNULL,
                                   stderr=out, env=environment(tmp_path, "Garbage/Zone", timezone))
    try:
        wait_for(lambda: "handhabit is running" in log_path.read_text() or process.poll() is not None, 20,
                 "the daemon to start")
        assert process.poll() is None, log_path.read_text()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    log = log_path.read_text()
    assert "Traceback" not in log
    zone_warnings = [line for line in log.splitlines() if 'TZ="Garbage/Zone"' in line]
    if timezone:
        assert zone_warnings == [] and re.search(r"next bedtime: .* 22:30 CES?T$", log, re.M)  # in Berlin time
    else:
        [line] = zone_warnings
        assert line.startswith('WARNING handhabit: TZ="Garbage/Zone" is not a time zone: using ')
