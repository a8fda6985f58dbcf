"""Every ``FunctionApp`` decorator renders what ``azure-functions`` renders, by running both.

``every_decorator_app.py`` is rendered by azfunc (this environment) and by ``azure-functions``
1.26 and 2.3 (the upstream environments, in subprocesses); for each function, what
its ``Function`` object answers (``get_function_json``, ``get_raw_bindings``,
``get_bindings_dict``, ``get_settings_dict``, ...) must match, case and key order aside.
The few deliberate differences are listed in :data:`DELIBERATE`, each also in
``docs/migration.md``.
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


#: upstream's ``get_bindings_dict`` keeps BindingDirection members (written by number).
_DIRECTIONS = {0: "in", 1: "out", 2: "inout"}


def _normalise(function: str, bindings: list[dict[str, Any]], *, apply: bool) -> list[Any]:
    out = []
    for binding in bindings:
        folded = {k.lower(): _fold(_DIRECTIONS.get(v, v) if k == "direction" else v)
                  for k, v in binding.items() if v is not None}
        if apply:
            for (fn, name, key), value in DELIBERATE.items():
                if fn == function and name == binding["name"]:
                    if value is None:
                        folded.pop(key, None)
                    else:
                        folded[key] = _fold(value)
        out.append(folded)
    return sorted(out, key=lambda b: str(b["name"]))


#: what render_app.py lists per function beside the bindings, compared as they are.
_ANSWERS = ("dict_repr_keys", "script_file", "trigger", "is_http", "http_type", "settings",
            "user_function")
#: the binding lists render_app.py gives: function.json, get_raw_bindings, get_bindings_dict.
_BINDING_LISTS = ("bindings", "raw_bindings", "bindings_dict")

Rendered = tuple[dict[str, Any], dict[str, Any]]


@pytest.fixture(scope="module", params=["1.26", "2.3"])
def rendered(request: pytest.FixtureRequest) -> Rendered:
    """(azfunc's rendering, upstream's) for each upstream version."""
    fixture = "upstream" if request.param == "1.26" else "upstream2"
    return _render(sys.executable, "azfunc"), _render(request.getfixturevalue(fixture),
                                                      "azure.functions")


def _binding_list(described: dict[str, Any], which: str) -> list[dict[str, Any]]:
    value = described[which]
    return list(value["bindings"] if which == "bindings_dict" else value)


def test_the_same_functions(rendered: Rendered) -> None:
    ours, theirs = rendered
    assert sorted(ours) == sorted(theirs)


@pytest.mark.parametrize("which", _BINDING_LISTS)
def test_every_function_renders_the_same_bindings(rendered: Rendered, which: str) -> None:
    ours, theirs = rendered
    mismatched = {
        name: (mine, upstream)
        for name in theirs
        if (mine := _normalise(name, _binding_list(ours[name], which), apply=False))
        != (upstream := _normalise(name, _binding_list(theirs[name], which), apply=True))
    }
    assert not mismatched


def test_every_function_answers_the_same(rendered: Rendered) -> None:
    """Script file, trigger, HTTP-ness, http_type, settings and the user function's name."""
    ours, theirs = rendered
    mismatched = {
        (name, key): (ours[name][key], theirs[name][key])
        for name in theirs for key in _ANSWERS
        if _fold_all(ours[name][key]) != _fold_all(theirs[name][key])
    }
    assert not mismatched


def _fold_all(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _fold_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fold_all(v) for v in value]
    return _fold(value)


def test_the_deliberate_differences_are_real(rendered: Rendered) -> None:
    """Each listed difference exists (else the entry is stale and must go)."""
    ours, theirs = rendered
    for (function, binding, key), value in DELIBERATE.items():
        mine = next(b for b in _normalise(function, ours[function]["bindings"], apply=False)
                    if b["name"] == binding)
        upstream = next(b for b in _normalise(function, theirs[function]["bindings"],
                                              apply=False)
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


def test_every_2x_decorator_exists_with_its_parameter_names(upstream2: Path) -> None:
    """The same against ``azure-functions`` 2.3 (Python 3.13+ only)."""
    theirs = _upstream_decorators(upstream2)
    ours = _decorators(azfunc.FunctionApp)
    assert len(theirs) >= 70
    assert sorted(set(theirs) - set(ours)) == []
    differing = {
        name: names
        for name, params in theirs.items()
        if (names := ([p.name for p in ours[name].parameters.values()
                       if (name, p.name) not in NEWER_THAN_2_3], [p[0] for p in params]))
        and names[0] != names[1]
    }
    assert differing == {}


#: parameters azfunc has from ``azure-functions`` newer than the pinned 2.3 / 1.26.
NEWER_THAN_2_3 = {
    # azure-functions 2.4.0b1 (tests/surface/test_hierarchy.py checks them from its text)
    ("connector_trigger", p) for p in (
        "delivery_mode", "connection", "trigger_config_name", "cardinality", "max_batch_size",
        "max_concurrent_calls", "target_pending_event_threshold")
}
NEWER_PARAMETERS = {("cosmos_db_trigger", "change_feed_mode"), *NEWER_THAN_2_3}
#: decorators whose defaults render the same but are spelled otherwise: Kafka's
#: ``key_data_type`` (upstream: an enum member, azfunc: its name, written identically) and
#: ``semantic_search_input``'s ``system_prompt`` (azfunc: the extension's own default).
SAME_DEFAULT_OTHER_SPELLING = {"kafka_trigger", "kafka_output", "semantic_search_input"}
