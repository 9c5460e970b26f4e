"""Reading the config again, on SIGHUP or when the file changes, while keeping the last good config when the
new one is broken or the file is gone; and telling `handhabit status` which config runs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from handhabit.config.loading import load
from handhabit.config.model import Config, ConfigError
from handhabit.daemon import readiness, running_config
from handhabit.daemon.recorder import Recorder
from handhabit.host.clock import utc_now

log = logging.getLogger(__name__)


def _stamp(path: Path | None) -> tuple[int, int] | None:
    """What tells a changed config file: its mtime and size (None: no file, the built-in default)."""
    try:
        info = path.stat() if path is not None else None
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size) if info is not None else None


class Reloading:
    def __init__(self, config_path: Path | None, store_path: Path, recorder: Recorder,
                 status: Callable[[], str]) -> None:
        """`config_path` is where a reload reads from (None: never reload); `status` is the daemon's
        STATUS= line, which systemd hears again after a reload that kept the last good config."""
        self.config_path, self.store_path, self.recorder, self.status = config_path, store_path, recorder, status
        self._config_stamp = _stamp(config_path)

    def file_changed(self) -> bool:
        return self.config_path is not None and _stamp(self.config_path) != self._config_stamp

    def read(self, why: str, running: Config) -> Config | None:
        """The config to run from now on, or None to keep `running`: a broken one is logged and recorded.
        So is the person's config when its file is gone: the built-in default is for a first start, and
        would replace their reminders with ones they never chose."""
        readiness.reloading()
        self._config_stamp = _stamp(self.config_path)
        try:
            config = self._load()
        except ConfigError as exc:
            for line in exc.lines:
                log.error("%s", line)
            log.error("reload (%s) failed: keeping the config that was running", why)
            self._keep(exc.lines[0] if exc.lines else why, "the new config has errors")
            return None
        if config.source is None and running.source is not None:
            log.warning("reload (%s): the config file %s is gone, keeping the config that was running; restore "
                        "the file, or run `handhabit init` to write the example config there", why, self.config_path)
            self._keep(f"{self.config_path}: the config file is gone", "the config file is gone")
            return None
        return config

    def _keep(self, detail: str, note: str) -> None:
        """A reload that changed nothing: recorded for `handhabit log`, and systemd hears the daemon runs on."""
        self.recorder.record_daemon("reload-failed", detail)
        readiness.notify("READY=1", f"STATUS={self.status()} ({note})")

    def _load(self) -> Config:
        if self.config_path is None:
            raise ConfigError(["no config file to reload"])
        return load(self.config_path)

    def publish(self, config: Config) -> None:
        """`status` shows what runs: the config as loaded, which a broken or deleted file does not replace."""
        try:
            running_config.publish(self.store_path, config.source, config.text, utc_now())
        except OSError as exc:
            log.info("cannot tell `handhabit status` the running config (%s): it shows the file's",
                     exc.strerror or exc)
