"""What a reminder says and what comes back from its buttons: the contracts every notification backend
shares, below both the DBus notifier (`desktop.notifications`) and the others (`notify.backends`), so
neither imports the other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

APP_NAME = "handhabit"
# The buttons of a reminder, as the action keys a server sends back.
ACTIONS = ("done", "snooze", "skip")
RECORD_HINT = "done? run: handhabit done"


@dataclass(frozen=True)
class Note:
    """A reminder as a person sees it: the habit's name over the message, a tip, the day's progress and
    the routine to start; and which reminder it is, for the buttons' answers."""

    summary: str
    message: str
    tip: str
    progress: str | None
    routine: str
    reminder: str = ""
    habit: str = ""
    due: datetime | None = None
    snooze: timedelta = timedelta(minutes=10)

    def body(self, buttons: bool) -> str:
        """Without buttons the note says how to record a session, so the reminder is one step from done."""
        lines = [
            self.message,
            f"Tip: {self.tip}",
            " · ".join(filter(None, [self.progress, None if buttons else RECORD_HINT])),
            f"Guided: handhabit guide {self.routine}",
        ]
        return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class Answer:
    """A button pressed on a reminder: `action` is one of ACTIONS."""

    action: str
    note: Note
    at: datetime


class NotifyError(Exception):
    pass


class Notifier(Protocol):
    name: str

    def send(self, note: Note) -> None: ...


@runtime_checkable
class Answering(Protocol):
    """A backend whose notifications have buttons: it tells the listener what was pressed."""

    def answers_to(self, listener: Callable[[Answer], None]) -> None: ...


def escape_markup(text: str) -> str:
    """`text` as it reads, for a notification server that takes the body as markup (a small subset of
    HTML): `&`, `<` and `>` escaped, as `html.escape(text, quote=False)` does. Importing `html` loads its
    table of 2,000 named entities, half a MiB that the idle daemon would carry for three replacements."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
