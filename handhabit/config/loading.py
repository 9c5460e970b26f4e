"""Reading the config file: its text, its TOML, and the built-in default where there is no file. The only
module of the config that touches the file system."""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from handhabit.config.model import Config, ConfigError
from handhabit.config.sections import parse
from handhabit.config.usable import parse_usable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TOML_POSITION = re.compile(r"^(.*) \(at line (\d+), column (\d+)\)$")


def read_text(path: Path) -> str:
    """The file's text, every way it can be unreadable a ConfigError line. A UTF-8 byte order mark, which
    Windows editors write, is allowed: TOML itself forbids it."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read the config: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: not UTF-8 text (save the config as UTF-8)"]) from None


def decode(text: str, source: str) -> dict[str, Any]:
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = TOML_POSITION.match(message)
        where = f"{source}:{match[2]}:{match[3]}" if match else source
        detail = match[1] if match else message
        raise ConfigError([f"{where}: TOML syntax error: {detail[:1].lower()}{detail[1:]}"]) from None
    except RecursionError:
        raise ConfigError([f"{source}: TOML nested too deeply to be a handhabit config"]) from None
    except ValueError:  # Python refuses integers of over 4300 digits (int_max_str_digits)
        raise ConfigError([f"{source}: a number with thousands of digits (no setting needs one: shorten it)"]) from None
    return data


def builtin() -> Config:
    from handhabit.config.default import DEFAULT_CONFIG

    return parse(DEFAULT_CONFIG, "built-in default")


def load(path: Path) -> Config:
    """The config at `path`, or the built-in default when no file is there (zero-setup start)."""
    return from_text(read_text(path), path) if path.exists() else builtin()


def from_text(text: str, path: Path) -> Config:
    """The config a file at `path` with this text gives: also the text a running daemon published."""
    return replace(parse(decode(text, str(path)), str(path), builtin().routines), source=path, text=text)


def load_usable(path: Path) -> tuple[Config, ConfigError | None]:
    """`load` through `parse_usable`: what the commands that record or read the record run on."""
    if not path.exists():
        return builtin(), None
    text = read_text(path)
    config, problems = parse_usable(decode(text, str(path)), str(path), builtin().routines)
    return replace(config, source=path, text=text), problems
