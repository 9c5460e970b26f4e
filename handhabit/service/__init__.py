"""The systemd user unit: its text, installing it, and what to tell a person about it."""
