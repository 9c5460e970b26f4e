"""The desktop backend through the real notify-send: when it fails, the reminder reaches the log instead of
vanishing, and the record says why."""

from __future__ import annotations

import html
import logging
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handhabit.daemon.coordinator import Daemon
from handhabit.notify.backends import PlyerNotifier
from handhabit.notify.note import escape_markup
from handhabit.store import Store
from tests.builders import BEDTIME, BERLIN, config_of
from tests.desktop import needs_desktop


@pytest.mark.desktop
@needs_desktop
def test_a_failing_notify_send_sends_the_reminder_to_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/bus")  # the session bus went away
    store = Store(tmp_path / "hh.db")
    with caplog.at_level(logging.INFO):
        Daemon(config_of(BEDTIME), store, PlyerNotifier(), BERLIN).fire("bedtime")
    problem = "notify-send exited with status 1: Could not connect: No such file or directory"
    assert f"bedtime: notification through plyer failed: {problem}" in caplog.text
    assert "reminder: Hand massage: Bedtime hand massage." in caplog.text
    assert [(e.kind, e.detail) for e in store.events()] == [("fired", f"plyer failed: {problem}")]
    store.close()


@given(st.text())
def test_the_markup_escape_is_htmls(text: str) -> None:
    """The daemon escapes a note's body for the server without importing `html`: the same text comes out."""
    assert escape_markup(text) == html.escape(text, quote=False)
