"""The converter registry: an explicit table from binding type to converter.

Rules this module keeps:

* Binding types are matched case-insensitively (``queueTrigger`` == ``queuetrigger``).
* The default registry knows every built-in binding through :data:`BUILTIN_BINDINGS`, a
  literal table from binding type to the module that defines its converter. A module is
  imported the first time one of its bindings is looked up, so ``import azfunc`` stays cheap.
  A binding module exposes ``CONVERTERS: dict[str, Converter]`` keyed by binding type.
* Lookup order: converters registered by the user, then the built-in table. ``get`` returns
  ``None`` for an unknown type (the worker then falls back to the ``generic`` converter);
  ``require`` raises :class:`~azfunc.BindingNotFoundError` saying how to register one.
* :attr:`BindingRegistry.version` counts the changes to the table, so a caller (the local
  host's direct path) may keep what it looked up and still see a converter registered
  after start.
* A converter that cannot handle a Datum raises :class:`~azfunc.ConversionError` naming the
  binding, the kind received and the kinds accepted. Never ``NotImplementedError``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final

from ._datum import Datum
from ._errors import (
    ArgumentTypeError,
    ArgumentValueError,
    BindingNotFoundError,
    ConversionError,
)

__all__ = [
    "BUILTIN_BINDINGS",
    "BindingRegistry",
    "Converter",
    "get_binding_registry",
    "register_converter",
]


class Converter:
    """Base class of binding converters: the surface a Python worker calls.

    Subclasses set :attr:`binding` and override what they support: :meth:`decode` for
    inputs and triggers, :meth:`encode` for outputs. The defaults refuse with a
    :class:`~azfunc.ConversionError`, so a converter only says what it can do.

    Example:
        >>> class Upper(Converter):
        ...     binding = "upper"
        ...     def check_input_type_annotation(self, pytype: object) -> bool:
        ...         return pytype is str
        ...     def decode(self, datum, *, trigger_metadata=None, pytype=None):
        ...         return str(self.expect(datum, "string")).upper()
        >>> Upper().decode(Datum("hi", "string"))
        'HI'
    """

    #: The binding type this converter serves (e.g. ``"queueTrigger"``).
    binding: str = ""

    def check_input_type_annotation(self, pytype: Any) -> bool:
        """Whether a parameter annotated ``pytype`` can receive this binding's input."""
        return False

    def check_output_type_annotation(self, pytype: Any) -> bool:
        """Whether ``Out[pytype]`` (or a return of ``pytype``) can be sent to this binding."""
        return False

    def has_implicit_output(self) -> bool:
        """Whether the binding produces an output without an explicit ``Out`` parameter."""
        return False

    def has_trigger_support(self) -> bool:
        """Whether this converter decodes a trigger (as opposed to a plain input)."""
        return False

    def decode(
        self,
        datum: Datum,
        *,
        trigger_metadata: Mapping[str, Datum] | None = None,
        pytype: Any = None,
    ) -> Any:
        """Turn a wire Datum (and trigger metadata) into the binding's Python value.

        ``pytype`` is the parameter's annotation when known; converters use it to pick
        cardinality or the form (``bytes``/``str``/binding type) the function asked for.

        Raises:
            ConversionError: if the Datum cannot be converted.
        """
        raise ConversionError(f"the {self.binding or type(self).__name__} binding has no input")

    def encode(self, obj: Any, *, expected_type: Any = None) -> Datum | None:
        """Turn a value the function produced into a wire Datum.

        Raises:
            ConversionError: if the value cannot be encoded for this binding.
        """
        raise ConversionError(
            f"the {self.binding or type(self).__name__} binding has no output"
        )

    # Helpers for subclasses -----------------------------------------------------------

    def expect(self, datum: Datum, *kinds: str) -> Any:
        """Return ``datum.value`` if its kind is one of ``kinds``.

        Raises:
            ConversionError: naming the binding, the kind received and the kinds accepted.
        """
        if not isinstance(datum, Datum):
            raise ConversionError(
                f"the {self.binding} binding expects a Datum, got {type(datum).__name__}"
            )
        if datum.type not in kinds:
            raise self.unsupported_kind(datum, kinds)
        return datum.value

    def unsupported_kind(self, datum: Datum, accepted: Iterable[str]) -> ConversionError:
        """The error for a Datum kind this binding cannot decode."""
        return ConversionError(
            f"the {self.binding} binding cannot decode a Datum of kind {datum.type!r}; "
            f"accepted kinds: {', '.join(accepted)}"
        )

    def unsupported_value(self, obj: Any, accepted: str) -> ConversionError:
        """The error for an output value this binding cannot encode."""
        return ConversionError(
            f"the {self.binding} binding cannot encode a value of type "
            f"{type(obj).__name__}; accepted: {accepted}"
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} binding={self.binding!r}>"


#: binding type (lower-cased) -> module defining ``CONVERTERS`` for it.
BUILTIN_BINDINGS: Final[Mapping[str, str]] = {
    "httptrigger": "azfunc.http._converters",
    "http": "azfunc.http._converters",
    "queuetrigger": "azfunc.bindings.queue",
    "queue": "azfunc.bindings.queue",
    "blobtrigger": "azfunc.bindings.blob",
    "blob": "azfunc.bindings.blob",
    "timertrigger": "azfunc.bindings.timer",
    "warmuptrigger": "azfunc.bindings.warmup",
    "eventhubtrigger": "azfunc.bindings.eventhub",
    "eventhub": "azfunc.bindings.eventhub",
    "servicebustrigger": "azfunc.bindings.servicebus",
    "servicebus": "azfunc.bindings.servicebus",
    "eventgridtrigger": "azfunc.bindings.eventgrid",
    "eventgrid": "azfunc.bindings.eventgrid",
    "cosmosdbtrigger": "azfunc.bindings.cosmosdb",
    "cosmosdb": "azfunc.bindings.cosmosdb",
    "kafkatrigger": "azfunc.bindings.kafka",
    "kafka": "azfunc.bindings.kafka",
    "sql": "azfunc.bindings.sql",
    "sqltrigger": "azfunc.bindings.sql",
    "mysql": "azfunc.bindings.sql",
    "mysqltrigger": "azfunc.bindings.sql",
    "orchestrationtrigger": "azfunc.bindings.durable",
    "entitytrigger": "azfunc.bindings.durable",
    "activitytrigger": "azfunc.bindings.durable",
    "durableclient": "azfunc.bindings.durable",
    "mcptooltrigger": "azfunc.bindings.mcp",
    "mcpresourcetrigger": "azfunc.bindings.mcp",
    "mcpprompttrigger": "azfunc.bindings.mcp",
    "generic": "azfunc.bindings.generic",
}


class BindingRegistry:
    """An explicit table from binding type to converter.

    Example:
        >>> registry = get_binding_registry().copy()
        >>> registry.get("queueTrigger").binding
        'queueTrigger'
        >>> registry.get("nosuchbinding") is None
        True
    """

    def __init__(
        self,
        converters: Mapping[str, Converter] | None = None,
        *,
        builtins: Mapping[str, str] | None = None,
    ) -> None:
        self._user: dict[str, Converter] = {}
        self._builtins: dict[str, str] = dict(builtins or {})
        self._loaded: dict[str, Converter] = {}
        self._version = 0
        for binding, converter in (converters or {}).items():
            self.register(binding, converter)

    @property
    def version(self) -> int:
        """A counter of changes to the table (:meth:`register`, :meth:`unregister`): while
        it reads the same, every :meth:`get` answers as before, so a caller may keep them.

        Example:
            >>> registry = BindingRegistry()
            >>> before = registry.version
            >>> registry.register("demo", Converter())
            >>> registry.version > before
            True
        """
        return self._version

    def get(self, binding: str) -> Converter | None:
        """The converter for ``binding``, or ``None`` when none is registered."""
        key = binding.lower()
        found = self._user.get(key) or self._loaded.get(key)
        if found is not None:
            return found
        module_name = self._builtins.get(key)
        if module_name is None:
            return None
        module = importlib.import_module(module_name)
        table: Mapping[str, Converter] = module.CONVERTERS
        for name, converter in table.items():
            self._loaded.setdefault(name.lower(), converter)
        return self._loaded.get(key)

    def require(self, binding: str) -> Converter:
        """The converter for ``binding``.

        Raises:
            BindingNotFoundError: if none is registered, saying how to register one.
        """
        converter = self.get(binding)
        if converter is None:
            raise BindingNotFoundError(
                f"no converter is registered for binding type {binding!r}; register one "
                f"with azfunc.get_binding_registry().register({binding!r}, MyConverter())"
            )
        return converter

    def get_or_generic(self, binding: str) -> Converter:
        """The converter for ``binding``, or the ``generic`` one for unknown types."""
        return self.get(binding) or self.require("generic")

    def register(self, binding: str, converter: Converter, *, replace: bool = True) -> None:
        """Register ``converter`` for ``binding``; it takes precedence over built-ins.

        Raises:
            ArgumentTypeError: if ``converter`` lacks both ``decode`` and ``encode``.
            ArgumentValueError: if ``replace`` is false and a user converter is registered
                already.
        """
        if not (hasattr(converter, "decode") or hasattr(converter, "encode")):
            raise ArgumentTypeError(f"{converter!r} has neither decode() nor encode()")
        key = binding.lower()
        if not replace and key in self._user:
            raise ArgumentValueError(f"a converter for {binding!r} is registered already")
        self._user[key] = converter
        self._version += 1

    def unregister(self, binding: str) -> None:
        """Remove a user-registered converter; built-ins come back into view."""
        self._user.pop(binding.lower(), None)
        self._version += 1

    def copy(self) -> BindingRegistry:
        """An independent registry with the same table."""
        clone = BindingRegistry(builtins=self._builtins)
        clone._user = dict(self._user)
        clone._loaded = dict(self._loaded)
        return clone

    def bindings(self) -> list[str]:
        """Every binding type this registry can serve, lower-cased and sorted."""
        return sorted({*self._builtins, *self._user, *self._loaded})

    def __contains__(self, binding: object) -> bool:
        return isinstance(binding, str) and self.get(binding) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.bindings())

    def __repr__(self) -> str:
        return f"<BindingRegistry {len(self.bindings())} bindings>"


_DEFAULT = BindingRegistry(builtins=BUILTIN_BINDINGS)


def get_binding_registry() -> BindingRegistry:
    """The process-wide default registry, holding every built-in binding."""
    return _DEFAULT


def register_converter(binding: str, converter: Converter, *, replace: bool = True) -> None:
    """Register ``converter`` for ``binding`` in the default registry (the ``azure-functions``
    spelling of ``get_binding_registry().register(...)``).

    Example:
        >>> class Upper(Converter):
        ...     binding = "upperDemo"
        >>> register_converter("upperDemo", Upper())
        >>> get_binding_registry().get("upperdemo").binding
        'upperDemo'
        >>> get_binding_registry().unregister("upperDemo")

    Raises:
        ArgumentTypeError: if ``converter`` lacks both ``decode`` and ``encode``.
        ArgumentValueError: if ``replace`` is false and one is registered already.
    """
    _DEFAULT.register(binding, converter, replace=replace)
