"""The layout keeps its promises: the core is pure, no module imports itself through others, and no module
or class grows into a room doing six jobs (docs/architecture.md). Each check is also run on a small tree
made to break it, so a check that cannot fail is caught too."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.architecture import cycle, graph, outside_imports, too_long, upward_imports

PACKAGE = Path(__file__).resolve().parent.parent / "handhabit"
# The core reads the config's frozen dataclasses, and nothing else of handhabit outside itself.
CORE_MAY_IMPORT = ("handhabit.config.model",)
MOST_LINES, MOST_CLASS_LINES = 400, 200
# Imports go down (docs/architecture.md): the programs, the shells, the machine, the formats, the core.
LAYERS = {
    "handhabit.core": 0, "handhabit.config.model": 0,
    "handhabit.config": 1, "handhabit.interchange": 1,
    "handhabit.host": 2,
    "handhabit.store": 3, "handhabit.notify": 3, "handhabit.desktop": 3, "handhabit.service": 3,
    "handhabit.terminal": 3, "handhabit.sync": 4,
    "handhabit.daemon": 5, "handhabit.cli": 6, "handhabit.__main__": 7,
}


def test_the_core_imports_no_shell_and_no_library_with_io() -> None:
    assert outside_imports(PACKAGE, "handhabit.core", CORE_MAY_IMPORT) == []


def test_the_config_model_the_core_reads_is_as_pure() -> None:
    # socket only for the host name, the default name of a device in a sync folder
    assert outside_imports(PACKAGE, "handhabit.config.model", ("handhabit.core", "socket")) == []


def test_no_import_cycle_between_handhabit_modules() -> None:
    assert cycle(graph(PACKAGE)) is None


def test_imports_go_down_the_layers() -> None:
    # Reading config.model runs config/__init__.py first, which is a docstring.
    assert upward_imports(PACKAGE, LAYERS, exceptions=("handhabit.config",)) == []


def test_the_layer_check_names_an_import_that_goes_up(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"core/maths.py": "", "cli.py": "from pkg.core import maths\n",
                            "store.py": "def f():\n    from pkg import cli\n"})
    assert upward_imports(root, {"pkg.core": 0, "pkg.store": 1, "pkg.cli": 2}) == [
        "pkg.store (layer 1) imports pkg.cli (layer 2)"]


def test_no_module_over_400_lines_and_no_class_over_200() -> None:
    assert too_long(PACKAGE, MOST_LINES, MOST_CLASS_LINES) == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for name, text in {"__init__.py": "", "core/__init__.py": "", **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize("line", [
    "import sqlite3", "from jeepney import Message", "import click", "from rich.text import Text",
    "from apscheduler.triggers.base import BaseTrigger", "import plyer", "from pkg.store import Store",
    "from pkg import store", "from ..store import Store",
])
def test_the_purity_check_names_a_core_module_that_imports_a_shell_or_io(tmp_path: Path, line: str) -> None:
    maths = f"from __future__ import annotations\n\n\ndef f():\n    {line}\n"
    root = _tree(tmp_path, {"store.py": "", "core/maths.py": maths})
    found = outside_imports(root, "pkg.core", ("pkg.config.model",))
    assert len(found) == 1 and found[0].startswith("pkg/core/maths.py:5: imports ")


def test_the_purity_check_lets_the_core_use_itself_the_model_and_pure_stdlib(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"core/a.py": "import math\nfrom datetime import date\nfrom pkg.core import b\n"
                                         "from pkg.config.model import Habit\nfrom . import b\n",
                            "core/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import sqlite3\n"})
    assert outside_imports(root, "pkg.core", ("pkg.config.model",)) == []


def test_the_cycle_check_finds_one_hidden_in_a_function(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"notify.py": "from pkg.desktop import Note\n",
                            "desktop.py": "Note = 1\n\n\ndef choose():\n    from pkg import notify\n"})
    assert cycle(graph(root)) in (["pkg.desktop", "pkg.notify", "pkg.desktop"],
                                  ["pkg.notify", "pkg.desktop", "pkg.notify"])


def test_the_cycle_check_passes_a_tree_without_one_and_type_checking_imports(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"a.py": "from pkg.b import x\n", "b.py": "from typing import TYPE_CHECKING\n"
                            "x = 1\nif TYPE_CHECKING:\n    from pkg.a import y\n"})
    assert cycle(graph(root)) is None


def test_the_length_check_names_a_long_module_and_a_long_class(tmp_path: Path) -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(6))
    root = _tree(tmp_path, {"big.py": "class Big:\n" + body, "small.py": "x = 1\n"})
    assert too_long(root, 5, 4) == ["pkg/big.py: 7 lines", "pkg/big.py:1: class Big is 7 lines"]
