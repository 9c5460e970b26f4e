"""The Linux desktop over DBus: notifications with buttons, presence (locked, idle) and suspend.

Each piece is a shell around one conversation with the desktop; the daemon coordinates them and knows
nothing of DBus. Everything here is optional: where a service does not answer, handhabit works without it.
"""
