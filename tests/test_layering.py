"""The import graph of src/judgesync has layers: arrows point down, and no circle.

An `ast` walk reads every import, those under `if TYPE_CHECKING:` and those
inside functions included (a lazy import is still an arrow). docs/architecture.md
draws the layers; `LAYERS` below is that drawing, bottom first.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "src" / "judgesync"

# Bottom first; a module may import from its own layer's unit and from lower layers.
# A unit is a subpackage (`plan`) or a root module (`models`).
LAYERS: tuple[frozenset[str], ...] = (
    frozenset(
        {"__init__", "errors", "models", "names", "progress", "redact", "repository", "words"}
    ),  # all
    frozenset({"specs"}),  # reading spec, cases and YAML files
    frozenset({"settings"}),  # judgesync.yaml, the policy, gate values, the URL rule
    frozenset({"emulator"}),  # the local API: templates only from above
    frozenset({"remote"}),  # the only HTTP code; `local` wires the emulator in
    frozenset({"plan"}),
    frozenset({"review"}),
    frozenset({"render"}),
    frozenset({"commands"}),
    frozenset({"cli"}),
    frozenset({"__main__"}),
)
RANK = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}


def module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ["judgesync", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


MODULES = module_names()


def imports_of(name: str, path: Path) -> Iterator[str]:
    """The judgesync modules `name` imports; `from package import submodule` counts as
    the submodule only."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name in MODULES)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if module not in MODULES:
                continue
            submodules = [f"{module}.{alias.name}" for alias in node.names]
            if all(sub in MODULES for sub in submodules):
                yield from submodules
            else:
                yield module


GRAPH = {
    name: {imported for imported in imports_of(name, path) if imported != name}
    for name, path in MODULES.items()
}


def unit(module: str) -> str:
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_unit_of_the_package_has_a_layer():
    assert {unit(name) for name in MODULES} <= set(RANK)


def test_no_module_imports_in_a_circle():
    assert circles(GRAPH) == []


def test_no_package_imports_in_a_circle():
    packages: dict[str, set[str]] = {}
    for name, imported in GRAPH.items():
        packages.setdefault(unit(name), set()).update(
            unit(other) for other in imported if unit(other) != unit(name)
        )
    assert circles(packages) == []


def test_every_import_points_to_the_same_layer_or_below():
    upward = sorted(
        f"{name} -> {other}"
        for name, imported in GRAPH.items()
        for other in imported
        if RANK[unit(other)] > RANK[unit(name)]
    )
    assert upward == []


def test_only_remote_local_and_the_cli_reach_into_the_emulator():
    """The core never imports the emulator except where `--api-url local` wires it in."""
    reaching = sorted(
        name
        for name, imported in GRAPH.items()
        if unit(name) not in ("emulator", "cli")
        and any(unit(other) == "emulator" for other in imported)
    )
    assert reaching == ["judgesync.remote.local"]


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": set()}, []),
    ],
)
def test_circles_finds_what_it_is_meant_to(graph, expected):
    assert circles(graph) == expected
