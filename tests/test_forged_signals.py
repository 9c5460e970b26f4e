"""Only the notification server's own signals count, tried from the attacker's side: `handhabit run` on the
dbus backend under dunst with a reminder on screen, and another program on the same session bus that
forges dunst's signals for every id a reminder could have, broadcast and sent straight to the daemon's
connection. A witness connection shows the bus delivered them; a real press through dunst's menu afterwards
shows the daemon had read them (one connection, read in order) and still takes the real button."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from jeepney.bus_messages import message_bus

from handhabit.desktop.bus import Bus
from handhabit.desktop.notifications import DBusNotifier
from handhabit.notify.note import Answer, Note
from tests.builders import MESSAGE, daemon_env, handhabit, write_config
from tests.bus_peers import NOTIFICATIONS, Peer, Witness, dunst_restarted, peer
from tests.desktop import needs_desktop, wait_for
from tests.fake_desktop import PrivateBus
from tests.test_backends import FakeNotificationServer
from tests.test_buttons import reminded

pytestmark = [needs_desktop, pytest.mark.desktop]
IDS = range(1, 21)
ANSWERS = ("done", "snoozed", "skipped")  # what `handhabit log` shows for each button


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return daemon_env(tmp_path, write_config(tmp_path, snooze="5s"))


def sessions(env: dict[str, str]) -> list[str]:
    """The source of each session recorded."""
    with sqlite3.connect(env["HANDHABIT_DB"]) as db:
        return [source for (source,) in db.execute("SELECT source FROM sessions ORDER BY at_utc")]


def answers_logged(env: dict[str, str]) -> list[str]:
    """The buttons' records in `handhabit log`, in its order: each row is time, who, kind and detail."""
    result = handhabit(env, "log")
    assert result.returncode == 0, result.stderr
    kinds = [re.split(r" {2,}", line)[2] for line in result.stdout.splitlines()]
    return [kind for kind in kinds if kind in ANSWERS]


def targets(intruder: Peer, daemon_pid: int) -> list[str | None]:
    """Everyone (a broadcast), then each of the daemon's connections by its unique name."""
    names = intruder.names_of(daemon_pid)
    assert names, "the daemon holds no connection to the session bus"
    return [None, *names]


@pytest.mark.parametrize(("forged", "pressed", "recorded"),
                         [("done", "Skip", "skipped"), ("snooze", "Done", "done"), ("skip", "Done", "done")])
def test_a_press_forged_by_another_program_records_nothing(
    env: dict[str, str], tmp_path: Path, forged: str, pressed: str, recorded: str
) -> None:
    with reminded(env, tmp_path) as (rig, daemon), peer(rig) as intruder, peer(rig, Witness) as witness:
        for to in targets(intruder, daemon.process.pid):
            for server_id in IDS:
                intruder.action_invoked(server_id, forged, to)
        witness.saw(intruder.unique_name, "ActionInvoked", len(IDS))
        assert (answers_logged(env), rig.displayed()) == ([], 1), "a forged press was taken"
        rig.invoke(pressed)
        wait_for(lambda: answers_logged(env), 10, f"the real {pressed} recorded")
    assert answers_logged(env) == [recorded]
    assert sessions(env) == (["notification"] if recorded == "done" else [])
    assert f"{forged} pressed on the notification" not in daemon.log or forged == recorded


def test_a_forged_close_does_not_make_the_daemon_forget_its_reminder(env: dict[str, str], tmp_path: Path) -> None:
    with reminded(env, tmp_path) as (rig, daemon), peer(rig) as intruder, peer(rig, Witness) as witness:
        for to in targets(intruder, daemon.process.pid):
            for server_id in IDS:
                intruder.notification_closed(server_id, 2, to)
        witness.saw(intruder.unique_name, "NotificationClosed", len(IDS))
        rig.invoke("Done")  # a daemon that believed the close would take the press for someone else's
        wait_for(lambda: sessions(env), 10, "the session of the real Done")
    assert (sessions(env), answers_logged(env)) == (["notification"], ["done"])


def test_a_forged_change_of_owner_does_not_hand_the_buttons_to_the_forger(
    env: dict[str, str], tmp_path: Path
) -> None:
    """The forger claims, as the bus daemon would, that the notification server's name is now its own, then
    presses Done as that 'server'; the real server stays the one that counts."""
    with reminded(env, tmp_path) as (rig, daemon), peer(rig) as intruder, peer(rig, Witness) as witness:
        dunst = intruder.owner()
        assert dunst is not None
        for to in targets(intruder, daemon.process.pid):
            intruder.name_owner_changed(NOTIFICATIONS, dunst, intruder.unique_name, to)
            for server_id in IDS:
                intruder.action_invoked(server_id, "done", to)
        witness.saw(intruder.unique_name, "NameOwnerChanged", 1)
        witness.saw(intruder.unique_name, "ActionInvoked", len(IDS))
        assert (answers_logged(env), rig.displayed()) == ([], 1), "a forged press was taken"
        rig.invoke("Skip")
        wait_for(lambda: answers_logged(env), 10, "the real Skip recorded")
        assert intruder.owner() == dunst
    assert (sessions(env), answers_logged(env)) == ([], ["skipped"])


def test_presses_count_from_a_notification_server_that_restarted(env: dict[str, str], tmp_path: Path) -> None:
    """dunst ends and starts again with a new unique name: the daemon follows the name to it."""
    with reminded(env, tmp_path) as (rig, daemon), dunst_restarted(rig):
        snoozed = handhabit(rig.env, "snooze", "5s")  # brings the reminder back, to the new dunst
        assert snoozed.returncode == 0, snoozed.stderr
        wait_for(rig.displayed, 15, "the reminder on the new dunst")
        rig.invoke("Done")
        wait_for(lambda: sessions(env), 10, "the session of Done on the new dunst")
    assert sessions(env) == ["notification"]
    assert "no notification server on the session bus now" in daemon.log


class FormerServer(FakeNotificationServer):
    """A notification server that hands its name on and stays on the bus, a peer like any other from then on."""

    def release(self) -> None:
        self._bus_call(message_bus.ReleaseName(self.name)).result(timeout=5)


def test_after_the_name_changes_hands_only_the_new_owner_counts() -> None:
    """Two servers numbering alike (both give id 2 first): the one that let the name go presses on the
    new one's reminder and is ignored; the new owner's press counts."""
    answers: list[Answer] = []
    with PrivateBus() as private, FormerServer(private.address) as former:
        bus = Bus(private.address, "session bus").connect()
        try:
            notifier = DBusNotifier(bus)
            notifier.answers_to(answers.append)
            former.release()
            with FakeNotificationServer(private.address) as current:
                wait_for(lambda: current.count("GetCapabilities"), 5, "the notifier to ask the new server")
                notifier.send(Note("Hand massage", MESSAGE, "a tip", None, "classic", "bedtime", "hand-massage"))
                former.press(current.next_id, "done")
                current.press(current.next_id, "skip")
                wait_for(lambda: answers, 5, "the new server's press")
        finally:
            bus.close()
    assert [(a.action, a.note.reminder) for a in answers] == [("skip", "bedtime")]
