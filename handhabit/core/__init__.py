"""The pure core: functions of (config, records, now), with no I/O."""
