"""Worker extensions: code that runs before and after every invocation (``azure-functions``'
``AppExtensionBase`` / ``FuncExtensionBase`` API).

Rules this module keeps:

* An *application* extension is a subclass of :class:`AppExtensionBase`; defining the class
  registers it (its ``init()`` runs then). Its class methods are the hooks:
  ``post_function_load_app_level(function_name, function_directory)``,
  ``pre_invocation_app_level(logger, context, func_args)`` and
  ``post_invocation_app_level(logger, context, func_args, func_ret)``.
* A *function* extension is an instance of a :class:`FuncExtensionBase` subclass, created
  in a function's script with ``__file__``; it applies to that function (the folder the
  script is in, relative to ``AzureWebJobsScriptRoot`` when set, else the script's folder
  name). Its methods ``post_function_load``, ``pre_invocation`` and ``post_invocation``
  take the same arguments. Function names are matched case-insensitively.
* :data:`HOOKS` is the one registry. ``HOOKS.active`` is false until an extension is
  registered, so the invocation path pays a single falsy check when none is.
* Hooks run in the invocation: ``func_args`` is the dict of arguments the function is
  called with (a pre-invocation hook may change it), ``func_ret`` its return value. A hook
  that raises is logged (``azfunc.extensions``) and does not fail the invocation, as in the
  Python worker. ``post_function_load`` hooks run once per function, on its first
  invocation in the process.
"""

from __future__ import annotations

import abc
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._errors import ConfigurationError
from .model import fold_name

__all__ = [
    "HOOKS",
    "AppExtensionBase",
    "ExtensionMeta",
    "FuncExtensionBase",
    "FunctionExtensionException",
]

_log = logging.getLogger("azfunc.extensions")


class FunctionExtensionException(ConfigurationError):
    """An extension is defined or created wrongly (e.g. an application extension
    instantiated, or a function extension whose function cannot be told)."""


@dataclass
class _Hooks:
    """The registered hooks: application-level lists and function-level lists by name."""

    active: bool = False
    app: dict[str, list[Callable[..., Any]]] = field(default_factory=lambda: {
        "post_function_load_app_level": [], "pre_invocation_app_level": [],
        "post_invocation_app_level": [],
    })
    functions: dict[str, dict[str, list[Callable[..., Any]]]] = field(default_factory=dict)
    #: registered extension names (``get_registered_extensions_json``).
    info: dict[str, Any] = field(default_factory=dict)
    loaded: set[str] = field(default_factory=set)

    def _function(self, name: str) -> dict[str, list[Callable[..., Any]]]:
        return self.functions.get(fold_name(name), {})

    def _run(self, hooks: list[Callable[..., Any]], *args: Any, **kwargs: Any) -> None:
        for hook in hooks:
            try:
                hook(*args, **kwargs)
            except Exception:
                _log.exception("the extension hook %s raised; the invocation goes on",
                               getattr(hook, "__qualname__", hook))

    def function_loaded(self, name: str, directory: str) -> None:
        """Run the load hooks of ``name`` (once per function and process)."""
        key = fold_name(name)
        if key in self.loaded:
            return
        self.loaded.add(key)
        self._run(self.app["post_function_load_app_level"], function_name=name,
                  function_directory=directory)
        self._run(self._function(name).get("post_function_load", []), function_name=name,
                  function_directory=directory)

    def before(self, name: str, logger: logging.Logger, context: Any,
               func_args: dict[str, Any]) -> None:
        """Run the pre-invocation hooks (application level first)."""
        self._run(self.app["pre_invocation_app_level"], logger, context, func_args)
        self._run(self._function(name).get("pre_invocation", []), logger, context, func_args)

    def after(self, name: str, logger: logging.Logger, context: Any,
              func_args: dict[str, Any], func_ret: Any) -> None:
        """Run the post-invocation hooks (function level first)."""
        self._run(self._function(name).get("post_invocation", []), logger, context,
                  func_args, func_ret)
        self._run(self.app["post_invocation_app_level"], logger, context, func_args,
                  func_ret)

    def clear(self) -> None:
        """Forget every extension (for tests)."""
        self.__init__()  # type: ignore[misc]


#: the process-wide registry of extension hooks.
HOOKS = _Hooks()

_APP_HOOKS = ("post_function_load_app_level", "pre_invocation_app_level",
              "post_invocation_app_level")
_FUNC_HOOKS = ("post_function_load", "pre_invocation", "post_invocation")


class ExtensionMeta(abc.ABCMeta):
    """The metaclass registering extensions as they are defined (application) or created
    (function)."""

    def __init__(cls, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if getattr(cls, "_scope", None) == "application" and not cls.__dict__.get("_base"):
            init = getattr(cls, "init", None)
            if init is not None:
                init()
            for hook in _APP_HOOKS:
                HOOKS.app[hook].append(getattr(cls, hook))
            HOOKS.info.setdefault("AppExtension", []).append(cls.__name__)
            HOOKS.active = True

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if getattr(cls, "_scope", None) == "application":
            raise FunctionExtensionException(
                f"{cls.__name__} is an application extension: use its class methods, do not "
                "create it"
            )
        instance = super().__call__(*args, **kwargs)
        name = getattr(instance, "_trigger_name", "")
        if not name:
            raise FunctionExtensionException(
                f"{cls.__name__}.__init__ must call super().__init__(__file__)"
            )
        hooks = HOOKS.functions.setdefault(fold_name(name), {h: [] for h in _FUNC_HOOKS})
        for hook in _FUNC_HOOKS:
            hooks[hook].append(getattr(instance, hook))
        HOOKS.info.setdefault("FuncExtension", {}).setdefault(name, []).append(cls.__name__)
        HOOKS.active = True
        return instance

    @classmethod
    def get_registered_extensions_json(cls) -> str:
        """The registered extensions as JSON (``{"AppExtension": [...], ...}``)."""
        import json

        return json.dumps(HOOKS.info)


class AppExtensionBase(metaclass=ExtensionMeta):
    """Base of application extensions: subclass it and override the class methods.

    Example:
        >>> class Timing(AppExtensionBase):
        ...     @classmethod
        ...     def pre_invocation_app_level(cls, logger, context, func_args=None, *a, **k):
        ...         logger.info("starting %s", context.function_name)
        >>> HOOKS.active
        True
        >>> HOOKS.clear()
    """

    _scope = "application"
    _base = True

    @classmethod
    def init(cls) -> None:
        """Runs once, when the extension class is defined."""

    @classmethod
    def configure(cls, *args: Any, **kwargs: Any) -> None:
        """For the app to configure the extension (called by the app, never by azfunc)."""

    @classmethod
    def post_function_load_app_level(
        cls, function_name: str, function_directory: str, *args: Any, **kwargs: Any
    ) -> None:
        """After a function is loaded."""

    @classmethod
    def pre_invocation_app_level(
        cls, logger: logging.Logger, context: Any,
        func_args: Mapping[str, object] | None = None, *args: Any, **kwargs: Any,
    ) -> None:
        """Before every invocation."""

    @classmethod
    def post_invocation_app_level(
        cls, logger: logging.Logger, context: Any,
        func_args: Mapping[str, object] | None = None, func_ret: object | None = None,
        *args: Any, **kwargs: Any,
    ) -> None:
        """After every invocation."""


class FuncExtensionBase(metaclass=ExtensionMeta):
    """Base of function extensions: create one in the function's script with ``__file__``.

    Raises:
        FunctionExtensionException: if the function cannot be told from ``file_path``.
    """

    _scope = "function"

    def __init__(self, file_path: str) -> None:
        path = os.path.normpath(os.path.abspath(file_path))
        root = os.environ.get("AzureWebJobsScriptRoot")  # noqa: SIM112 (the host spells it so)
        if root:
            relative = os.path.relpath(path, os.path.normpath(os.path.abspath(root)))
            name = relative.split(os.sep)[0] if os.sep in relative else ""
        else:
            name = os.path.basename(os.path.dirname(path))
        if not name or name.startswith("."):
            raise FunctionExtensionException(
                f"cannot tell the function of the extension created in {file_path!r}: create "
                "it in the function's own script, passing __file__"
            )
        self._trigger_name = name

    def post_function_load(
        self, function_name: str, function_directory: str, *args: Any, **kwargs: Any
    ) -> None:
        """After the function is loaded."""

    def pre_invocation(
        self, logger: logging.Logger, context: Any,
        func_args: Mapping[str, object] | None = None, *args: Any, **kwargs: Any,
    ) -> None:
        """Before each invocation of the function."""

    def post_invocation(
        self, logger: logging.Logger, context: Any,
        func_args: Mapping[str, object] | None = None, func_ret: object | None = None,
        *args: Any, **kwargs: Any,
    ) -> None:
        """After each invocation of the function."""
