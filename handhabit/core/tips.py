"""One-line practical tips for the reminder body (content.md), rotated so no two reminders in a row
carry the same one."""

from __future__ import annotations

TIPS = (
    "Use moments you already have: a TV show, a chapter of a book, a break at work.",
    "Keep a small bottle of lotion or massage oil at your desk or by the bed.",
    "Pair it with a few slow, deep breaths.",
    "A calm, comfortable spot makes it more relaxing.",
    "Learn one technique well from a tutorial or a workshop, then keep it simple.",
    "Offer a hand massage to a partner, a friend or someone in your family.",
    "Notice the sensations as you go: a minute of mindfulness.",
)


def tip(count: int) -> str:
    """The tip for the `count`-th reminder: a number the daemon keeps across restarts (its fired
    reminders), so the rotation goes on where it stopped instead of starting over."""
    return TIPS[count % len(TIPS)]
