"""The one function-app metadata model, fed by ``function.json`` folders and by decorators.

Rules this module keeps:

* :class:`BindingInfo` holds a binding exactly as ``function.json`` writes it: ``name``,
  ``type`` (spelling kept), ``direction`` (normalised to ``"in"``/``"out"``/``"inout"``),
  ``dataType`` (normalised to ``"string"``/``"binary"``/``"stream"`` or ``None``) and every
  other key untouched in :attr:`BindingInfo.properties`.
* A binding is a trigger when its type ends with ``Trigger`` (case-insensitive); the return
  value binding is the one named ``$return``.
* :meth:`FunctionInfo.to_function_json` renders the ``function.json`` content, so any app
  (decorators included) can be written out in the folder layout.
* Malformed entries raise :class:`~azfunc.FunctionLoadError` naming the function and key.
* Function names are case-insensitive, as the host treats them: :func:`fold_name` is the one
  comparison key, and :class:`FunctionIndex` the one lookup by name (exact spelling first,
  then folded), raising :class:`~azfunc.FunctionNotFoundError` with ``function=`` set.
* :class:`FunctionInfo` is frozen, so what is derived from its code is worked out once:
  :attr:`FunctionInfo.is_async` is cached on the instance (``dataclasses.replace`` makes a
  new instance and so a new cache), and the invocation plan of
  :mod:`azfunc.app.invocation` is kept in the instance dict too.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from .._errors import FunctionLoadError, FunctionNotFoundError

__all__ = [
    "DIRECTIONS",
    "RETURN",
    "BindingInfo",
    "FunctionIndex",
    "FunctionInfo",
    "fold_name",
    "several_triggers",
]

#: the name of the binding that receives the function's return value.
RETURN: Final = "$return"
#: binding directions, as normalised.
DIRECTIONS: Final = frozenset({"in", "out", "inout"})
_DATA_TYPES: Final = frozenset({"string", "binary", "stream"})
_RESERVED: Final = frozenset({"name", "type", "direction", "dataType"})


@dataclass(frozen=True, slots=True)
class BindingInfo:
    """One binding of a function: a ``bindings`` entry of ``function.json``.

    Example:
        >>> b = BindingInfo("msg", "queueTrigger", "in", properties={"queueName": "q"})
        >>> b.is_trigger, b.is_return
        (True, False)
        >>> b.to_json()
        {'name': 'msg', 'type': 'queueTrigger', 'direction': 'in', 'queueName': 'q'}

    Raises:
        FunctionLoadError: if the direction or data type is not a known value, or a reserved
            key (``name``, ``type``, ``direction``, ``dataType``) is among the properties.
    """

    name: str
    type: str
    direction: str = "in"
    data_type: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        direction = str(self.direction).strip().lower()
        if direction not in DIRECTIONS:
            raise FunctionLoadError(
                f"binding {self.name!r} has direction {self.direction!r}; "
                f"use one of {', '.join(sorted(DIRECTIONS))}"
            )
        object.__setattr__(self, "direction", direction)
        data_type = self.data_type
        if data_type is not None:
            data_type = str(getattr(data_type, "value", data_type)).strip().lower()
            if data_type == "undefined":
                data_type = None
            elif data_type not in _DATA_TYPES:
                raise FunctionLoadError(
                    f"binding {self.name!r} has dataType {self.data_type!r}; "
                    f"use one of {', '.join(sorted(_DATA_TYPES))}"
                )
        object.__setattr__(self, "data_type", data_type)
        clash = _RESERVED.intersection(self.properties)
        if clash:
            raise FunctionLoadError(
                f"binding {self.name!r}: {', '.join(sorted(clash))} cannot be a property"
            )
        object.__setattr__(self, "properties", MappingProxyType(dict(self.properties)))

    @classmethod
    def from_json(cls, entry: Any) -> BindingInfo:
        """Read one ``bindings`` entry of ``function.json``.

        Example:
            >>> BindingInfo.from_json({"name": "$return", "type": "http", "direction": "out"})
            BindingInfo(name='$return', type='http', direction='out', data_type=None, ...)

        Raises:
            FunctionLoadError: if the entry is not an object, lacks ``name``/``type`` as
                strings, or has an unknown direction or data type.
        """
        if not isinstance(entry, Mapping):
            raise FunctionLoadError(f"a binding must be a JSON object, got {entry!r}")
        name = entry.get("name")
        kind = entry.get("type")
        if not isinstance(name, str) or not name:
            raise FunctionLoadError(f"a binding has no \"name\" string: {dict(entry)!r}")
        if not isinstance(kind, str) or not kind:
            raise FunctionLoadError(f"binding {name!r} has no \"type\" string")
        direction = entry.get("direction", "in")
        if not isinstance(direction, str):
            raise FunctionLoadError(f"binding {name!r} has a non-string direction")
        props = {k: v for k, v in entry.items() if k not in _RESERVED}
        return cls(name, kind, direction, entry.get("dataType"), props)

    @property
    def is_trigger(self) -> bool:
        """Whether this binding triggers the function (its type ends with ``Trigger``)."""
        return self.type.lower().endswith("trigger")

    @property
    def is_return(self) -> bool:
        """Whether this binding receives the return value (its name is ``$return``)."""
        return self.name == RETURN

    @property
    def is_input(self) -> bool:
        """Whether the binding hands a value to the function (direction in or inout)."""
        return self.direction in ("in", "inout")

    @property
    def cardinality(self) -> str | None:
        """The ``cardinality`` property lower-cased (``"one"``/``"many"``), if set."""
        value = self.properties.get("cardinality")
        return str(getattr(value, "value", value)).lower() if value is not None else None

    def to_json(self) -> dict[str, Any]:
        """The ``function.json`` entry of this binding."""
        out: dict[str, Any] = {"name": self.name, "type": self.type, "direction": self.direction}
        if self.data_type is not None:
            out["dataType"] = self.data_type
        out.update(self.properties)
        return out


@dataclass(frozen=True)
class FunctionInfo:
    """A function of an app: its code, its bindings and where it lives.

    Example:
        >>> def main(req): ...
        >>> info = FunctionInfo(
        ...     name="hello", func=main,
        ...     bindings=(BindingInfo("req", "httpTrigger", "in"),
        ...               BindingInfo("$return", "http", "out")),
        ...     directory=None, script_file="__init__.py", entry_point="main")
        >>> info.trigger.type, info.return_binding.type, info.is_async
        ('httpTrigger', 'http', False)
        >>> info.to_function_json()["entryPoint"]
        'main'
        >>> info.get_function_name(), info.get_user_function() is main
        ('hello', True)
    """

    name: str
    func: Callable[..., Any]
    bindings: tuple[BindingInfo, ...] = ()
    directory: Path | None = None
    script_file: str = "__init__.py"
    entry_point: str = "main"
    disabled: bool = False
    #: the retry policy (``function.json`` ``retry`` object), if any.
    retry: Mapping[str, Any] | None = None
    #: how the worker serves an HTTP function: ``function`` (default), ``asgi`` or ``wsgi``.
    http_type: str = "function"

    @property
    def trigger(self) -> BindingInfo | None:
        """The first trigger binding, or ``None``."""
        return next((b for b in self.bindings if b.is_trigger), None)

    @property
    def triggers(self) -> tuple[BindingInfo, ...]:
        """Every trigger binding (a valid function has exactly one)."""
        return tuple(b for b in self.bindings if b.is_trigger)

    @property
    def return_binding(self) -> BindingInfo | None:
        """The ``$return`` binding, or ``None``."""
        return next((b for b in self.bindings if b.is_return), None)

    @property
    def input_bindings(self) -> tuple[BindingInfo, ...]:
        """Bindings handing a value to the function (trigger included)."""
        return tuple(b for b in self.bindings if b.is_input and not b.is_return)

    @property
    def output_bindings(self) -> tuple[BindingInfo, ...]:
        """Output bindings set through ``Out`` parameters (``$return`` excluded)."""
        return tuple(b for b in self.bindings if b.direction == "out" and not b.is_return)

    @functools.cached_property
    def is_async(self) -> bool:
        """Whether the function is a coroutine function (runs on the event loop; cached)."""
        func = inspect.unwrap(self.func)
        if inspect.iscoroutinefunction(func):
            return True
        if inspect.isroutine(func) or not callable(func):
            return False
        return inspect.iscoroutinefunction(type(func).__call__)  # a callable object

    def binding(self, name: str) -> BindingInfo | None:
        """The binding called ``name``, or ``None``."""
        return next((b for b in self.bindings if b.name == name), None)

    # azure-functions compatible accessors (``app.get_functions()[0].get_function_name()``)

    def get_function_name(self) -> str:
        """The function name (``azure-functions`` spelling of :attr:`name`)."""
        return self.name

    def get_user_function(self) -> Callable[..., Any]:
        """The user's function (``azure-functions`` spelling of :attr:`func`)."""
        return self.func

    def get_bindings(self) -> list[BindingInfo]:
        """The bindings as a list (``azure-functions`` spelling of :attr:`bindings`)."""
        return list(self.bindings)

    def get_trigger(self) -> BindingInfo | None:
        """The trigger binding (``azure-functions`` spelling of :attr:`trigger`)."""
        return self.trigger

    def get_function_json(self) -> str:
        """:meth:`to_function_json` as JSON text, as ``azure-functions`` returns it."""
        return json.dumps(self.to_function_json())

    def to_function_json(self) -> dict[str, Any]:
        """The ``function.json`` content of this function."""
        out: dict[str, Any] = {
            "scriptFile": self.script_file,
            "entryPoint": self.entry_point,
            "bindings": [b.to_json() for b in self.bindings],
            "disabled": self.disabled,
        }
        if self.retry is not None:
            out["retry"] = dict(self.retry)
        return out


def several_triggers(info: FunctionInfo) -> str | None:
    """Why ``info`` has more than one trigger, in the one wording indexing, ``azfunc check``
    and the worker bridge share; ``None`` with at most one.

    Example (``...`` stands for "a function has exactly one"):
        >>> t = BindingInfo("a", "queueTrigger"), BindingInfo("b", "timerTrigger")
        >>> print(several_triggers(FunctionInfo("f", lambda a, b: None, t)))
        it has 2 triggers ('a' (queueTrigger), 'b' (timerTrigger)); ...
    """
    triggers = info.triggers
    if len(triggers) <= 1:
        return None
    listed = ", ".join(f"{b.name!r} ({b.type})" for b in triggers)
    return (f"it has {len(triggers)} triggers "
            f"({listed}); a function has exactly one")


def fold_name(name: str) -> str:
    """The key function names are compared by (the host matches them case-insensitively).

    Example:
        >>> fold_name("HttpTrigger") == fold_name("httptrigger")
        True
    """
    return name.casefold()


class FunctionIndex(Mapping[str, FunctionInfo]):
    """An app's functions by name: a read-only mapping with the one case-insensitive lookup.

    Iteration and ``index[name]`` use the exact names (the first function of a name wins);
    :meth:`find` and :meth:`lookup` also match a name spelled in another case.

    Example:
        >>> def main(msg): ...
        >>> index = FunctionIndex([FunctionInfo("Hello", main)])
        >>> list(index), index.lookup("hello").name, index.find("nope")
        (['Hello'], 'Hello', None)
        >>> index.lookup("nope")
        Traceback (most recent call last):
        ...
        azfunc._errors.FunctionNotFoundError: no function named 'nope'; the functions: Hello
    """

    __slots__ = ("_by_name", "_folded")

    def __init__(self, functions: Iterable[FunctionInfo] = ()) -> None:
        by_name: dict[str, FunctionInfo] = {}
        folded: dict[str, FunctionInfo] = {}
        for info in functions:
            by_name.setdefault(info.name, info)
            folded.setdefault(fold_name(info.name), info)
        self._by_name = by_name
        self._folded = folded

    def __getitem__(self, name: str) -> FunctionInfo:
        return self._by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def __repr__(self) -> str:
        return f"FunctionIndex({sorted(self._by_name)!r})"

    def find(self, name: str) -> FunctionInfo | None:
        """The function called ``name`` (any case), or ``None``."""
        found = self._by_name.get(name)
        if found is None:
            found = self._folded.get(fold_name(name))
        return found

    def lookup(self, name: str, *, where: str = "") -> FunctionInfo:
        """The function called ``name`` (any case).

        ``where`` (e.g. ``"the app at /path"``) prefixes the message.

        Raises:
            FunctionNotFoundError: if there is none; ``function`` is ``name``.
        """
        found = self.find(name)
        if found is None:
            known = ", ".join(sorted(self._by_name)) or "none"
            prefix = f"{where} has " if where else ""
            raise FunctionNotFoundError(
                f"{prefix}no function named {name!r}; "
                f"{'its' if where else 'the'} functions: {known}",
                function=name,
            )
        return found
