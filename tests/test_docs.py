"""The user docs stay true: their examples run through the real parsers, and their key tables and links
match what exists (sqlite-utils tests its docs the same way).

What is checked:

- TOML: every ```toml block in README.md and docs/*.md. A block with a [[habits]] table is a whole
  config and must parse as it is. Any other block is a fragment: it is merged into the built-in default
  config, each top-level section of the fragment replacing the default's section of that name, and the
  result must parse. So a fragment must be TOML whose top level holds only config sections ([general],
  [[reminders]], ...); a bare `key = value` line belongs in inline code or a ```text block. Blocks that
  show a mistake on purpose (error output, a broken file) go in ```text blocks, which are not checked.
- Keys: docs/config.md documents each section under a heading holding the section's TOML table name in
  backticks (`[general]`, `[[habits]]`, `[habits.target]`, `[[routines.steps]]`), with a table whose first
  column is "Key" and lists one `key` per row. Those keys must be exactly the keys the parser knows. The
  parser's known keys are asked of the parser itself: an unknown key put into each section makes it
  answer with its list of known keys, the same list `handhabit check` shows a person who mistyped one.
- Links: every relative link in README.md, docs/*.md and bench/README.md points at a file or folder of the
  repository, and a link to a heading of a Markdown file (`habits.md#streaks`) at a heading that exists.
  README.md links every page of docs/, so nothing moved out of it is lost to a reader.
- The quick start: README.md holds the one command that installs and runs the daemon and the one that
  installs the test extras and runs the suite, and .ci/run runs that same test command.
- Architecture: docs/architecture.md names every module of the package.
- Exports: every ```json block in docs/export.md is a whole export that `handhabit import` accepts.
"""

from __future__ import annotations

import copy
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from handhabit.config.default import DEFAULT_CONFIG
from handhabit.config.loading import builtin
from handhabit.config.model import ConfigError
from handhabit.config.sections import parse
from handhabit.interchange.importing import BadImport, read_export

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
PAGES = [README, ROOT / "bench" / "README.md", *sorted(DOCS.glob("*.md"))]
CONFIG_DOC = DOCS / "config.md"
EXPORT_DOC = DOCS / "export.md"

FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
                   re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"(`+).+?\1", re.DOTALL)
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(?P<title>.+?)\s*#*\s*$", re.MULTILINE)
SECTION_NAME = re.compile(r"`\[\[?(?P<name>[a-z_]+(?:\.[a-z_]+)*)\]\]?`")
KEY_CELL = re.compile(r"^`(?P<key>[a-z_]+)`$")

# Where each section's table sits in the decoded TOML, for putting an unknown key into it. "" is the
# top level, whose keys are the section names themselves.
SECTION_PATHS: dict[str, tuple[str | int, ...]] = {
    "": (),
    "general": ("general",),
    "notify": ("notify",),
    "sync": ("sync",),
    "habits": ("habits", 0),
    "habits.target": ("habits", 0, "target"),
    "reminders": ("reminders", 0),
    "routines": ("routines", 0),
    "routines.steps": ("routines", 0, "steps", 0),
}
PROBE = "zq-not-a-key"


def blocks(page: Path, lang: str) -> list[tuple[int, str]]:
    """The fenced blocks of one language in a page, with the line each starts on, dedented."""
    text = page.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, match.start()) + 1, textwrap.dedent(match["body"]))
        for match in FENCE.finditer(text)
        if match["lang"] == lang
    ]


def where(page: Path, line: int) -> str:
    return f"{page.relative_to(ROOT)}:{line}"


TOML_BLOCKS = [(where(page, line), body) for page in PAGES for line, body in blocks(page, "toml")]
RUN_COMMAND = "python3 -m venv .venv && . .venv/bin/activate && pip install . && handhabit run"
TEST_COMMAND = 'python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[test]" && pytest'
CI_TEST_COMMAND = 'pip install -e ".[test]" && pytest'

JSON_BLOCKS = [(where(EXPORT_DOC, line), body) for line, body in blocks(EXPORT_DOC, "json")]


def test_the_docs_exist() -> None:
    for name in ("config.md", "habits.md", "export.md"):
        assert (DOCS / name).is_file(), f"docs/{name} is missing"
    assert TOML_BLOCKS, "no ```toml blocks found: the block pattern no longer matches the pages"
    assert JSON_BLOCKS, "no ```json blocks in docs/export.md: show an export"


@pytest.mark.parametrize(("place", "text"), TOML_BLOCKS, ids=[place for place, _ in TOML_BLOCKS])
def test_toml_examples_are_valid_configs(place: str, text: str) -> None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        pytest.fail(f"{place}: not TOML: {exc}")
    if "habits" not in data:  # a fragment: shown inside the default config
        merged = copy.deepcopy(DEFAULT_CONFIG)
        merged.update(data)
        data = merged
    try:
        parse(data, "docs", builtin().routines)
    except ConfigError as exc:
        pytest.fail(f"{place}: the example config has errors:\n" + "\n".join(exc.lines))


def known_keys(section: str) -> set[str]:
    """The keys the parser accepts in one section, from the message it gives for an unknown key there."""
    data: Any = copy.deepcopy(DEFAULT_CONFIG)
    table = data
    for step in SECTION_PATHS[section]:
        table = table.setdefault(step, {}) if isinstance(step, str) else table[step]  # [sync] is not in the default
    table[PROBE] = True
    with pytest.raises(ConfigError) as caught:
        parse(data, "probe", builtin().routines)
    for line in caught.value.lines:  # probe: general.zq-not-a-key: unknown key (known keys: a, b, c)
        _, _, rest = line.partition(f"{PROBE}: unknown key (known keys: ")
        if rest:
            return {key.strip() for key in rest.removesuffix(")").split(",")}
    raise AssertionError(f"the parser did not list the known keys of [{section}]: {caught.value.lines}")


def documented_keys() -> dict[str, set[str]]:
    """Section name -> the keys in the "Key" tables under that section's heading in docs/config.md."""
    keys: dict[str, set[str]] = {}
    section: str | None = None
    in_key_table = False
    text = FENCE.sub("", CONFIG_DOC.read_text(encoding="utf-8"))
    for line in text.splitlines():
        heading = HEADING.match(line)
        if heading:
            name = SECTION_NAME.search(heading["title"])
            section = name["name"] if name else None
            if section is not None:
                keys.setdefault(section, set())
            in_key_table = False
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if not cells:
            in_key_table = False
        elif cells[0] == "Key":
            assert section is not None, f"docs/config.md: a key table outside a section heading: {line}"
            in_key_table = True
        elif in_key_table and not set(cells[0]) <= set("-: "):
            key = KEY_CELL.match(cells[0])
            assert key, f"docs/config.md: a key table row must start with a `key` cell: {line}"
            assert section is not None
            keys[section].add(key["key"])
    return keys


def test_config_doc_lists_exactly_the_known_keys() -> None:
    documented = documented_keys()
    sections = set(SECTION_PATHS) - {""}
    assert set(documented) == sections, "docs/config.md: sections under headings like `[general]`"
    assert known_keys("") == {name for name in sections if "." not in name}, "top-level sections changed"
    for section in sorted(sections):
        known = known_keys(section)
        assert documented[section] - known == set(), f"[{section}]: documented keys the parser does not know"
        assert known - documented[section] == set(), f"[{section}]: keys the parser knows, missing in docs/config.md"


def slug(title: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = INLINE_CODE.sub(lambda match: match[0].strip("`"), title).lower()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for match in HEADING.finditer(FENCE.sub("", page.read_text(encoding="utf-8"))):
        base = slug(match["title"])
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


LINKS = [
    (page, match["target"])
    for page in PAGES
    for match in LINK.finditer(INLINE_CODE.sub("", FENCE.sub("", page.read_text(encoding="utf-8"))))
]


@pytest.mark.parametrize(("page", "target"), LINKS, ids=[f"{p.name}->{t}" for p, t in LINKS])
def test_relative_links_point_at_files(page: Path, target: str) -> None:
    if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
        return  # https:, mailto:: not the repository's
    path_part, _, anchor = target.partition("#")
    linked = (page.parent / path_part).resolve() if path_part else page
    source = page.relative_to(ROOT)
    assert linked.is_relative_to(ROOT), f"{source}: {target} points outside the repository"
    assert linked.exists(), f"{source}: {target} points at nothing ({linked.relative_to(ROOT)} does not exist)"
    if anchor and linked.suffix == ".md":
        assert anchor in anchors(linked), f"{source}: {target}: no heading #{anchor} in {linked.name}"


@pytest.mark.parametrize(("place", "text"), JSON_BLOCKS, ids=[place for place, _ in JSON_BLOCKS])
def test_export_examples_import_cleanly(place: str, text: str) -> None:
    try:
        records = read_export(text.encode("utf-8"))
    except BadImport as exc:
        pytest.fail(f"{place}: `handhabit import` would refuse it: {exc}")
    assert records.sessions, f"{place}: an example export should show a session"


def test_readme_links_every_doc_page() -> None:
    text = INLINE_CODE.sub("", FENCE.sub("", README.read_text(encoding="utf-8")))
    linked = {(ROOT / match["target"].partition("#")[0]).resolve() for match in LINK.finditer(text)}
    unlinked = [page.name for page in sorted(DOCS.glob("*.md")) if page.resolve() not in linked]
    assert not unlinked, f"README.md links no docs/ page named {unlinked}: a reader would never find it"


def test_quick_start_has_the_two_commands() -> None:
    """The quality bar: one command installs and runs the daemon, one runs the whole suite; CI runs the latter."""
    lines = {line.strip() for line in README.read_text(encoding="utf-8").splitlines()}
    assert RUN_COMMAND in lines, "README.md: the quick start's install-and-run command is gone"
    assert TEST_COMMAND in lines, "README.md: the quick start's test command is gone"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert CI_TEST_COMMAND in {line.strip() for line in ci}, ".ci/run no longer runs the README's test command"


def test_the_architecture_page_names_every_module() -> None:
    """A contributor finds a behaviour by its folder and file name: each module is on the map, in its folder's
    line."""
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    package = ROOT / "handhabit"
    missing = [str(path.relative_to(package)) for path in sorted(package.rglob("*.py"))
               if path.stem not in ("__init__", "__main__") and f"`{path.stem}`" not in text
               and f"`{path.parent.name}/{path.name}`" not in text]
    assert not missing, f"docs/architecture.md does not name {missing}"
