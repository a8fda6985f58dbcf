"""The modules of ``azfunc.app`` import each other without a cycle (deferred imports count)."""

from __future__ import annotations

import ast
from pathlib import Path

import azfunc.app

PACKAGE = Path(azfunc.app.__file__).resolve().parent


def _module_name(path: Path) -> str:
    return "azfunc.app" if path.name == "__init__.py" else f"azfunc.app.{path.stem}"


def _imports(path: Path, known: set[str]) -> set[str]:
    """The ``azfunc.app`` modules ``path`` imports anywhere (functions, TYPE_CHECKING too)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            candidates = [target, *(f"{target}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        found.update(c for c in candidates if c in known and c != name)
    return found


def _graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.glob("*.py"))
    known = {_module_name(p) for p in paths}
    return {_module_name(p): _imports(p, known) for p in paths}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` as a path ``[a, b, ..., a]``, or ``None``."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_checker_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_the_graph_sees_deferred_and_relative_imports() -> None:
    graph = _graph()
    # cli imports the loader inside check_main; the loader imports decorators in a function
    assert "azfunc.app.loader" in graph["azfunc.app.cli"]
    assert "azfunc.app.decorators" in graph["azfunc.app.loader"]


def test_app_modules_form_no_import_cycle() -> None:
    cycle = _cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_loading_sits_above_checking() -> None:
    graph = _graph()
    assert "azfunc.app.loader" not in graph["azfunc.app.validation"]
    assert "azfunc.app.validation" not in graph["azfunc.app.folder"]
    assert graph["azfunc.app.findings"] == set()
