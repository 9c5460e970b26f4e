"""handhabit: reminders, records and streaks for a daily hand-care habit."""

__version__ = "0.1.0"
