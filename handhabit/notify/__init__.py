"""Notifications: what a reminder says and the backends that show it."""
