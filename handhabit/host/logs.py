"""Logging for `handhabit run`: to stderr, which journald picks up under systemd. There each line starts
with its syslog priority (`<3>` error .. `<7>` debug) so `journalctl -p warning` works, and without
a timestamp, which the journal adds itself."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from handhabit.core.visible import LINE, visible, visible_lines

PRIORITIES = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}


class VisibleFormatter(logging.Formatter):
    """Log lines quote what handhabit did not write (a reminder's id, a notification server's name, a device's,
    a config's problem): made visible as on the command line (`visible`), each message one line, so a value
    can neither drive the terminal `handhabit run` logs to nor forge a line of the journal."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = visible(record.message, LINE)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:
        return visible_lines(super().formatException(ei))


class JournalFormatter(VisibleFormatter):
    def format(self, record: logging.LogRecord) -> str:
        priority = PRIORITIES.get(record.levelno, 6)
        # Every line of a multi-line message (a traceback) keeps the priority.
        return "\n".join(f"<{priority}>{line}" for line in super().format(record).splitlines())


def setup(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if os.environ.get("JOURNAL_STREAM"):  # set by systemd when stderr is the journal
        handler.setFormatter(JournalFormatter("%(name)s: %(message)s"))
    else:
        handler.setFormatter(VisibleFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])
    logging.getLogger("apscheduler").setLevel(logging.INFO if verbose else logging.WARNING)
