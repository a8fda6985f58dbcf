"""The curated public surface: one ``__all__``, every name resolves, nothing public missing."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import pytest

import azfunc

#: public names of public modules that are deliberately not top-level exports.
NOT_EXPORTED_ON_PURPOSE = {
    "CONVERTERS",
    # the type of HttpRequest.params; annotate with azfunc.http.request.RequestParams
    "RequestParams",
    # azure-functions keeps it in decorators.function_app only; so does azfunc
    "FunctionBuilder",
}


def test_all_is_sorted_and_unique() -> None:
    assert azfunc.__all__ == sorted(set(azfunc.__all__))


def test_all_matches_the_lazy_table_and_errors() -> None:
    errors = [n for n in azfunc.__all__ if n.endswith("Error")]
    assert set(azfunc.__all__) == {*azfunc._LAZY, *errors, "__version__"}


@pytest.mark.parametrize("name", azfunc.__all__)
def test_every_exported_name_resolves(name: str) -> None:
    value = getattr(azfunc, name)
    assert value is not None
    namespace: dict[str, object] = {}
    exec(f"from azfunc import {name}", namespace)
    assert namespace[name] is value


def test_dir_lists_every_export() -> None:
    assert set(azfunc.__all__) <= set(dir(azfunc))


def test_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = azfunc.Nope  # type: ignore[attr-defined]


@pytest.mark.parametrize("module_name", sorted(set(azfunc._LAZY.values())))
def test_nothing_public_is_missing_from_all(module_name: str) -> None:
    """Every public class of a module that feeds the surface is exported from azfunc."""
    module = importlib.import_module(module_name)
    public = getattr(module, "__all__", None)
    if public is None:
        public = [
            name for name, obj in vars(module).items()
            if not name.startswith("_")
            and (inspect.isclass(obj) or inspect.isfunction(obj))
            and getattr(obj, "__module__", None) == module_name
        ]
    missing = [
        name for name in public
        if name not in azfunc.__all__
        and name not in NOT_EXPORTED_ON_PURPOSE
        and inspect.isclass(getattr(module, name))
        and not name.endswith("Converter")
    ]
    assert not missing, f"{module_name} defines public {missing} not in azfunc.__all__"


def test_meta_is_a_compatible_module() -> None:
    from azfunc import meta

    assert meta.InConverter is meta.OutConverter is meta.Converter
    assert azfunc.meta is meta


def test_version_and_cli_entry() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "azfunc", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"azfunc {azfunc.__version__}"
    bad = subprocess.run([sys.executable, "-m", "azfunc", "frobnicate"], capture_output=True,
                         text=True)
    assert bad.returncode == 2
    assert "unknown command 'frobnicate'" in bad.stderr
    helped = subprocess.run([sys.executable, "-m", "azfunc", "--help"], capture_output=True,
                            text=True)
    assert helped.returncode == 0
    for command in ("check", "start", "worker", "export"):
        assert command in helped.stdout
