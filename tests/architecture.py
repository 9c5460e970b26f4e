"""Reading a package's layout with `ast`: what each module imports, the cycles among them, the core's
outside imports, and the modules and classes grown too long. Pure functions of a folder, so the checks in
test_architecture are themselves tested on small trees made to break them."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # what it imports, dotted (a module, or a name in one)
    line: int


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path) -> dict[str, Path]:
    return {module_name(root, path): path for path in sorted(root.rglob("*.py"))}


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, function-local ones too (they run, only later); not those under
    `if TYPE_CHECKING:`, which never run."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _type_checking_only(child):
            for other in child.orelse:
                yield from _import_nodes(other)
            continue
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child
        yield from _import_nodes(child)


def imports(root: Path) -> list[Import]:
    found = []
    for name, path in modules(root).items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _import_nodes(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found += [Import(name, alias.name, node.lineno) for alias in node.names]
                continue
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], *filter(None, [base])])
            found += [Import(name, f"{base}.{alias.name}", node.lineno) for alias in node.names]
    return found


def _resolve(target: str, known: dict[str, Path]) -> str | None:
    """The module an import loads: `a.b.c` is module a.b.c if there is one, else the name c in a.b."""
    while target and target not in known:
        target = target.rpartition(".")[0]
    return target or None


def graph(root: Path) -> dict[str, set[str]]:
    """Module -> the modules of the package its imports run, with the packages above each (importing a.b.c
    runs a/__init__ and a/b/__init__ first)."""
    known = modules(root)
    edges: dict[str, set[str]] = {name: set() for name in known}
    for each in imports(root):
        target = _resolve(each.target, known)
        while target:
            if target != each.module:
                edges[each.module].add(target)
            target = target.rpartition(".")[0] if "." in target else ""
    return edges


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the modules along it, or None. A package's __init__ importing its own modules
    is not a cycle: they import the package first and find it half-made, as Python means them to."""
    state: dict[str, int] = {}
    trail: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        trail.append(name)
        for target in sorted(edges[name]):
            if name.startswith(target + "."):  # a module and the package it lives in
                continue
            if state.get(target) == 1:
                return [*trail[trail.index(target):], target]
            if target not in state and (found := visit(target)):
                return found
        trail.pop()
        state[name] = 2
        return None

    for name in sorted(edges):
        if name not in state and (found := visit(name)):
            return found
    return None


def outside_imports(root: Path, inside: str, allowed: tuple[str, ...]) -> list[str]:
    """The imports of the modules under `inside` that are not the standard library's pure parts, nor
    `inside` itself, nor one of `allowed`: one line each, naming file and line."""
    from sys import stdlib_module_names

    impure = {"sqlite3", "socket", "subprocess", "select", "termios", "tty", "fcntl", "signal", "threading"}
    found = []
    for each in imports(root):
        if each.module != inside and not each.module.startswith(inside + "."):
            continue
        top = each.target.split(".")[0]
        if each.target == "__future__.annotations":
            continue
        mine = each.target == inside or each.target.startswith(inside + ".") or each.target.startswith(allowed)
        if mine or (top in stdlib_module_names and top not in impure):
            continue
        found.append(f"{modules(root)[each.module].relative_to(root.parent)}:{each.line}: imports {each.target}")
    return found


def too_long(root: Path, most_lines: int, most_class_lines: int) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text()
        lines = text.count("\n")
        where = path.relative_to(root.parent)
        if lines > most_lines:
            found.append(f"{where}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                length = node.end_lineno - node.lineno + 1
                if length > most_class_lines:
                    found.append(f"{where}:{node.lineno}: class {node.name} is {length} lines")
    return found


def upward_imports(root: Path, layers: dict[str, int], exceptions: tuple[str, ...] = ()) -> list[str]:
    """The imports from a folder to one of a higher layer, naming both modules. `layers`: a folder's dotted
    name (or a module's, which wins over its folder's) to its layer, 0 at the bottom."""

    def layer(name: str) -> int | None:
        while name:
            if name in layers:
                return layers[name]
            name = name.rpartition(".")[0]
        return None

    found = []
    for module, targets in graph(root).items():
        for target in sorted(targets):
            low, high = layer(module), layer(target)
            if low is not None and high is not None and high > low and target not in exceptions:
                found.append(f"{module} (layer {low}) imports {target} (layer {high})")
    return found
