"""Every ``FunctionApp`` decorator renders what ``azure-functions`` renders, by running both.

``every_decorator_app.py`` is rendered by azfunc (this environment) and by ``azure-functions``
(the upstream environment, in a subprocess); each function's bindings must match, case and
key order aside. The few deliberate differences are listed in :data:`DELIBERATE`, each also
in ``docs/migration.md``.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import azfunc

HERE = Path(__file__).resolve().parent
RENDER = HERE / "render_app.py"

#: (function, binding, key): azfunc's value, where upstream writes something worse.
DELIBERATE: dict[tuple[str, str, str], Any] = {
    # upstream writes the enum *name* ("DefaultChatModel"), which no model is called
    ("ai_fn", "completion", "chatmodel"): "gpt-3.5-turbo",
    ("ai2_fn", "search", "chatmodel"): "gpt-3.5-turbo",
    ("ai2_fn", "emb", "embeddingsmodel"): "text-embedding-ada-002",
    ("ai2_fn", "search", "embeddingsmodel"): "text-embedding-ada-002",
    ("ai2_fn", "store", "embeddingsmodel"): "text-embedding-ada-002",
    # azfunc leaves the system prompt to the extension's own default
    ("ai2_fn", "search", "systemprompt"): None,
}


def _render(python: Path | str, sdk: str) -> dict[str, list[dict[str, Any]]]:
    done = subprocess.run([str(python), str(RENDER), sdk], capture_output=True, text=True,
                          check=False, cwd=HERE)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _normalise(function: str, bindings: list[dict[str, Any]], *, apply: bool) -> list[Any]:
    out = []
    for binding in bindings:
        folded = {k.lower(): _fold(v) for k, v in binding.items() if v is not None}
        if apply:
            for (fn, name, key), value in DELIBERATE.items():
                if fn == function and name == binding["name"]:
                    if value is None:
                        folded.pop(key, None)
                    else:
                        folded[key] = _fold(value)
        out.append(folded)
    return sorted(out, key=lambda b: str(b["name"]))


@pytest.fixture(scope="module")
def rendered(upstream: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    return _render(sys.executable, "azfunc"), _render(upstream, "azure.functions")


def test_the_same_functions(rendered: tuple[dict[str, Any], dict[str, Any]]) -> None:
    ours, theirs = rendered
    assert sorted(ours) == sorted(theirs)


def test_every_function_renders_the_same_bindings(
    rendered: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    ours, theirs = rendered
    mismatched = {
        name: (_normalise(name, ours[name], apply=False),
               _normalise(name, theirs[name], apply=True))
        for name in theirs
        if _normalise(name, ours[name], apply=False) != _normalise(name, theirs[name], apply=True)
    }
    assert not mismatched


def test_the_deliberate_differences_are_real(
    rendered: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """Each listed difference exists (else the entry is stale and must go)."""
    ours, theirs = rendered
    for (function, binding, key), value in DELIBERATE.items():
        mine = next(b for b in _normalise(function, ours[function], apply=False)
                    if b["name"] == binding)
        upstream = next(b for b in _normalise(function, theirs[function], apply=False)
                        if b["name"] == binding)
        assert mine.get(key) == _fold(value)
        assert upstream.get(key) != mine.get(key)


def _decorators(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(getattr(cls, name))
        for name in dir(cls)
        if not name.startswith("_") and callable(getattr(cls, name))
    }


def _upstream_decorators(python: Path) -> dict[str, list[list[Any]]]:
    """Every public method of upstream's ``FunctionApp`` in the environment of ``python``:
    parameter names in order, with their defaults."""
    script = (
        "import inspect, json, azure.functions as f\n"
        "out = {}\n"
        "for n in dir(f.FunctionApp):\n"
        "    m = getattr(f.FunctionApp, n)\n"
        "    if n.startswith('_') or not callable(m): continue\n"
        "    ps = inspect.signature(m).parameters.values()\n"
        "    out[n] = [[p.name, None if p.default is p.empty else repr(getattr(p.default, "
        "'value', p.default))] for p in ps]\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run([str(python), "-c", script], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_every_upstream_decorator_exists_with_its_parameters(upstream: Path) -> None:
    """azfunc's FunctionApp has every public method of upstream's, with the same parameter
    names in the same order and the same defaults."""
    theirs = _upstream_decorators(upstream)
    ours = _decorators(azfunc.FunctionApp)
    missing = sorted(set(theirs) - set(ours))
    assert not missing
    differing = {}
    for name, params in theirs.items():
        mine = [[p.name, None if p.default is p.empty
                 else repr(getattr(p.default, "value", p.default))]
                for p in ours[name].parameters.values()]
        mine = [p for p in mine if (name, p[0]) not in NEWER_PARAMETERS]
        if name in SAME_DEFAULT_OTHER_SPELLING:
            mine, params = [p[0] for p in mine], [p[0] for p in params]  # type: ignore[misc]
        if mine != params:
            differing[name] = (mine, params)
    assert not differing


def test_every_2x_decorator_exists_with_its_parameter_names() -> None:
    """The same against ``azure-functions`` 2.x (Python 3.13+ only), in the environment the
    tests against Microsoft's worker use (``.venv-worker313``)."""
    from tests.msworker.harness import worker_python

    theirs = _upstream_decorators(worker_python())
    ours = _decorators(azfunc.FunctionApp)
    assert len(theirs) >= 70
    assert sorted(set(theirs) - set(ours)) == []
    differing = {
        name: names
        for name, params in theirs.items()
        if (names := ([p.name for p in ours[name].parameters.values()], [p[0] for p in params]))
        and names[0] != names[1]
    }
    assert differing == {}


#: parameters azfunc has from ``azure-functions`` 2.x, newer than the pinned upstream.
NEWER_PARAMETERS = {("cosmos_db_trigger", "change_feed_mode")}
#: decorators whose defaults render the same but are spelled otherwise: Kafka's
#: ``key_data_type`` (upstream: an enum member, azfunc: its name, written identically) and
#: ``semantic_search_input``'s ``system_prompt`` (azfunc: the extension's own default).
SAME_DEFAULT_OTHER_SPELLING = {"kafka_trigger", "kafka_output", "semantic_search_input"}
