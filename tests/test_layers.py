"""Layers that only point down, no import cycle, no module over 500 lines.

Read from the source (``ast``), every import counted, the lazy ones inside functions and
those under ``TYPE_CHECKING`` included: a module may import from its own layer or a lower
one, never from a higher one. docs/architecture.md draws the same layers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: import package -> its folder
PACKAGES = {
    "parcours": REPO / "grading" / "parcours",
    "parcours_lab": REPO / "extensions" / "parcours_lab",
}

#: bottom first. A part is a top-level module or subpackage of ``parcours`` ("" is
#: ``parcours/__init__.py``), or ``parcours_lab`` as a whole. Parts of one layer may
#: import each other (the cycle test still applies).
LAYERS: list[tuple[str, set[str]]] = [
    (
        "foundation",
        {"", "config", "errors", "i18n", "safefs", "safetext", "jsonschemas", "kernelwait"}
        | {"identity", "project", "servers", "mail"},
    ),
    ("course and stores", {"course", "quizbank", "store"}),
    (
        "pipeline and analytics",
        {"pipeline", "analytics", "cohort", "review", "lti", "tutoring", "peer", "badges"},
    ),
    # the service layer, in order: the dashboards show compliance's follow-ups, the hub
    # serves the dashboards (and the learner side reaches the hub through its client)
    ("compliance", {"compliance"}),
    ("dashboards", {"dashboards"}),
    ("hub", {"hub"}),
    ("learner side", {"parcours_lab"}),
    ("cli", {"cli", "demo"}),
]

#: upward imports still waiting for their owner's change, each with why; the test fails
#: when one is gone, so that the list only shrinks
PENDING_UPWARD: set[tuple[str, str]] = set()
#: cycles still waiting for their owner's change (as sorted tuples of modules)
PENDING_CYCLES: set[tuple[str, ...]] = set()
MAX_LINES = 500
#: modules still over MAX_LINES, being split by their owner (the test fails once one is
#: not, so that the list only shrinks)
PENDING_LONG: set[str] = set()


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int


def modules() -> dict[str, Path]:
    """Every module of both packages, by dotted name."""
    found = {}
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = [package, *path.relative_to(folder).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = modules()


def imports_of(name: str, path: Path) -> Iterator[Import]:
    """What ``name`` imports from the two packages: the module itself when it is one
    (``from parcours.store import ids``), else the package the names come from."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            targets = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            if target.partition(".")[0] in PACKAGES:
                yield Import(name, target, node.lineno)


@cache
def graph() -> list[Import]:
    return [found for name, path in MODULES.items() for found in imports_of(name, path)]


def part(module: str) -> str:
    """The part of the layers a module belongs to (``demo_*`` modules: the demo's)."""
    package, _, rest = module.partition(".")
    name = package if package == "parcours_lab" else rest.partition(".")[0]
    return "demo" if name.startswith("demo_") else name


def layer_of(module: str) -> int:
    for index, (_name, parts) in enumerate(LAYERS):
        if part(module) in parts:
            return index
    raise AssertionError(
        f"{module}: its part {part(module)!r} is in no layer; add it to LAYERS in "
        "tests/test_layers.py and to the diagram in docs/architecture.md"
    )


def upward(edges: list[Import]) -> list[Import]:
    return [e for e in edges if layer_of(e.imported) > layer_of(e.importer)]


def cycles(edges: list[Import]) -> list[tuple[str, ...]]:
    """The import cycles (strongly connected sets of two modules or more), sorted."""
    succ: dict[str, set[str]] = {name: set() for name in MODULES}
    for e in edges:
        if e.imported in succ and e.imported != e.importer:
            succ[e.importer].add(e.imported)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[tuple[str, ...]] = []

    def visit(node: str) -> None:  # Tarjan's
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in succ[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.append(member)
                if member == node:
                    break
            if len(members) > 1:
                found.append(tuple(sorted(members)))

    for name in sorted(succ):
        if name not in index:
            visit(name)
    return sorted(found)


def where(e: Import) -> str:
    return (
        f"{MODULES[e.importer].relative_to(REPO)}:{e.line}: {e.importer} "
        f"({LAYERS[layer_of(e.importer)][0]}) imports {e.imported} "
        f"({LAYERS[layer_of(e.imported)][0]})"
    )


def test_every_module_is_in_a_layer() -> None:
    for name in MODULES:
        layer_of(name)


def test_imports_only_point_down() -> None:
    found = upward(list(graph()))
    wrong = sorted({where(e) for e in found if (e.importer, e.imported) not in PENDING_UPWARD})
    assert not wrong, (
        "imports from a lower layer to a higher one (move the code down, or inject it "
        "from above):\n" + "\n".join(wrong)
    )
    gone = PENDING_UPWARD - {(e.importer, e.imported) for e in found}
    assert not gone, f"fixed: remove from PENDING_UPWARD in tests/test_layers.py: {gone}"


def test_no_import_cycle() -> None:
    found = cycles(list(graph()))
    wrong = [c for c in found if c not in PENDING_CYCLES]
    assert not wrong, "modules importing each other, directly or not:\n" + "\n".join(
        " <-> ".join(c) for c in wrong
    )
    gone = PENDING_CYCLES - set(found)
    assert not gone, f"fixed: remove from PENDING_CYCLES in tests/test_layers.py: {gone}"


def test_the_architecture_draws_these_layers() -> None:
    """docs/architecture.md's diagram lists the parts of each layer, top layer first."""
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    diagram = text.split("## Layers", 1)[1].split("```")[1]
    rows = [line.split("  ")[0].strip() for line in diagram.splitlines() if line.strip()]
    drawn = [set(row.split(" · ")) for row in rows if row and row != "│"][::-1]
    wanted = [parts - {""} for _name, parts in LAYERS]
    assert drawn == wanted, f"docs/architecture.md draws {drawn}, the test enforces {wanted}"


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The course layer importing the hub, lazily, inside a function, is caught."""
    path = tmp_path / "check.py"
    path.write_text("def f():\n    from ..hub.client import ServiceClient\n", encoding="utf-8")
    (bad,) = imports_of("parcours.course.check", path)
    assert upward([bad]) == [bad], bad


def test_every_module_is_at_most_500_lines() -> None:
    long = {
        str(path.relative_to(REPO)): count
        for path in MODULES.values()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    wrong = {path: count for path, count in long.items() if path not in PENDING_LONG}
    assert not wrong, f"modules over {MAX_LINES} lines (split them by stage): {wrong}"
    gone = PENDING_LONG - set(long)
    assert not gone, f"short enough: remove from PENDING_LONG in tests/test_layers.py: {gone}"
