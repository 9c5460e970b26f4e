"""The DBus services presence listens to, by name, path and interface."""

from __future__ import annotations

from handhabit.desktop.bus import Service

LOGIND = "org.freedesktop.login1"
LOGIND_USER = Service(LOGIND, "/org/freedesktop/login1/user/self", "org.freedesktop.login1.User")
LOGIND_MANAGER = Service(LOGIND, "/org/freedesktop/login1", "org.freedesktop.login1.Manager")
SESSION_INTERFACE = "org.freedesktop.login1.Session"
SESSION_PROPERTIES = ("LockedHint", "IdleHint", "IdleSinceHint")
GNOME_SAVER = Service("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver")
KDE_SAVER = Service("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver")
SAVERS = (GNOME_SAVER, KDE_SAVER)
MUTTER = Service("org.gnome.Mutter.IdleMonitor", "/org/gnome/Mutter/IdleMonitor/Core", "org.gnome.Mutter.IdleMonitor")
PROPERTIES = "org.freedesktop.DBus.Properties"
