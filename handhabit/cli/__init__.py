"""The `handhabit` command: parses what a person typed, calls the core and the store, prints.

One module per group of commands (`recording`, `restoring`, `reports`, `reminders`, `user_service`,
`files`, `completion`), around what they share (`app`, and `output`, which everything printed goes through:
text handhabit did not write comes out escaped, see `visible`). User mistakes end in one line on stderr starting with
"handhabit: " and exit status 2; runtime failures (database, file system) in one such line and exit status 1.
No tracebacks.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from handhabit import __version__
from handhabit.cli import completion, files, recording, reminders, reports, restoring, status, syncing, user_service
from handhabit.cli.app import FAILURE, USAGE, App, Failure
from handhabit.cli.output import complain, one_line, say
from handhabit.host.paths import default_config_path, default_db_path
from handhabit.store.errors import InvalidRecord, StoreError


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              envvar="HANDHABIT_CONFIG", help="Config file [env HANDHABIT_CONFIG; default: XDG config dir].")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
              envvar="HANDHABIT_DB", help="Database file [env HANDHABIT_DB; default: XDG data dir].")
@click.option("-v", "--verbose", is_flag=True, help="More detail in the log.")
@click.version_option(__version__, prog_name="handhabit")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, db_path: Path | None, verbose: bool) -> None:
    """Hand-care reminders at work breaks and at bedtime, with a record and streaks.

    Start with `handhabit check` to see the schedule, `handhabit run` to get reminders
    and `handhabit done` after each session.
    """
    ctx.obj = App(config_path or default_config_path(), db_path or default_db_path(), verbose)
    if ctx.invoked_subcommand is None:
        say(ctx.get_help())


for command in (recording.done, recording.undo, restoring.restore, recording.skip, recording.unskip, recording.guide,
                reports.streak, reports.log_,
                reminders.run, reminders.pause, reminders.resume, reminders.snooze, status.status,
                user_service.service, syncing.sync, files.check, files.init, files.export, files.import_,
                completion.completion):
    cli.add_command(command)


@cli.result_callback()
def sent_on(_result: object, **_params: object) -> None:
    """What a command recorded reaches the sync folder before it returns, when sync is set up."""
    syncing.send_after(click.get_current_context().obj)


def main() -> NoReturn:
    """Entry point: click's multi-line usage errors become the one line the CLI contract asks for."""
    try:
        cli.main(prog_name="handhabit", standalone_mode=False)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "handhabit"
        say(f"handhabit: {one_line(exc.format_message())} (see `{command} --help`)", err=True)
        sys.exit(USAGE)
    except click.ClickException as exc:
        if isinstance(exc, Failure):
            exc.show()
        else:  # click's own "Error: ..." is no line of the CLI contract
            complain(exc.format_message())
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        sys.exit(130)
    except StoreError as exc:
        complain(str(exc))
        sys.exit(USAGE if isinstance(exc, InvalidRecord) else FAILURE)
    except BrokenPipeError:
        # `handhabit export | head`: the reader has gone, which is no error to report. Standard output
        # goes to /dev/null so the interpreter's last flush cannot complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(FAILURE)
    except OSError as exc:
        complain(str(exc))
        sys.exit(FAILURE)
    sys.exit(0)
