"""Whether the person is at the machine: a break reminder shown to an empty chair is one they never see.

Away means the screen is locked (logind's LockedHint, or a screensaver's ActiveChanged) or the person has
been idle for `away_after` (GNOME's Mutter idle monitor, else KDE's GetSessionIdleTime, else logind's
IdleHint). Everything arrives as signals, so nothing runs while nothing happens; the one source that has
no signal, KDE's idle time, is asked when the daemon asks and polled only while it holds a reminder.

One module per source (`logind`, `screensavers`, `mutter`, `kde`), what they saw in `seen` (pure), the
state and bus plumbing they share in `hub`, and `watcher` for the daemon's side. All state sits in the
hub's `Seen` under one lock. Each bus's work (probing, re-arming, handling its signals) runs on that bus's
handler thread, so the probes and signals of one bus never race each other; the daemon's thread only
reads, and asks KDE's idle time. A source that stops answering counts as present: holding a reminder on a
guess would hide it, while showing it to an absent person costs little.
"""
