"""The machinery behind the decorators: a registry of pending functions keyed by function.

Rules this module keeps:

* A decorator returns the user's function itself; the metadata lives in the registry of the
  app or blueprint whose decorator was used, keyed by the function object. Decorators may
  therefore stack in any order.
* Keyword names are those of ``azure-functions``; each becomes the camelCase key
  ``function.json`` uses (``queue_name`` -> ``queueName``, ``extra_thing`` -> ``extraThing``).
  ``None`` values are left out; enum members are written as their values.
* ``data_type``, ``cardinality``, ``access_rights`` and ``auth_level`` accept a member or any
  spelling of one; anything else raises :class:`~azfunc.FunctionLoadError` at decoration.
* Bindings are listed trigger first, then in the order the decorators are written (top to
  bottom).
* The decorated function stays a plain function; it gains one attribute, ``build``, so the
  unit-test idiom of Microsoft's docs works: ``my_function.build().get_user_function()``
  returns the function the host would call (callables that take no attributes go without).
* :meth:`DecoratorApi.index` is where indexing fails as ``azure-functions`` fails: a
  function without a trigger or with two, and two functions of one name (compared
  case-insensitively, as the host compares them), raise :class:`~azfunc.FunctionLoadError`
  naming the function.
* A function's code may be *adapted* at build time (an MCP tool, a Durable orchestrator or
  entity written with ``azure-functions-durable``): :attr:`FunctionBuilder.adapter` turns
  the user's function into the callable the host invokes, while the decorator still
  returns the user's function.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Final, TypeVar

from .._errors import ArgumentTypeError, FunctionLoadError
from .enums import (
    AccessRights,
    AuthLevel,
    Cardinality,
    CosmosDBChangeFeedMode,
    DataType,
    DeliveryMode,
    enum_value,
)
from .model import BindingInfo, FunctionInfo, fold_name, several_triggers

__all__ = [
    "SCRIPT_FILE_NAME",
    "Adapter",
    "DecoratorApi",
    "F",
    "Function",
    "FunctionBuilder",
    "SettingsApi",
    "normalise",
]

#: the script a decorator app lives in (``app_script_file``).
SCRIPT_FILE_NAME: Final = "function_app.py"

F = TypeVar("F", bound=Callable[..., Any])

#: keyword -> enum whose spellings it accepts.
_ENUM_KEYWORDS: Final[Mapping[str, type[Enum]]] = {
    "cardinality": Cardinality,
    "access_rights": AccessRights,
    "auth_level": AuthLevel,
    "change_feed_mode": CosmosDBChangeFeedMode,
    "delivery_mode": DeliveryMode,
}

#: adapts a user's function (and its bindings) into the callable the host invokes.
Adapter = Callable[[Callable[..., Any], tuple[BindingInfo, ...]], Callable[..., Any]]

_RESERVED_KEYS: Final = frozenset({"name", "type", "direction", "dataType"})

_RETRY_STRATEGIES: Final = {
    "fixed_delay": "fixedDelay",
    "fixeddelay": "fixedDelay",
    "exponential_backoff": "exponentialBackoff",
    "exponentialbackoff": "exponentialBackoff",
}


def camel_case(key: str) -> str:
    """``queue_name`` -> ``queueName``; keys without underscores are kept as they are.

    Example:
        >>> camel_case("event_hub_name"), camel_case("someProp"), camel_case("id")
        ('eventHubName', 'someProp', 'id')
    """
    if "_" not in key:
        return key
    head, *rest = [part for part in key.split("_") if part]
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def normalise(keyword: str, value: Any, binding: str) -> Any:
    """``value`` as ``function.json`` writes it: an enum keyword's member value (any
    spelling accepted), any other enum member's value, anything else as it is.

    Raises:
        FunctionLoadError: for a value that is none of the keyword's enum members.
    """
    enum_cls = _ENUM_KEYWORDS.get(keyword)
    if enum_cls is None or value is None:
        return enum_value(value)
    try:
        return enum_cls(value).value
    except ValueError:
        allowed = ", ".join(str(m.value) for m in enum_cls)
        raise FunctionLoadError(
            f"{keyword}={value!r} is not one of: {allowed}", binding=binding
        ) from None


def _data_type(value: Any, binding: str) -> str | None:
    if value is None:
        return None
    try:
        member = DataType(value.name if isinstance(value, Enum) else value)
    except ValueError:
        raise FunctionLoadError(
            f"data_type={value!r} is not one of: string, binary, stream", binding=binding
        ) from None
    return None if member is DataType.UNDEFINED else member.value


@dataclass
class _Spec:
    """A binding as a decorator declared it; resolved into a BindingInfo at build time."""

    name: str
    type: str
    direction: str
    data_type: str | None
    properties: dict[str, Any]
    default_route: bool = False
    default_auth: bool = False

    def build(self, function_name: str, auth_level: str) -> BindingInfo:
        props = dict(self.properties)
        if self.default_auth:
            props["authLevel"] = auth_level
        if self.default_route:
            props["route"] = function_name
        return BindingInfo(self.name, self.type, self.direction, self.data_type, props)


@dataclass(frozen=True)
class Function(FunctionInfo):
    """A function of a decorator app: :class:`~azfunc.app.model.FunctionInfo` with the
    accessors of ``azure-functions``' ``Function`` (what the worker's indexing reads).

    Example:
        >>> def work(msg): return msg
        >>> fn = Function("work", work, (BindingInfo("msg", "queueTrigger"),))
        >>> fn("hi"), fn.get_raw_bindings(), fn.get_settings_dict("retry_policy")
        ('hi', ['{"name": "msg", "type": "queueTrigger", "direction": "in"}'], None)
    """

    #: the settings decorators gave (``function_name``, ``retry_policy``), in the
    #: ``get_settings_dict`` form of ``azure-functions``.
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, compare=False)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the user's function (``azure-functions``' ``Function`` is callable too)."""
        return self.func(*args, **kwargs)

    def __str__(self) -> str:
        return self.get_function_json()

    @property
    def function_script_file(self) -> str:
        """The script the function is written in (``azure-functions`` spelling)."""
        return self.script_file

    def is_http_function(self) -> bool:
        """Whether the function has an HTTP trigger."""
        trigger = self.trigger
        return trigger is not None and trigger.type.lower() == "httptrigger"

    def get_raw_bindings(self) -> list[str]:
        """Each binding's ``function.json`` entry as JSON text."""
        return [json.dumps(b.to_json()) for b in self.bindings]

    def get_bindings_dict(self) -> dict[str, Any]:
        """``{"bindings": [...]}``, the bindings' ``function.json`` entries."""
        return {"bindings": [b.to_json() for b in self.bindings]}

    def get_dict_repr(self) -> dict[str, Any]:
        """``scriptFile`` and ``bindings``, as ``azure-functions`` represents a function."""
        return {"scriptFile": self.script_file, **self.get_bindings_dict()}

    def get_settings_dict(self, setting_name: str) -> dict[str, Any] | None:
        """The setting called ``setting_name`` (``function_name``, ``retry_policy``) as a
        dict with its ``setting_name``, or ``None`` if no decorator gave it."""
        setting = self.settings.get(setting_name)
        return None if setting is None else {"setting_name": setting_name, **setting}


class FunctionBuilder:
    """What the decorators of one function build up; :meth:`build` renders the
    :class:`Function`. The user's function gets this builder's ``build`` as an attribute.
    """

    def __init__(
        self,
        func: Callable[..., Any],
        function_script_file: str = SCRIPT_FILE_NAME,
        *,
        default_auth_level: Callable[[], str] | None = None,
    ) -> None:
        self.func = func
        self.script_file = function_script_file
        self.specs: list[_Spec] = []
        self.name: str | None = None
        self.retry: dict[str, Any] | None = None
        #: the settings as ``get_settings_dict`` returns them (without ``setting_name``).
        self.settings: dict[str, dict[str, Any]] = {}
        #: ``http_type(...)``: how the worker serves an HTTP function (function, asgi, wsgi).
        self.http_type = "function"
        #: turns the user's function into the callable the host invokes (module rules).
        self.adapter: Adapter | None = None
        #: bindings worked out from the whole builder at build time (``mcp_tool()``).
        self.late_specs: list[Callable[[FunctionBuilder], _Spec]] = []
        #: ``mcp_tool_property(...)`` overrides by parameter name.
        self.mcp_properties: dict[str, dict[str, Any]] = {}
        self._default_auth_level = default_auth_level or (lambda: AuthLevel.FUNCTION.value)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the user's function."""
        return self.func(*args, **kwargs)

    def configure_http_type(self, http_type: str) -> FunctionBuilder:
        """Set how the worker serves the function (``function``, ``asgi``, ``wsgi``)."""
        self.http_type = http_type
        return self

    def add_binding(self, binding: BindingInfo) -> FunctionBuilder:
        """Add a binding after those already added.

        Raises:
            ArgumentTypeError: if ``binding`` is not a BindingInfo.
        """
        self.specs.insert(0, _spec_of(binding))
        return self

    def add_trigger(self, trigger: BindingInfo) -> FunctionBuilder:
        """Add the trigger.

        Raises:
            ArgumentTypeError: if ``trigger`` is not a BindingInfo.
            FunctionLoadError: if it is no trigger or the function has one already.
        """
        spec = _spec_of(trigger)
        if not trigger.is_trigger:
            raise FunctionLoadError(f"{trigger.type!r} is not a trigger type",
                                    binding=trigger.name)
        existing = next((s for s in self.specs if s.type.lower().endswith("trigger")), None)
        if existing is not None:
            raise FunctionLoadError(
                f"a function has one trigger; {existing.name!r} ({existing.type}) is "
                f"registered already", binding=trigger.name)
        self.specs.insert(0, spec)
        return self

    def build(self, auth_level: AuthLevel | str | None = None) -> Function:
        """The function as the worker's indexing gets it, its HTTP trigger given
        ``auth_level`` where it names none (default: the app's ``http_auth_level``).

        Raises:
            FunctionLoadError: for an unknown ``auth_level``, or a function without exactly
                one trigger.
        """
        level = (self._default_auth_level() if auth_level is None
                 else normalise("auth_level", auth_level, self.name or "function"))
        function = self.render(level)
        problem = several_triggers(function) if function.triggers else (
            "it has no trigger; add a trigger "
            "decorator"
        )
        if problem is not None:
            raise FunctionLoadError(f"cannot load the {function.name} function: {problem}",
                                   function=function.name)
        return function

    def render(self, auth_level: str) -> Function:
        """The function with ``auth_level`` as default HTTP auth level, unchecked."""
        py_name = str(getattr(self.func, "__name__", "function"))
        name = self.name or py_name
        ordered = list(reversed(self.specs))  # decorators apply bottom-up
        ordered.extend(late(self) for late in self.late_specs)
        ordered.sort(key=lambda spec: not spec.type.lower().endswith("trigger"))
        bindings = tuple(spec.build(name, auth_level) for spec in ordered)
        func = self.func if self.adapter is None else self.adapter(self.func, bindings)
        return Function(
            name=name,
            func=func,
            bindings=bindings,
            directory=None,
            script_file=self.script_file,
            entry_point=py_name,
            retry=self.retry,
            http_type=self.http_type,
            settings={k: dict(v) for k, v in self.settings.items()},
        )


def _spec_of(binding: BindingInfo) -> _Spec:
    if not isinstance(binding, BindingInfo):
        raise ArgumentTypeError(
            f"a binding must be an azfunc.app.model.BindingInfo, got {type(binding).__name__}")
    return _Spec(binding.name, binding.type, binding.direction, binding.data_type,
                 dict(binding.properties))


class DecoratorApi:
    """What every decorator of :class:`FunctionApp` and :class:`Blueprint` is built on
    (``azure-functions``' ``DecoratorApi``): ``function_name``, ``http_type`` and the
    registry of the functions decorated through this object."""

    #: the HTTP auth level of ``route`` triggers that do not give one (None: inherit).
    _auth_level: str | None = None

    def __init__(self) -> None:
        self._entries: dict[Callable[..., Any], FunctionBuilder] = {}
        self._app_script_file: str = SCRIPT_FILE_NAME

    @property
    def app_script_file(self) -> str:
        """The script the functions are written in (``function_app.py``)."""
        return self._app_script_file

    def _default_auth_level(self) -> str:
        return self._auth_level or AuthLevel.FUNCTION.value

    def _entry(self, func: Callable[..., Any]) -> FunctionBuilder:
        if not callable(func):
            raise ArgumentTypeError(f"a decorator was applied to {func!r}, which is not callable")
        entry = self._entries.get(func)
        if entry is None:
            entry = self._entries[func] = FunctionBuilder(
                func, self._app_script_file, default_auth_level=self._default_auth_level)
            with contextlib.suppress(AttributeError, TypeError):  # builtins, bound methods
                func.build = entry.build  # type: ignore[attr-defined]
        return entry

    def _adapt(self, adapter: Adapter) -> Callable[[F], F]:
        def decorator(func: F) -> F:
            self._entry(func).adapter = adapter
            return func

        return decorator

    def index(self, functions: Iterable[FunctionInfo]) -> list[FunctionInfo]:
        """Check ``functions`` as the worker's indexing does and return them as a list.

        Raises:
            FunctionLoadError: for a function without a trigger or with several, and for two
                functions of one name (``function`` names it).
        """
        items = list(functions)
        for info in items:
            problem = several_triggers(info) if info.triggers else (
                "it has no trigger; add a trigger "
                "decorator"
            )
            if problem is not None:
                raise FunctionLoadError(f"cannot load the {info.name} function: {problem}",
                                       function=info.name)
        self.validate_function_names(items)
        return items

    def validate_function_names(self, functions: Iterable[FunctionInfo]) -> None:
        """Check that no two of ``functions`` share a name (compared case-insensitively).

        Raises:
            FunctionLoadError: naming the first duplicated function.
        """
        seen: dict[str, str] = {}
        for info in functions:
            key = fold_name(info.name)
            if key in seen:
                raise FunctionLoadError(
                    f"the {info.name} function does not have a unique name "
                    f"({seen[key]!r} is taken); rename one with function_name(...)",
                    function=info.name,
                )
            seen[key] = info.name

    def http_type(self, http_type: str) -> Callable[[F], F]:
        """Set how the worker serves an HTTP function (``function``, ``asgi`` or ``wsgi``).

        Raises:
            ArgumentTypeError: if ``http_type`` is not a string.
        """
        if not isinstance(http_type, str):
            raise ArgumentTypeError(f"http_type must be a string, got {http_type!r}")

        def decorator(func: F) -> F:
            self._entry(func).http_type = http_type
            return func

        return decorator

    def _spec(
        self,
        binding_type: str,
        direction: str,
        arg_name: str,
        data_type: Any = None,
        properties: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> _Spec:
        """One binding, its keywords checked and rendered (see the module rules)."""
        if not isinstance(arg_name, str):
            raise ArgumentTypeError(f"arg_name must be a non-empty string, got {arg_name!r}")
        if not arg_name:
            raise FunctionLoadError(f"arg_name must be a non-empty string, got {arg_name!r}")
        props: dict[str, Any] = {}
        origin: dict[str, str] = {}
        for keyword, value in {**(properties or {}), **(extra or {})}.items():
            key = camel_case(keyword)
            if key in _RESERVED_KEYS:
                raise FunctionLoadError(
                    f"{keyword}= cannot be given to a binding decorator: {key!r} is set from "
                    "arg_name, the binding type and data_type",
                    binding=arg_name,
                )
            if origin.setdefault(key, keyword) != keyword:
                raise FunctionLoadError(
                    f"{origin[key]}= and {keyword}= both name the binding property {key!r}; "
                    "give only one of them",
                    binding=arg_name,
                )
            if value is not None:
                props[key] = normalise(keyword, value, arg_name)
        return _Spec(arg_name, binding_type, direction, _data_type(data_type, arg_name), props)

    def _binding(
        self,
        binding_type: str,
        direction: str,
        arg_name: str,
        data_type: Any = None,
        properties: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
        *,
        default_route: bool = False,
        default_auth: bool = False,
    ) -> Callable[[F], F]:
        """A decorator adding one binding (see the module rules)."""
        spec = self._spec(binding_type, direction, arg_name, data_type, properties, extra)
        spec.default_route = default_route
        spec.default_auth = default_auth

        def decorator(func: F) -> F:
            self._entry(func).specs.append(spec)
            return func

        return decorator

    def function_name(
        self, name: str, setting_extra_fields: Mapping[str, Any] | None = None
    ) -> Callable[[F], F]:
        """Name the function (default: the Python function's ``__name__``).

        Raises:
            FunctionLoadError: if ``name`` is not a valid function name.
        """
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{0,127}", name):
            raise FunctionLoadError(
                f"function_name({name!r}): a function name starts with a letter and holds "
                "letters, digits, '_' and '-' only",
                function=name if isinstance(name, str) else None,
            )

        setting = {**(setting_extra_fields or {}), "function_name": name}

        def decorator(func: F) -> F:
            entry = self._entry(func)
            entry.name = name
            entry.settings["function_name"] = dict(setting)
            return func

        return decorator


class SettingsApi(DecoratorApi):
    """The settings decorators (``retry``), as ``azure-functions``' ``SettingsApi``."""

    def retry(
        self,
        strategy: str,
        max_retry_count: str | int,
        delay_interval: str | None = None,
        minimum_interval: str | None = None,
        maximum_interval: str | None = None,
        setting_extra_fields: Mapping[str, Any] | None = None,
    ) -> Callable[[F], F]:
        """Attach a retry policy (``fixed_delay`` or ``exponential_backoff``).

        Raises:
            FunctionLoadError: for an unknown strategy or a non-integer retry count.
        """
        resolved = _RETRY_STRATEGIES.get(str(strategy).lower())
        if resolved is None:
            raise FunctionLoadError(
                f"retry strategy {strategy!r} is not one of: fixed_delay, exponential_backoff"
            )
        try:
            count = int(max_retry_count)
        except (TypeError, ValueError):
            raise FunctionLoadError(
                f"max_retry_count={max_retry_count!r} is not an integer"
            ) from None
        policy: dict[str, Any] = {"strategy": resolved, "maxRetryCount": count}
        for key, value in (
            ("delayInterval", delay_interval),
            ("minimumInterval", minimum_interval),
            ("maximumInterval", maximum_interval),
            *((camel_case(k), v) for k, v in (setting_extra_fields or {}).items()),
        ):
            if value is not None:
                policy[key] = value

        setting = {
            "strategy": strategy, "max_retry_count": max_retry_count,
            "delay_interval": delay_interval, "minimum_interval": minimum_interval,
            "maximum_interval": maximum_interval, **(setting_extra_fields or {}),
        }

        def decorator(func: F) -> F:
            entry = self._entry(func)
            entry.retry = policy
            entry.settings["retry_policy"] = {k: v for k, v in setting.items() if v is not None}
            return func

        return decorator
