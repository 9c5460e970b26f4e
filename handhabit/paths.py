"""Where the config and the database live when no option or environment variable says (XDG on Linux)."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP = "handhabit"


def default_config_path() -> Path:
    return platformdirs.user_config_path(APP) / "config.toml"


def default_db_path() -> Path:
    return platformdirs.user_data_path(APP) / "handhabit.db"
