"""`handhabit completion SHELL`, and what HABIT and ROUTINE complete to.

The shell runs handhabit on every Tab, into the person's prompt: so completing reads only the config file
(no database, rich or scheduler, which cost more than the whole completion), and never prints. A config
that cannot be read completes what every config has, the built-in routines, rather than an error line in
the middle of what is being typed."""

from __future__ import annotations

import os
from pathlib import Path

import click
from click.shell_completion import CompletionItem, get_completion_class

from handhabit.config.loading import builtin, load_usable
from handhabit.config.model import Config
from handhabit.host.paths import default_config_path

SHELLS = ("bash", "zsh", "fish")
# What `cli.main(prog_name="handhabit")` listens to: the script and the CLI must agree on it.
COMPLETE_VAR = "_HANDHABIT_COMPLETE"


def _config_path(ctx: click.Context) -> Path:
    """The file the command being typed would read. Click parses the words before the cursor without
    running the group's callback, so `--config` (or HANDHABIT_CONFIG, which click resolves the same way)
    is in the root's params, not yet in an App; the shell has not expanded a typed `~` either."""
    given = ctx.find_root().params.get("config_path")
    if given:
        return Path(given).expanduser()
    env = os.environ.get("HANDHABIT_CONFIG")
    return Path(env).expanduser() if env else default_config_path()


def _config(ctx: click.Context) -> Config | None:
    try:
        return load_usable(_config_path(ctx))[0]  # the habits a command would take
    except Exception:  # whatever is wrong, `handhabit check` says it better than a Tab could
        return None


def habit_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The config's habit ids; none for a broken config, whose habits the command would refuse anyway."""
    config = _config(ctx)
    habits = config.habits if config else ()
    return [CompletionItem(h.id, help=h.name) for h in habits if h.id.startswith(incomplete)]


def routine_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The config's routines, built-in ones included; only the built-in ones for a broken config."""
    config = _config(ctx) or builtin()
    return [CompletionItem(r.id, help=r.name) for r in config.routines if r.id.startswith(incomplete)]


@click.command(short_help="Print the shell completion script.")
# Not required for click: its missing-choice message spans lines, which the CLI's one error line would show as \n.
@click.argument("shell", metavar="SHELL", type=click.Choice(SHELLS), required=False)
@click.pass_context
def completion(ctx: click.Context, shell: str | None) -> None:
    """Print the script that makes SHELL (bash, zsh or fish) complete handhabit's commands, options,
    habits and routines. To have it in every new shell:

    \b
      bash  ~/.bashrc:  eval "$(handhabit completion bash)"
      zsh   ~/.zshrc:   eval "$(handhabit completion zsh)"   (after compinit)
      fish  handhabit completion fish > ~/.config/fish/completions/handhabit.fish
    """
    if shell is None:
        raise click.UsageError(f"Missing argument 'SHELL': one of {', '.join(SHELLS)}.", ctx)
    script = get_completion_class(shell)
    assert script is not None  # click registers every one of SHELLS
    # A script for the shell, handhabit's own and with nothing foreign in it: printed byte for byte, not `say`.
    click.echo(script(ctx.find_root().command, {}, "handhabit", COMPLETE_VAR).source(), nl=False)
