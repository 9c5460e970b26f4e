"""The one way out to the terminal for every command: lines through `say`, tables and the guide through
`console()`, errors and warnings as the one `handhabit: ` line of the CLI contract.

The commands pass every value handhabit did not write itself through `visible.visible` where they put it
into a line. Here, last, whatever is printed has any control character left in it made visible: a value
that slipped through unescaped can still not drive the terminal. Only what handhabit itself emits stays:
the line breaks between its own lines, and rich's styling, added after the text is made safe.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import click

from handhabit.core.visible import LINE, visible, visible_lines

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rich.console import Console
    from rich.segment import Segment


def say(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """What `click.echo` is to other programs: every line a command prints."""
    click.echo(visible_lines(text), err=err, nl=nl)


def one_line(text: str) -> str:
    """An error's words as one line: a line break in what it quotes is shown as `\\n`, as any control is."""
    return visible(text, LINE)


def complain(text: str) -> None:
    """`handhabit: ...` on stderr: an error, or with "warning: " in front, a warning."""
    say(f"handhabit: {one_line(text)}", err=True)


def console(**options: Any) -> Console:
    """A rich console whose output is made visible like `say`'s: for tables, heatmaps and the guide."""
    return _visible_console()(**options)


@cache
def _visible_console() -> type[Console]:
    """Made on first use: rich costs a command more than its work, so only the commands that draw load it."""
    from rich.console import Console, ConsoleOptions, RenderableType
    from rich.segment import Segment

    class VisibleConsole(Console):
        """Every piece of text rich renders is made visible before rich styles it; its own control
        segments (the cursor moves that redraw the guide in place, the bell) pass as they are."""

        def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterator[Segment]:
            for segment in super().render(renderable, options):
                yield segment if segment.control else Segment(visible_lines(segment.text), segment.style)

    return VisibleConsole
