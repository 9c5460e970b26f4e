"""Shell completion as a shell asks for it: click's protocol (`_HANDHABIT_COMPLETE`, `COMP_WORDS`,
`COMP_CWORD`) against the real CLI, the scripts `handhabit completion` prints, and one real bash in tmux
pressing Tab."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.builders import ROOT, daemon_env, handhabit, imported
from tests.desktop import wait_for
from tests.rig import entering_rig

pytestmark = pytest.mark.process

CONFIG = """
[[habits]]
id = "hand-massage"
name = "Hand massage"
target = { sessions = 2, per = "day" }

[[habits]]
id = "stretch"
name = "Finger stretch"
routine = "piano"

[[routines]]
id = "piano"
name = "Before practice"
steps = [{ name = "Warm-up", seconds = 30 }]
"""
HABITS = ["hand-massage", "stretch"]
ROUTINES = ["classic", "desk-break", "piano"]  # the built-in ones, then the config's


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    return daemon_env(tmp_path, config)


def complete(env: dict[str, str], line: str, shell: str = "bash") -> list[str]:
    """What the shell gets back for the cursor at the end of `line`, as "type,value" lines (zsh: type,
    value and help each on a line of its own). Completing must never write to stderr."""
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    result = handhabit({**env, "_HANDHABIT_COMPLETE": f"{shell}_complete", "COMP_WORDS": line,
                        "COMP_CWORD": str(cword)})
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    return [line for line in result.stdout.splitlines() if line]  # no completions: click prints an empty line


def plain(*values: str) -> list[str]:
    return [f"plain,{value}" for value in values]


def test_commands_and_options_complete(env: dict[str, str]) -> None:
    assert complete(env, "handhabit gu") == plain("guide")
    assert complete(env, "handhabit compl") == plain("completion")
    assert complete(env, "handhabit --con") == plain("--config")
    assert set(plain("--minutes", "--at", "--date", "--note")) <= set(complete(env, "handhabit done --"))
    assert complete(env, "handhabit guide --no") == plain("--no-record")
    assert complete(env, "handhabit completion ") == plain("bash", "zsh", "fish")


def test_habit_arguments_complete_the_configs_habit_ids(env: dict[str, str]) -> None:
    assert complete(env, "handhabit done ") == plain(*HABITS)
    assert complete(env, "handhabit skip ") == plain(*HABITS)
    assert complete(env, "handhabit unskip ") == plain(*HABITS)
    assert complete(env, "handhabit streak ") == plain(*HABITS)
    assert complete(env, "handhabit streak s") == plain("stretch")
    assert complete(env, "handhabit done --minutes 5 h") == plain("hand-massage")
    assert complete(env, "handhabit done x") == []


def test_guide_completes_builtin_and_custom_routines(env: dict[str, str]) -> None:
    assert complete(env, "handhabit guide ") == plain(*ROUTINES)
    assert complete(env, "handhabit guide p") == plain("piano")
    # zsh shows each routine's name next to its id
    assert complete(env, "handhabit guide ", "zsh") == [
        "plain", "classic", "Classic hand massage", "plain", "desk-break", "Desk break",
        "plain", "piano", "Before practice",
    ]


def test_config_given_on_the_line_wins_over_the_variable(env: dict[str, str], tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text('[[habits]]\nid = "other-habit"\n')
    config = env["HANDHABIT_CONFIG"]
    env = {**env, "HANDHABIT_CONFIG": str(other)}
    assert complete(env, "handhabit done ") == plain("other-habit")
    assert complete(env, f"handhabit --config {config} done ") == plain(*HABITS)
    assert complete(env, f"handhabit --config={config} guide ") == plain(*ROUTINES)
    assert complete(env, f"handhabit --config {tmp_path / 'missing.toml'} done ") == plain("hand-massage")


@pytest.mark.parametrize("text", ["[[habits]\nid = 'x'\n", '[[habits]]\nid = "a"\nroutine = "no-such"\n', "\xff"])
def test_a_broken_config_completes_silently(env: dict[str, str], tmp_path: Path, text: str) -> None:
    """TOML that does not parse, a config with a mistake, a file that is not UTF-8: `complete` asserts
    that stderr stays empty; habits complete to nothing, routines to the built-in ones."""
    Path(env["HANDHABIT_CONFIG"]).write_bytes(text.encode("latin-1"))
    assert complete(env, "handhabit done ") == []
    assert complete(env, "handhabit guide ") == plain("classic", "desk-break")
    assert complete(env, "handhabit gu") == plain("guide")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    assert complete(env, f"handhabit --config {folder} done ") == []


def test_completing_loads_neither_the_database_nor_rich_nor_the_scheduler(env: dict[str, str]) -> None:
    for line in ("handhabit done ", "handhabit guide "):
        result, packages = imported({**env, "_HANDHABIT_COMPLETE": "bash_complete", "COMP_WORDS": line,
                                     "COMP_CWORD": "2"})
        assert result.returncode == 0 and result.stdout
        assert packages.isdisjoint({"rich", "apscheduler", "sqlite_utils", "jeepney", "plyer"}), line
    assert not Path(env["HANDHABIT_DB"]).exists()


@pytest.mark.parametrize(("shell", "line"), [
    ("bash", "complete -o nosort -F _handhabit_completion handhabit"),
    ("zsh", "#compdef handhabit"),
    ("fish", "complete --no-files --command handhabit --arguments \"(_handhabit_completion)\";"),
])
def test_completion_prints_the_script(env: dict[str, str], shell: str, line: str) -> None:
    result = handhabit(env, "completion", shell)
    assert result.returncode == 0, result.stderr
    assert line in [text.strip() for text in result.stdout.splitlines()]
    assert f"_HANDHABIT_COMPLETE={shell}_complete" in result.stdout


@pytest.mark.parametrize(("args", "said"), [
    (("completion", "tcsh"), "'tcsh' is not one of 'bash', 'zsh', 'fish'"),
    (("completion",), "Missing argument 'SHELL': one of bash, zsh, fish"),
])
def test_an_unknown_or_missing_shell_is_one_line(env: dict[str, str], args: tuple[str, ...], said: str) -> None:
    result = handhabit(env, *args)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("handhabit: ") and said in result.stderr


@dataclass
class Bash:
    socket: str

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True,
                              timeout=10).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-N", "-t", "bash")  # -N: keep the space Tab adds

    def line(self) -> str:
        """The line the cursor is on, up to the cursor."""
        x, y = (int(n) for n in self.tmux("display", "-p", "-t", "bash", "#{cursor_x} #{cursor_y}").split())
        return self.screen().splitlines()[y][:x]

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "bash", *keys)

    def shows(self, check: str, seconds: float = 10) -> None:
        last = ""

        def showing() -> bool:
            nonlocal last
            last = self.screen()
            return check in last

        try:
            wait_for(showing, seconds, repr(check))
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the screen:\n{last}") from None


@pytest.fixture
def bash(env: dict[str, str], tmp_path: Path) -> Iterator[Bash]:
    """`bash --norc --noprofile` in a detached tmux session, `handhabit` on its PATH as a wrapper around
    this Python, so the test needs no installed console script."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "handhabit"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m handhabit "$@"\n')
    wrapper.chmod(0o755)
    conf = tmp_path / "tmux.conf"
    conf.write_text("set -g status off\n")
    shell_env = {**{k: v for k, v in env.items() if not k.startswith("TMUX")}, "PYTHONPATH": str(ROOT),
                 "PATH": f"{bin_dir}{os.pathsep}{env['PATH']}", "PS1": "$ ", "TERM": "xterm-256color",
                 "INPUTRC": os.devnull}
    pane = Bash(f"handhabit-test-{uuid.uuid4().hex[:8]}")
    entering_rig("tmux")
    subprocess.run(["tmux", "-L", pane.socket, "-f", str(conf), "new-session", "-d", "-s", "bash", "-x", "120",
                    "-y", "24", "bash", "--norc", "--noprofile"], check=True, timeout=10, env=shell_env)
    try:
        yield pane
    finally:
        subprocess.run(["tmux", "-L", pane.socket, "kill-server"], capture_output=True, timeout=10)


@pytest.mark.skipif(shutil.which("tmux") is None or shutil.which("bash") is None,
                    reason="needs tmux and bash (apt-get install tmux bash; .ci/run does)")
@pytest.mark.desktop
def test_tab_completes_in_a_real_bash(bash: Bash) -> None:
    bash.keys('eval "$(handhabit completion bash)" && echo loaded-$((6*7))', "Enter")
    bash.shows("loaded-42")
    bash.keys("handhabit gui", "Tab")
    wait_for(lambda: bash.line() == "$ handhabit guide ", 10, "handhabit gui<Tab> to become `handhabit guide `")
    bash.keys("C-u", "handhabit done ", "Tab", "Tab")
    bash.shows("stretch")
    listed = bash.screen().split("$ handhabit done", 1)[1]
    assert "hand-massage" in listed and "stretch" in listed, listed
