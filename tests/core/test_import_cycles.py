"""No import cycles among ganzoo's modules.

A cycle of module-level imports makes the result depend on which module is imported first (a
name is missing from a half-initialised module) and hides layering mistakes, e.g. callbacks
importing the engine that imports them. Imports inside functions and under ``TYPE_CHECKING``
run later or never, so they do not count. Importing ``a.b.c`` also runs the packages ``a`` and
``a.b``, so those count too, except the importer's own packages (already being imported).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import ganzoo

ROOT = Path(ganzoo.__file__).parent


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements that run when the module is imported (not in functions or classes)."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _module_level(node.body)
            yield from _module_level(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                yield from _module_level(block)
        elif isinstance(node, ast.With):
            yield from _module_level(node.body)


def _with_packages(name: str, importer: str, modules: set[str]) -> set[str]:
    """``name`` and the packages above it that importing it runs, known modules only."""
    parts = name.split(".")
    ancestors = {".".join(parts[:i]) for i in range(1, len(parts))}
    own = {".".join(importer.split(".")[:i]) for i in range(1, importer.count(".") + 1)}
    return ({name} | ancestors - own) & modules - {importer}


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """``{module: modules its module-level imports run}`` for every module of the package ``root``."""
    paths = {_module_name(path, root): path for path in root.rglob("*.py")}
    modules = set(paths)
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: set[str] = set()
        for node in _module_level(ast.parse(path.read_text(encoding="utf-8")).body):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                # ``from pkg import sub`` runs the submodule ``pkg.sub``; other names need ``pkg``
                submodules = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in modules]
                targets = [*submodules, *([base] if len(submodules) < len(node.names) else [])]
            for target in targets:
                edges |= _with_packages(target, name, modules)
        graph[name] = edges
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_the_graph_sees_module_level_imports_only() -> None:
    graph = import_graph()
    assert "ganzoo.engine.checkpoint" in graph["ganzoo.engine.engine"]
    assert "ganzoo.plugins.register" in graph["ganzoo.plugins.hookspecs"]
    # ganzoo/__init__ imports the engine only inside functions and under TYPE_CHECKING
    assert not {name for name in graph["ganzoo"] if name.startswith("ganzoo.engine")}


def test_a_cycle_through_a_package_init_is_found_and_deferred_imports_are_not(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "sub" / "__init__.py").write_text("from pkg.sub.b import B\n")
    (root / "a.py").write_text("from pkg.sub.c import C\n")
    (root / "sub" / "b.py").write_text("from pkg import a\nB = 1\n")
    (root / "sub" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n"
        "def late():\n    from pkg import a\nC = 1\n"
    )
    graph = import_graph(root)
    assert graph["pkg.sub.c"] == set() and graph["pkg.sub.b"] == {"pkg.a"}
    # a -> pkg.sub (runs its __init__) -> pkg.sub.b -> a
    assert find_cycles(graph) == [["pkg.a", "pkg.sub", "pkg.sub.b"]]


def test_no_import_cycles_among_ganzoo_modules() -> None:
    assert find_cycles(import_graph()) == []
