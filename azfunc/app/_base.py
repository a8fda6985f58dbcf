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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Final, TypeVar

from .._errors import ArgumentTypeError, FunctionLoadError
from .enums import AccessRights, AuthLevel, Cardinality, DataType, enum_value
from .model import BindingInfo, FunctionInfo

__all__ = ["F", "DecoratorBase"]

F = TypeVar("F", bound=Callable[..., Any])

#: keyword -> enum whose spellings it accepts.
_ENUM_KEYWORDS: Final[Mapping[str, type[Enum]]] = {
    "cardinality": Cardinality,
    "access_rights": AccessRights,
    "auth_level": AuthLevel,
}

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


def _normalise(keyword: str, value: Any, binding: str) -> Any:
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


@dataclass
class _Entry:
    func: Callable[..., Any]
    specs: list[_Spec] = field(default_factory=list)
    name: str | None = None
    retry: dict[str, Any] | None = None

    def build(self, auth_level: str) -> FunctionInfo:
        py_name = str(getattr(self.func, "__name__", "function"))
        name = self.name or py_name
        ordered = list(reversed(self.specs))  # decorators apply bottom-up
        ordered.sort(key=lambda spec: not spec.type.lower().endswith("trigger"))
        return FunctionInfo(
            name=name,
            func=self.func,
            bindings=tuple(spec.build(name, auth_level) for spec in ordered),
            directory=None,
            script_file="function_app.py",
            entry_point=py_name,
            retry=self.retry,
        )


class DecoratorBase:
    """What every decorator of :class:`FunctionApp` and :class:`Blueprint` is built on."""

    #: the HTTP auth level of ``route`` triggers that do not give one (None: inherit).
    _auth_level: str | None = None

    def __init__(self) -> None:
        self._entries: dict[Callable[..., Any], _Entry] = {}

    def _entry(self, func: Callable[..., Any]) -> _Entry:
        if not callable(func):
            raise ArgumentTypeError(f"a decorator was applied to {func!r}, which is not callable")
        entry = self._entries.get(func)
        if entry is None:
            entry = self._entries[func] = _Entry(func)
        return entry

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
                props[key] = _normalise(keyword, value, arg_name)
        spec = _Spec(
            arg_name,
            binding_type,
            direction,
            _data_type(data_type, arg_name),
            props,
            default_route=default_route,
            default_auth=default_auth,
        )

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

        def decorator(func: F) -> F:
            self._entry(func).name = name
            return func

        return decorator

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

        def decorator(func: F) -> F:
            self._entry(func).retry = policy
            return func

        return decorator
