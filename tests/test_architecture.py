"""The import rules of docs/architecture.md, checked on the source (ast, nothing imported).

What counts as an import of module A by module B:

* every ``import``/``from ... import`` in B, at any depth (inside functions too), resolved to
  azfunc modules (``from .x import y`` counts as an import of ``x.y`` when that is a module,
  else of ``x``); imports under ``if TYPE_CHECKING:`` are types only and do not count.
* Both rules hold for every import that counts, function-level ones included: a lazy import
  still makes B depend on A, so it may neither cross a layer boundary nor close a cycle.
* ``azfunc/__init__.py`` (the lazy public surface) is exempt from both.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "azfunc"

#: Core modules: the value types, converters and codecs. They never reach the app or host.
CORE_PREFIXES = ("azfunc._", "azfunc.http", "azfunc.bindings", "azfunc.wire", "azfunc.meta")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, in_function: bool) -> Iterator[tuple[ast.AST, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for sub in child.orelse:
                yield sub, in_function
                yield from _walk(sub, in_function)
            continue
        nested = in_function or isinstance(
            child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
        )
        yield child, nested
        yield from _walk(child, nested)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom | ast.Import) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.startswith("azfunc")]
    base = module if is_package else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        base = base.rpartition(".")[0]
    target = node.module or ""
    if node.level:
        target = f"{base}.{target}" if target else base
    if not target.startswith("azfunc"):
        return []
    out = []
    for alias in node.names:
        sub = f"{target}.{alias.name}"
        out.append(sub if sub in MODULES else target)
    return out


def imports_of(module: str) -> list[tuple[str, bool]]:
    """(imported azfunc module, whether the import is inside a function) of ``module``."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node, in_function in _walk(tree, False):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for target in _resolve(module, path.name == "__init__.py", node):
                found.append((target, in_function))
    return found


def _checked() -> list[str]:
    return [name for name in MODULES if name != "azfunc"]


def _is_core(module: str) -> bool:
    return any(module == p or module.startswith(p) for p in CORE_PREFIXES) and not (
        module.startswith(("azfunc.app", "azfunc.host", "azfunc.testing"))
    )


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_graph_sees_the_modules() -> None:
    # guards the test itself: the parser finds imports, relative ones resolved
    assert ("azfunc.wire.http", False) in imports_of("azfunc.http._converters")
    assert ("azfunc.wire.testkit", True) in imports_of("azfunc.http.forms")
    assert all(target != "azfunc.http.response" for target, _ in imports_of("azfunc.wire.http"))


@pytest.mark.parametrize("module", [m for m in _checked() if _is_core(m)])
def test_core_never_imports_app_host_or_testing(module: str) -> None:
    bad = [t for t, _ in imports_of(module) if _in(t, "azfunc.app") or _in(t, "azfunc.host")
           or _in(t, "azfunc.testing") or _in(t, "azfunc.msworker")]
    assert bad == [], f"{module} (core) imports {bad}"


@pytest.mark.parametrize("module", [m for m in _checked() if _in(m, "azfunc.app")])
def test_only_the_check_front_end_of_the_app_layer_uses_the_worker_bridge(module: str) -> None:
    bad = [t for t, _ in imports_of(module) if _in(t, "azfunc.msworker")]
    assert bad == [] or module == "azfunc.app.checks", f"{module} imports {bad}"


@pytest.mark.parametrize("module", [m for m in _checked() if _in(m, "azfunc.testing")])
def test_the_test_kit_never_imports_the_host(module: str) -> None:
    bad = [t for t, _ in imports_of(module) if _in(t, "azfunc.host")]
    assert bad == [], f"{module} imports {bad}"


def _cycles() -> list[frozenset[str]]:
    graph: dict[str, set[str]] = {
        m: {t for t, _ in imports_of(m) if t in MODULES}
        - {"azfunc", m}
        for m in _checked()
    }
    # Tarjan's strongly connected components
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.add(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_imports_have_no_cycles() -> None:
    cycles = list(_cycles())
    assert cycles == [], f"import cycles: {[sorted(c) for c in cycles]}"
