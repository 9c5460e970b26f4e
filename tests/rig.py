"""Which tests need more than Python: each must say so with a marker, so that
`pytest -m "not desktop and not process"` is a quick loop that starts nothing.

- `desktop`: the desktop rig (a private dbus-daemon, Xvfb and dunst, tmux). Every entry into the rig
  calls `entering_rig`, which fails a test that forgot the marker.
- `process`: any other child process (the CLI or the daemon run as a process, faketime, systemctl, a
  shell). `conftest` makes `subprocess.Popen` fail a test that has neither marker.

So the full run (CI) catches a test that forgot its marker."""

from __future__ import annotations

import pytest

# The test being set up or run; conftest's pytest_runtest_setup sets it before any fixture of that test.
current: pytest.Item | None = None


def marked(item: pytest.Item, *names: str) -> bool:
    return any(item.get_closest_marker(name) is not None for name in names)


def entering_rig(what: str) -> None:
    if current is not None and not marked(current, "desktop"):
        pytest.fail(f"{current.nodeid} starts {what}: mark it @pytest.mark.desktop (or its module with "
                    "pytestmark), so `pytest -m 'not desktop'` leaves it out", pytrace=False)


def starting_process(argv: object) -> None:
    if current is not None and not marked(current, "desktop", "process"):
        pytest.fail(f"{current.nodeid} starts a process ({argv!r:.80}): mark it @pytest.mark.process (or its "
                    "module with pytestmark), so the quick loop leaves it out", pytrace=False)
