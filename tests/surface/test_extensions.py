"""The extension API: hooks run around invocations, and cost nothing when none is registered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import azfunc as func
from azfunc.app.extensions import HOOKS


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    HOOKS.clear()
    yield
    HOOKS.clear()


def _loaded() -> func.LoadedApp:
    app = func.FunctionApp()

    @app.function_name("Work")
    @app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
    def work(msg: str) -> None:
        if msg == "boom":
            raise ValueError("boom")

    return func.LoadedApp(root=Path("."), kind="decorator", functions=app.get_functions())


def test_no_extension_means_the_hooks_are_off() -> None:
    assert HOOKS.active is False
    assert _loaded().invoke("Work", msg="x").return_value is None


def test_application_hooks_run_around_the_invocation() -> None:
    seen: list[Any] = []

    class Recorder(func.AppExtensionBase):
        @classmethod
        def init(cls) -> None:
            seen.append("init")

        @classmethod
        def post_function_load_app_level(cls, function_name: str, function_directory: str,
                                         *args: Any, **kwargs: Any) -> None:
            seen.append(("loaded", function_name))

        @classmethod
        def pre_invocation_app_level(cls, logger: Any, context: Any,
                                     func_args: Any = None, *args: Any, **kwargs: Any) -> None:
            seen.append(("pre", context.function_name, dict(func_args)))

        @classmethod
        def post_invocation_app_level(cls, logger: Any, context: Any, func_args: Any = None,
                                      func_ret: Any = None, *args: Any, **kwargs: Any) -> None:
            seen.append(("post", func_ret))

    loaded = _loaded()
    loaded.invoke("Work", msg="a")
    loaded.invoke("Work", msg="b")
    assert seen == ["init", ("loaded", "Work"), ("pre", "Work", {"msg": "a"}), ("post", None),
                    ("pre", "Work", {"msg": "b"}), ("post", None)]
    assert "Recorder" in func.ExtensionMeta.get_registered_extensions_json()
    with pytest.raises(func.FunctionExtensionException):
        Recorder()


def test_function_hooks_apply_to_their_function_only(tmp_path: Path) -> None:
    seen: list[str] = []

    class Only(func.FuncExtensionBase):
        def __init__(self, file_path: str) -> None:
            super().__init__(file_path)

        def pre_invocation(self, logger: Any, context: Any, func_args: Any = None,
                           *args: Any, **kwargs: Any) -> None:
            seen.append(context.function_name)

    Only(str(tmp_path / "work" / "__init__.py"))  # the function folder is named "work"
    loaded = _loaded()
    loaded.invoke("Work", msg="x")
    assert seen == ["Work"]


def test_a_hook_that_raises_does_not_fail_the_invocation(caplog: Any) -> None:
    class Broken(func.AppExtensionBase):
        @classmethod
        def pre_invocation_app_level(cls, *args: Any, **kwargs: Any) -> None:
            raise RuntimeError("extension bug")

    result = _loaded().invoke("Work", msg="x")
    assert result.return_value is None
    assert any("extension hook" in r.getMessage() for r in caplog.records)


def test_the_function_error_still_propagates_with_hooks_on() -> None:
    class Quiet(func.AppExtensionBase):
        pass

    with pytest.raises(ValueError, match="boom"):
        _loaded().invoke("Work", msg="boom")
