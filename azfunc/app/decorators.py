"""Decorator apps: :class:`FunctionApp` and :class:`Blueprint`.

Rules this module keeps:

* A decorator returns the user's function itself (same object, signature and type hints),
  so calling it in a test calls the user's code; the metadata lives in the app's registry,
  keyed by the function.
* Decorator names and keywords are those of ``azure-functions`` 1.2x for the bindings azfunc
  supports; the ``function.json`` each produces is the one ``azure-functions`` produces
  (enum values written lower-case, as the Functions templates write them).
* ``route`` triggers without an ``auth_level`` take the ``http_auth_level`` of the app that
  lists them: the blueprint's own if it was given one, else the registering app's.
* The class hierarchy is ``azure-functions``': :class:`DecoratorApi` (``function_name``,
  ``http_type``), :class:`TriggerApi`, :class:`BindingApi`, :class:`SettingsApi` (``retry``)
  and :class:`FunctionRegister` (what the worker indexes: ``get_functions``,
  ``register_functions``); ``FunctionApp`` is all five, ``Blueprint`` all but the last.
  Their names are importable from here and from ``azfunc``, as from ``azure.functions``.
* :meth:`FunctionApp.get_functions` renders the model (:class:`~azfunc.app.model.FunctionInfo`)
  for every function of the app and its registered blueprints, and fails as the worker's
  indexing fails (no trigger, two triggers, two functions of one name).
"""

from __future__ import annotations

from typing import Any

from .._errors import ArgumentTypeError, FunctionLoadError
from ._base import DecoratorApi, Function, FunctionBuilder, SettingsApi
from ._bindings import BindingApi
from ._triggers import TriggerApi
from .enums import AuthLevel
from .model import FunctionInfo

__all__ = [
    "BindingApi",
    "Blueprint",
    "DecoratorApi",
    "Function",
    "FunctionApp",
    "FunctionBuilder",
    "FunctionRegister",
    "SettingsApi",
    "TriggerApi",
]


def _auth(value: Any) -> str:
    try:
        return AuthLevel(value).value
    except ValueError:
        raise FunctionLoadError(
            f"http_auth_level={value!r} is not one of: function, anonymous, admin"
        ) from None


class Blueprint(TriggerApi, BindingApi, SettingsApi):
    """A set of functions defined apart from the app and registered into it.

    Example:
        >>> bp = Blueprint()
        >>> @bp.queue_trigger(arg_name="msg", queue_name="jobs", connection="Storage")
        ... def work(msg) -> None: ...
        >>> app = FunctionApp()
        >>> app.register_functions(bp)
        >>> [f.name for f in app.get_functions()]
        ['work']

    Raises:
        FunctionLoadError: for an unknown ``http_auth_level``.
    """

    def __init__(self, http_auth_level: AuthLevel | str | None = None) -> None:
        super().__init__()
        self._auth_level = None if http_auth_level is None else _auth(http_auth_level)

    def get_functions(self) -> list[FunctionInfo]:
        """Every function decorated through this object, in definition order."""
        level = self._default_auth_level()
        return self.index(entry.render(level) for entry in self._entries.values())


class FunctionRegister(DecoratorApi):
    """An object the worker indexes (``azure-functions``' ``FunctionRegister``): it holds
    the app's HTTP auth level, takes in blueprints and lists every function.

    Example:
        >>> isinstance(FunctionApp(), FunctionRegister), isinstance(Blueprint(),
        ...     FunctionRegister)
        (True, False)

    Raises:
        FunctionLoadError: for an unknown ``auth_level``.
    """

    def __init__(self, auth_level: AuthLevel | str = AuthLevel.FUNCTION) -> None:
        DecoratorApi.__init__(self)
        self._auth_level = _auth(auth_level)
        self._blueprints: list[DecoratorApi] = []

    @property
    def auth_level(self) -> AuthLevel:
        """The default auth level of the app's HTTP triggers."""
        return AuthLevel(self._auth_level)

    def register_functions(self, function_container: DecoratorApi) -> None:
        """Add the functions of a blueprint (or another app) to this app.

        Raises:
            FunctionLoadError: if the container is this app.
            ArgumentTypeError: if it is not a Blueprint or FunctionApp.
        """
        if function_container is self:
            raise FunctionLoadError("an app cannot register its own functions")
        if not isinstance(function_container, DecoratorApi):
            raise ArgumentTypeError(
                f"register_functions() takes a Blueprint, got {type(function_container).__name__}"
            )
        if function_container not in self._blueprints:
            self._blueprints.append(function_container)

    register_blueprint = register_functions

    def get_functions(self) -> list[FunctionInfo]:
        """Every function of the app and of its registered blueprints, checked as the
        worker's indexing checks them (each a :class:`Function`).

        Raises:
            FunctionLoadError: for a function without a trigger or with several, or two
                functions of one name (``function`` names it).
        """
        return self.index(self.collect_functions())

    def collect_functions(self) -> list[FunctionInfo]:
        """Every function of the app and of its registered blueprints, unchecked (what
        ``azfunc check`` reads, so that it can report every problem, not the first)."""
        level = self._default_auth_level()
        functions: list[FunctionInfo] = [entry.render(level) for entry in self._entries.values()]
        for container in self._blueprints:
            own = container._auth_level or level
            functions.extend(entry.render(own) for entry in container._entries.values())
        return functions


class FunctionApp(FunctionRegister, TriggerApi, BindingApi, SettingsApi):
    """A decorator app: the object ``function_app.py`` defines.

    Example:
        >>> app = FunctionApp(http_auth_level=AuthLevel.ANONYMOUS)
        >>> @app.function_name("Hello")
        ... @app.route(route="hello")
        ... def hello(req) -> str:
        ...     return "hi"
        >>> hello(None)
        'hi'
        >>> fn = app.get_functions()[0]
        >>> fn.name, fn.trigger.properties["authLevel"]
        ('Hello', 'anonymous')

    Raises:
        FunctionLoadError: for an unknown ``http_auth_level``.
    """

    def __init__(self, http_auth_level: AuthLevel | str = AuthLevel.FUNCTION) -> None:
        super().__init__(auth_level=http_auth_level)

    def get_functions(self) -> list[FunctionInfo]:
        """:meth:`FunctionRegister.get_functions`, defined here too because the worker
        bridge (:mod:`azfunc.msworker.indexing`) replaces it on this class.

        Raises:
            FunctionLoadError: as :meth:`FunctionRegister.get_functions` does.
        """
        return super().get_functions()
