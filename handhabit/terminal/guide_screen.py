"""`handhabit guide` in a terminal: rich draws the step, termios reads single keys.

The timing and the rules live in `guide.Walk`; this shell only turns the monotonic clock and key
presses into calls on it. On a terminal the screen redraws in place (tmux included); when standard
output is a pipe or a file each part is printed as a line when it begins. Keys work whenever standard
input is a terminal; without one, Ctrl-C is the way out.
"""

from __future__ import annotations

import math
import os
import select
import sys
import termios
import time
import tty
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from handhabit.config.model import Routine
from handhabit.core.guide import Walk
from handhabit.core.visible import PARAGRAPH, visible

TICK = 0.1  # seconds between redraws: a countdown in whole seconds never looks late
KEYS = "space pause · n next · q quit"
BAR = 40  # columns of a progress bar at most; narrower where the terminal is

ReadKey = Callable[[float], str | None]


@contextmanager
def single_keys() -> Iterator[ReadKey]:
    """Key presses without Enter (cbreak keeps Ctrl-C working); the terminal is restored however the
    guide ends. Without a terminal on standard input, waiting is all it does."""
    if not sys.stdin.isatty():
        def wait(timeout: float) -> str | None:
            time.sleep(timeout)
            return None

        yield wait
        return
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)

    def read(timeout: float) -> str | None:
        ready, _, _ = select.select([fd], [], [], timeout)
        return os.read(fd, 1).decode(errors="replace") if ready else None

    try:
        yield read
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def clock_text(seconds: float, *, countdown: bool = False) -> str:
    """m:ss; a countdown rounds up, so it shows 0:01 until the step is over, never 0:00 before."""
    whole = max(0, math.ceil(seconds - 1e-9) if countdown else math.floor(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def screen(routine: Routine, walk: Walk) -> RenderableType:
    part = walk.part
    if part is None:
        return Text(f"{visible(routine.name)}: done", style="bold green")
    steps = len(routine.steps)
    # Only the bars give way on a narrow terminal: the labels and the times never wrap nor vanish.
    bars = Table.grid(padding=(0, 1))
    bars.add_column(min_width=14, no_wrap=True)
    bars.add_column(max_width=BAR)
    bars.add_column(no_wrap=True)
    bars.add_row("This step", ProgressBar(total=part.seconds, completed=walk.elapsed),
                 f"{clock_text(walk.left, countdown=True)} left")
    bars.add_row("Whole routine", ProgressBar(total=1.0, completed=walk.fraction),
                 f"{clock_text(walk.fraction * walk.total)} of {clock_text(walk.total)}")
    following = visible(walk.parts[walk.index + 1].title) if walk.index + 1 < len(walk.parts) else "the end"
    status = Text("Paused: space to go on · n next · q quit", style="bold yellow") if walk.paused \
        else Text(KEYS, style="dim")
    return Group(
        Text.assemble((visible(routine.name), "bold"), f"  ·  step {part.number} of {steps}"),
        Text(""),
        Text(visible(part.title), style="bold cyan"),
        Text(visible(part.how, PARAGRAPH)),
        Text(""),
        bars,
        Text(""),
        Text(f"Next: {following}", style="dim"),
        status,
    )


def line(walk: Walk) -> Text:
    """A part as one line of plain text: never read as rich markup."""
    part = walk.part
    assert part is not None
    return Text(f"{part.number}. {visible(part.title)} ({part.seconds} s): {visible(part.how, PARAGRAPH)}")


def walk_through(
    walk: Walk, read_key: ReadKey, on_tick: Callable[[int], None], clock: Callable[[], float] = time.monotonic
) -> bool:
    """True when the routine was finished, False when the person quit (q, Esc or Ctrl-C)."""
    last = clock()
    try:
        while not walk.finished:
            key = read_key(TICK)
            now = clock()
            began = walk.advance(now - last)
            last = now
            if key == " ":
                walk.toggle_pause()
            elif key in ("n", "N"):
                began += walk.skip()
            elif key in ("q", "Q", "\x1b"):
                return False
            on_tick(began)
    except KeyboardInterrupt:
        return False
    return True


def guide(routine: Routine, walk: Walk, console: Console, read_key: ReadKey) -> bool:
    """Runs the walk on screen: redrawn in place on a terminal, a line per part elsewhere."""
    if not console.is_terminal:
        console.print(line(walk), highlight=False)

        def print_parts(began: int) -> None:
            if began and not walk.finished:
                console.print(line(walk), highlight=False)

        return walk_through(walk, read_key, print_parts)
    with Live(screen(routine, walk), console=console, auto_refresh=False) as live:

        def redraw(began: int) -> None:
            if began:
                console.bell()
            live.update(screen(routine, walk), refresh=True)

        return walk_through(walk, read_key, redraw)
