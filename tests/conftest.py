from __future__ import annotations

import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from handhabit.store import Store
from tests import rig


def pytest_runtest_setup(item: pytest.Item) -> None:
    rig.current = item


_popen_init = subprocess.Popen.__init__


def _checked_popen_init(self: subprocess.Popen[Any], args: Any, *more: Any, **options: Any) -> None:
    rig.starting_process(args)
    _popen_init(self, args, *more, **options)


subprocess.Popen.__init__ = _checked_popen_init  # type: ignore[method-assign]


def pytest_runtest_teardown(item: pytest.Item) -> None:
    rig.current = None


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated user: XDG dirs and handhabit's variables point into a temp dir."""
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"):
        folder = tmp_path / name.lower()
        folder.mkdir(mode=0o700)
        monkeypatch.setenv(name, str(folder))
    monkeypatch.delenv("HANDHABIT_CONFIG", raising=False)
    monkeypatch.delenv("HANDHABIT_DB", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A real SQLite store in the test's folder."""
    store = Store(tmp_path / "hh.db")
    yield store
    store.close()


@pytest.fixture
def listener() -> Iterator[tuple[str, socket.socket]]:
    """An abstract datagram socket, as systemd's $NOTIFY_SOCKET is: "@name" in the variable."""
    name = f"handhabit-test-{uuid.uuid4().hex}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    try:
        yield f"@{name}", sock
    finally:
        sock.close()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 512 KiB tmpfs of its own (root only: mark the test `needs_root`)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs", str(mount)],
                             capture_output=True, text=True)
    assert mounted.returncode == 0, f"cannot mount a tmpfs as root: {mounted.stderr.strip()}"
    try:
        yield mount
    finally:
        if subprocess.run(["umount", str(mount)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True)
