"""One direction of dependencies: the import graph of ``signalen/`` has layers and no cycles.

The graph is read from the source with :mod:`ast` (imports at module level and inside
functions alike: a lazy import is still a dependency). Each package of ``signalen/`` is a
node; ``signalen/cli.py`` and ``signalen/__init__.py`` (the factory) are nodes of their own.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

import signalen

SOURCE = Path(signalen.__file__).parent
FACTORY = "<factory>"  # signalen/__init__.py

# The layers, bottom first, written down once. A package imports only from its own layer and
# the layers below it. Every package not named here is a feature; features may use each other
# as long as no cycle appears (see test_no_cycles_between_feature_packages).
FOUNDATION = frozenset({"config", "extensions", "core"})
SHARED_SERVICES = frozenset({"audit", "search"})  # used by every feature, use none of them
ENTRY_POINTS = frozenset({"demo", "cli", FACTORY})  # may use anything
LAYERS = ("foundation", "shared services", "features", "entry points")


def layer_of(node: str) -> str:
    if node in FOUNDATION:
        return "foundation"
    if node in SHARED_SERVICES:
        return "shared services"
    if node in ENTRY_POINTS:
        return "entry points"
    return "features"


@dataclass(frozen=True)
class Import:
    source: str  # the importing file, relative to the repository
    line: int
    target: str  # the imported module, e.g. "signalen.digests.services"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_in(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, module) of every ``signalen`` import in ``source``, at any depth."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the package of ``module``
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # "from signalen import digests" and "from . import forms" name modules.
            names_modules = target == "signalen" or node.module is None
            found += [
                (node.lineno, f"{target}.{alias.name}" if names_modules else target)
                for alias in node.names
            ]
    return [(line, name) for line, name in found if name.split(".")[0] == "signalen"]


def node_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else FACTORY


def import_graph() -> dict[str, dict[str, list[Import]]]:
    """node -> imported node -> the imports behind that edge."""
    graph: dict[str, dict[str, list[Import]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(SOURCE.rglob("*.py")):
        module = module_name(path)
        source = str(path.relative_to(SOURCE.parent))
        for line, target in imports_in(path.read_text(), module, path.name == "__init__.py"):
            a, b = node_of(module), node_of(target)
            if a != b:
                graph[a][b].append(Import(source, line, target))
    return graph


def strongly_connected(graph: dict[str, dict[str, list[Import]]]) -> list[list[str]]:
    """Tarjan's components with more than one node, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, {}):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(set(graph) | {b for edges in graph.values() for b in edges}):
        if node not in index:
            visit(node)
    return found


def a_cycle(graph: dict[str, dict[str, list[Import]]], members: list[str]) -> list[str]:
    """One cycle through the first member, staying inside the component (breadth first)."""
    start, inside = members[0], set(members)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for other in sorted(graph.get(node, {})):
            if other == start:
                return [*paths[node], start]
            if other in inside and other not in paths:
                paths[other] = [*paths[node], other]
                queue.append(other)
    raise AssertionError(f"no cycle in {members}")


def describe(graph: dict[str, dict[str, list[Import]]], cycle: list[str]) -> str:
    lines = [" → ".join(cycle)]
    for a, b in pairwise(cycle):
        first = graph[a][b][0]
        lines.append(f"  {a} → {b}: {first.source}:{first.line} imports {first.target}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_the_graph_sees_imports_inside_functions_and_relative_ones():
    source = (
        "import signalen.core.dates\n"
        "from signalen.digests import periods\n"
        "from signalen import extensions\n"
        "from . import forms\n"
        "def late():\n"
        "    from signalen.radar.services import digest_figures\n"
        "import flask\n"
    )
    found = imports_in(source, "signalen.meetings.routes")
    assert [name for _line, name in found] == [
        "signalen.core.dates",
        "signalen.digests",
        "signalen.extensions",
        "signalen.meetings.forms",
        "signalen.radar.services",
    ]
    assert (6, "signalen.radar.services") in found


def test_the_cycle_finder_finds_and_prints_a_cycle():
    edge = [Import("signalen/x.py", 1, "signalen.y")]
    graph = {"a": {"b": edge}, "b": {"c": edge}, "c": {"a": edge, "d": edge}}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert describe(graph, a_cycle(graph, ["a", "b", "c"])).startswith("a → b → c → a\n")


def test_every_package_is_in_a_layer_and_no_layer_imports_a_higher_one(graph):
    nodes = set(graph) | {b for edges in graph.values() for b in edges}
    named = FOUNDATION | SHARED_SERVICES | ENTRY_POINTS
    assert named - nodes == set(), "a layer names a package that does not exist"
    wrong = [
        f"{a} ({layer_of(a)}) → {b} ({layer_of(b)}): {imports[0].source}:{imports[0].line}"
        for a, edges in sorted(graph.items())
        for b, imports in sorted(edges.items())
        if LAYERS.index(layer_of(a)) < LAYERS.index(layer_of(b))
    ]
    assert not wrong, "A lower layer imports a higher one:\n" + "\n".join(wrong)


def test_no_cycles_between_feature_packages(graph):
    cycles = [describe(graph, a_cycle(graph, members)) for members in strongly_connected(graph)]
    assert not cycles, "Import cycles between packages of signalen/:\n" + "\n".join(cycles)
