"""Converters in the ``azure.functions`` registry through which the worker decodes and encodes.

Rules this module keeps:

* Decorator apps: every binding of an azfunc function that azfunc converts reaches the worker
  with its type as a :class:`BindingKey`, a ``str`` equal to the real type in content (what
  the host is sent) but hashed and compared by identity, so the registry lookup the worker
  does with it finds a :class:`ParamBridge` of its own. That bridge answers every question
  with azfunc's converter and decodes with the exact annotation it was checked with:
  per parameter, whatever else the process runs.
* Folder apps (the worker reads types from ``function.json``, so they cannot be keyed):
  :class:`BridgeConverter` stands in the place of ``azure.functions``' converter for one
  binding type (kept as :attr:`BridgeConverter.original`). A parameter annotated with an
  azfunc class is answered by azfunc, and its annotation remembered; any other by the
  original, unchanged. The worker does not tell ``decode`` which function it decodes for,
  so a binding type is decoded by azfunc when azfunc parameters use it and no
  ``azure.functions`` parameter does (``pytype`` is their annotation when they agree).
  Outputs are encoded by the SDK the value belongs to; plain values follow the decoder.
* The worker calls exactly the surface of ``azure.functions``' converters:
  ``check_input_type_annotation``, ``check_output_type_annotation``,
  ``decode(datum, trigger_metadata=...)``, ``encode(obj, expected_type=...)``,
  ``has_implicit_output()``, ``has_trigger_support()``.
* Datums cross the boundary through :mod:`azfunc.wire.python_worker` only. Errors are
  azfunc's own (:class:`~azfunc.ConversionError` and kin): the worker reports them as that
  invocation's failure, with the message, and goes on.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any

from .. import _typed
from .._datum import Datum
from .._registry import Converter, get_binding_registry
from ..wire.python_worker import (
    datum_from_worker,
    datum_to_worker,
    http_parts_from_worker,
    http_response_to_worker,
    metadata_from_worker,
)

__all__ = [
    "BindingKey",
    "BridgeConverter",
    "ParamBridge",
    "RefusedBody",
    "install_converters",
    "is_azfunc_annotation",
    "is_azfunc_value",
    "param_key",
]


def _module_of(obj: Any) -> str:
    return str(getattr(obj, "__module__", "") or "")


def _names(tp: Any, root: str) -> bool:
    if tp is None:
        return False
    if isinstance(tp, type) and _module_of(tp).partition(".")[0] == root:
        return True
    return any(_names(arg, root) for arg in typing.get_args(tp))


def is_azfunc_annotation(tp: Any) -> bool:
    """Whether the annotation names an azfunc class (``list[azfunc.EventHubEvent]`` does)."""
    return _names(tp, "azfunc")


def is_azfunc_value(obj: Any) -> bool:
    """Whether ``obj`` is an instance of an azfunc class."""
    return _module_of(type(obj)).partition(".")[0] == "azfunc"


def _is_af_value(obj: Any) -> bool:
    return _module_of(type(obj)).startswith("azure.functions")


class BridgeConverter:
    """Answers the worker for one binding type, for azfunc's parameters and for the rest."""

    def __init__(self, binding: str, original: Any) -> None:
        self.binding = binding
        #: the ``azure.functions`` converter this one stands in for (``None`` if it had none).
        self.original = original
        self._azfunc: Converter | None = None
        self._in_types: list[Any] = []
        self._out_types: list[Any] = []
        self._af_in = False
        self._af_out = False

    # -- which SDK answers -------------------------------------------------------------

    @property
    def azfunc(self) -> Converter:
        """azfunc's converter for this binding type (looked up on first use)."""
        conv = self._azfunc
        if conv is None:
            conv = get_binding_registry().require(self.binding)
            self._azfunc = conv
        return conv

    def _claims(self, pytype: Any) -> bool:
        return self.original is None or is_azfunc_annotation(pytype)

    def _decodes(self) -> bool:
        return self.original is None or (bool(self._in_types) and not self._af_in)

    def _pytype(self, seen: list[Any]) -> Any:
        return seen[0] if len(seen) == 1 else None

    @staticmethod
    def _remember(seen: list[Any], pytype: Any) -> None:
        if not any(pytype == known for known in seen):
            seen.append(pytype)

    # -- the converter surface the worker calls ----------------------------------------

    def check_input_type_annotation(self, pytype: Any, *args: Any) -> bool:
        if not self._claims(pytype):
            ok = bool(self.original.check_input_type_annotation(pytype, *args))
            self._af_in = self._af_in or ok
            return ok
        ok = bool(self.azfunc.check_input_type_annotation(pytype))
        if ok:
            self._remember(self._in_types, pytype)
        return ok

    def check_output_type_annotation(self, pytype: Any) -> bool:
        if not self._claims(pytype):
            ok = bool(self.original.check_output_type_annotation(pytype))
            self._af_out = self._af_out or ok
            return ok
        ok = bool(self.azfunc.check_output_type_annotation(pytype))
        if ok:
            self._remember(self._out_types, pytype)
        return ok

    def has_trigger_support(self) -> bool:
        if self.original is not None and self.original.has_trigger_support():
            return True
        return self._azfunc_has("has_trigger_support")

    def has_implicit_output(self, *args: Any) -> bool:
        if self.original is not None:
            return bool(getattr(self.original, "has_implicit_output", lambda: False)())
        return self._azfunc_has("has_implicit_output")

    def _azfunc_has(self, question: str) -> bool:
        conv = get_binding_registry().get(self.binding)
        return conv is not None and bool(getattr(conv, question)())

    def decode(self, data: Any, *, trigger_metadata: Mapping[str, Any] | None = None,
               **kwargs: Any) -> Any:
        if not self._in_types and self.original is not None:  # no azfunc parameter uses it
            return self.original.decode(data, trigger_metadata=trigger_metadata, **kwargs)
        if not self._decodes():
            return self.original.decode(data, trigger_metadata=trigger_metadata, **kwargs)
        conv = self.azfunc
        metadata = metadata_from_worker(trigger_metadata) if conv.has_trigger_support() else None
        return conv.decode(
            datum_from_worker(data),
            trigger_metadata=metadata,
            pytype=self._pytype(self._in_types),
        )

    def encode(self, obj: Any, *, expected_type: Any = None) -> Any:
        if (self.original is not None and not self._in_types and not self._out_types
                and not is_azfunc_value(obj)):
            return self.original.encode(obj, expected_type=expected_type)
        if self._encodes(obj, expected_type):
            return datum_to_worker(self.azfunc.encode(obj, expected_type=expected_type))
        return self.original.encode(obj, expected_type=expected_type)

    def _encodes(self, obj: Any, expected_type: Any) -> bool:
        if self.original is None or is_azfunc_value(obj):
            return True
        if _is_af_value(obj):
            return False
        if any(expected_type == known for known in self._out_types):
            return True
        if self._af_out or self._af_in:
            return False
        return bool(self._out_types) or bool(self._in_types)

    def __repr__(self) -> str:
        return f"<BridgeConverter {self.binding!r} original={self.original!r}>"


class BindingKey(str):
    """A binding type that keys one parameter: its text is the type, it equals only itself.

    Example:
        >>> key = BindingKey("queueTrigger")
        >>> str(key), key == "queueTrigger", key == key, {key: 1}.get("queueTrigger")
        ('queueTrigger', False, True, None)
    """

    #: object's own C hash (by identity), not a Python method: the worker hashes the key on
    #: every registry lookup, several times per invocation.
    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other


class RefusedBody:
    """What an HTTP trigger's typed parameter receives when the body does not match its
    model: the worker-side wrapper (:func:`~azfunc.msworker.indexing.with_azfunc_context`)
    answers 422 with its problem details instead of calling the function."""

    __slots__ = ("error",)

    def __init__(self, error: _typed.PayloadValidationError) -> None:
        self.error = error

    def response(self) -> Any:
        """The 422 ``application/problem+json`` answer (RFC 9457)."""
        import json

        from ..http.response import HttpResponse

        return HttpResponse(json.dumps(_typed.problem_details(self.error)), status_code=422,
                            mimetype="application/problem+json")


def _typed_output(binding: str, obj: Any) -> Any:
    """A model instance (or a list of them) as JSON: a JSON response for an HTTP output,
    JSON text for any other binding; any other value unchanged (as azfunc's own hosts)."""
    jsonable = _typed.to_jsonable(obj)
    if jsonable is obj:
        return obj
    import json

    text = json.dumps(jsonable)
    if binding.lower() == "http":
        from ..http.response import HttpResponse

        return HttpResponse(text, mimetype="application/json")
    return text


class ParamBridge:
    """Answers the worker for one binding of one azfunc function, with azfunc's converter.

    A parameter annotated with a model (:mod:`azfunc._typed`) is decoded as the binding
    object and validated into the model; an HTTP body that does not match becomes a
    :class:`RefusedBody`, any other binding's a failed invocation (the message is retried).
    A model returned or set is encoded as JSON.

    An HTTP trigger read as a plain :class:`~azfunc.HttpRequest` and an ``http`` output of
    a plain :class:`~azfunc.HttpResponse`, both with azfunc's own converters, take direct
    paths decided once per binding (:meth:`_plan`): the request is built from the
    worker's parts and the response goes to the worker's shape, with no intermediate
    ``HttpRequestData``/``HttpResponseData`` and no re-conversion of the trigger metadata,
    which the HTTP converter does not read.
    """

    def __init__(self, binding: str, azfunc: Converter, original: Any) -> None:
        self.binding = binding
        self.azfunc = azfunc
        self.original = original
        self.pytype: Any = None
        #: the model a typed-payload parameter is validated into (``None``: not typed).
        self.model: Any = None
        self._trigger: bool | None = None
        #: the class a request is built as directly, the class encoded directly (``None``:
        #: the general path), once :attr:`_planned`.
        self._request_class: Any = None
        self._response_class: Any = None
        self._planned = False

    def _plan(self) -> None:
        """Decide the direct HTTP paths, on the first call (the annotation is checked by
        then and never changes)."""
        from ..http._converters import HttpRequestConverter, HttpResponseConverter
        from ..http.request import HttpRequest
        from ..http.response import HttpResponse

        binding = self.binding.lower()
        if (binding == "httptrigger" and type(self.azfunc) is HttpRequestConverter
                and self.model is None and self.pytype in (None, HttpRequest)):
            self._request_class = HttpRequest
        if binding == "http" and type(self.azfunc) is HttpResponseConverter:
            self._response_class = HttpResponse
        self._planned = True

    def check_input_type_annotation(self, pytype: Any, *args: Any) -> bool:
        if _typed.accepts(self.binding, pytype):
            self.model = pytype
            return True
        ok = bool(self.azfunc.check_input_type_annotation(pytype))
        if ok:
            self.pytype = pytype
        return ok

    def check_output_type_annotation(self, pytype: Any) -> bool:
        if _typed.accepts(self.binding, pytype, output=True):
            return True
        ok = bool(self.azfunc.check_output_type_annotation(pytype))
        if ok:
            self.pytype = pytype
        return ok

    def has_trigger_support(self) -> bool:
        trigger = self._trigger
        if trigger is None:  # asked on every invocation: the converter's answer, once
            trigger = self._trigger = bool(self.azfunc.has_trigger_support())
        return trigger

    def has_implicit_output(self, *args: Any) -> bool:
        if self.original is not None:
            return bool(getattr(self.original, "has_implicit_output", lambda: False)())
        return self.azfunc.has_implicit_output()

    def decode(self, data: Any, *, trigger_metadata: Mapping[str, Any] | None = None,
               **kwargs: Any) -> Any:
        """The binding object (or, for a typed parameter, the validated model).

        Raises:
            PayloadValidationError: if a non-HTTP typed payload does not match its model.
        """
        if not self._planned:
            self._plan()
        request_class = self._request_class
        if request_class is not None and type(data) is not Datum:
            try:
                http = data.type == "http"
            except AttributeError:
                http = False
            if http:  # what the HTTP converter builds from the same parts
                return request_class._from_wire(*http_parts_from_worker(data.value))
        value = self.azfunc.decode(
            datum_from_worker(data),
            trigger_metadata=metadata_from_worker(trigger_metadata) if trigger_metadata else {},
            pytype=self.pytype if self.model is None else None,
        )
        if self.model is None:
            return value
        try:
            return _typed.decode_binding_value(value, self.model)
        except _typed.PayloadValidationError as exc:
            if self.binding.lower() == "httptrigger":
                return RefusedBody(exc)
            raise

    def encode(self, obj: Any, *, expected_type: Any = None) -> Any:
        if not self._planned:
            self._plan()
        if type(obj) is self._response_class:  # what encode_response and datum_to_worker give
            return http_response_to_worker(
                int(obj.status_code), obj.headers.items(), obj.get_body())
        typed = _typed_output(self.binding, obj)
        if typed is not obj:
            return datum_to_worker(self.azfunc.encode(typed, expected_type=None))
        return datum_to_worker(self.azfunc.encode(obj, expected_type=expected_type))

    def __repr__(self) -> str:
        return f"<ParamBridge {self.binding!r} pytype={self.pytype!r}>"


_TABLE: list[dict[Any, Any]] = []


def param_key(binding_type: str) -> str:
    """The type to hand the worker for one binding of an azfunc decorator function: a fresh
    :class:`BindingKey` with its :class:`ParamBridge` registered, or ``binding_type`` itself
    when azfunc has no converter for it (or the bridge is not installed)."""
    if not _TABLE:
        return binding_type
    conv = get_binding_registry().get(binding_type)
    if conv is None or binding_type.lower() == "generic":
        return binding_type
    table = _TABLE[0]
    original = table.get(binding_type)
    if isinstance(original, BridgeConverter):
        original = original.original
    key = BindingKey(binding_type)
    table[key] = ParamBridge(binding_type, conv, original)
    return key


#: azfunc's spellings of binding types ``azure.functions`` 2.x does not register.
_AZFUNC_ONLY = ("sqlTrigger",)

#: binding type (as the worker looks it up) -> the bridge installed for it.
BRIDGES: dict[str, BridgeConverter] = {}


def install_converters(
    table: dict[Any, Any], *, by_type: bool = True
) -> dict[str, BridgeConverter]:
    """Remember ``table`` (the ``azure.functions`` registry's dict) for :func:`param_key`
    and, with ``by_type`` (a worker that loads folder apps), put a :class:`BridgeConverter`
    in it for every binding type azfunc converts; idempotent.

    Binding types azfunc knows but ``azure.functions`` does not (``sqlTrigger``) are added
    under azfunc's spelling, with no original. A worker for decorator apps only gets no
    type-level bridges, so an ``azure.functions`` app there runs exactly as without azfunc.
    """
    if not _TABLE:
        _TABLE.append(table)
    if not by_type:
        return BRIDGES
    known = set(get_binding_registry().bindings())
    names = {key for key in table if type(key) is str} | set(_AZFUNC_ONLY)
    for name in sorted(names, key=str):
        current = table.get(name)
        if isinstance(current, BridgeConverter):
            BRIDGES[name] = current
            continue
        if name.lower() not in known or name.lower() == "generic":
            continue
        bridge = BridgeConverter(name, current)
        table[name] = bridge
        BRIDGES[name] = bridge
    return BRIDGES
