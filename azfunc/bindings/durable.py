"""Durable Functions: orchestration, entity and activity triggers and the durable client.

Rules this module keeps:

* :class:`OrchestrationContext` and :class:`EntityContext` hold the JSON text the Durable
  extension sends (``body``; ``str()`` gives it too, as in azure-functions); ``get_json()``
  parses it through :func:`azfunc._body.decode_json_body` and ``get_body()`` is its UTF-8 bytes.
* Orchestrator and entity results are sent as ``json`` Datums: text is sent as is (the
  ``azure-functions-durable`` SDK hands over JSON text already), other values are
  JSON-serialised.
* Activity input is JSON: it is parsed, and text that is not JSON is passed through as text.
  Activity output is JSON-serialised; an object with ``to_json()`` is wrapped in the
  ``{"__class__", "__module__", "__data__"}`` envelope the Durable SDK reads. Custom objects
  are never reconstructed on input (no import by name from the wire).
* ``durableClient`` input is the client JSON text (``str``; ``bytes`` when annotated so).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from .._body import decode_json_body
from .._datum import Datum
from .._errors import ArgumentTypeError, ConversionError
from .._registry import Converter
from .._typing import unwrap_optional
from ._bodies import payload_value
from ._cardinality import annotation_allows
from ._encode import MessageOutputConverter
from ._value import BindingValue

__all__ = [
    "CONVERTERS",
    "ActivityTriggerConverter",
    "DurableClientConverter",
    "EntityContext",
    "EntityTriggerConverter",
    "OrchestrationContext",
    "OrchestrationTriggerConverter",
]


class _JsonTextContext(BindingValue):
    __slots__ = ("_body",)

    def __init__(self, body: str | bytes = "") -> None:
        if isinstance(body, (bytes, bytearray)):
            try:
                body = bytes(body).decode("utf-8")
            except UnicodeDecodeError:
                raise ConversionError(
                    f"{type(self).__name__} body must be UTF-8 JSON text"
                ) from None
        if not isinstance(body, str):
            raise ArgumentTypeError(
                f"{type(self).__name__} body must be str or bytes, got {type(body).__name__}"
            )
        self._body: str = body

    @property
    def body(self) -> str:
        """The JSON text the Durable extension sent."""
        return self._body

    def get_body(self) -> bytes:
        """The JSON text as UTF-8 bytes."""
        return self._body.encode("utf-8")

    def get_json(self) -> Any:
        """The JSON text parsed.

        Raises:
            BodyDecodeError: if the text is empty or not JSON.
        """
        return decode_json_body(self._body)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._body == other._body

    def __str__(self) -> str:
        return self._body

    def __repr__(self) -> str:
        text = self._body if len(self._body) <= 60 else self._body[:57] + "..."
        return f"<{type(self).__name__} body={text!r}>"


class OrchestrationContext(_JsonTextContext):
    """The input of an orchestrator function (``orchestrationTrigger``).

    Example:
        >>> ctx = OrchestrationContext(body='{"history": [], "input": 1}')
        >>> ctx.get_json()["input"], str(ctx) == ctx.body
        (1, True)

    Raises:
        ConversionError: if ``body`` is bytes that are not UTF-8.
        TypeError: if ``body`` is neither ``str`` nor ``bytes``.
    """

    __slots__ = ()


class EntityContext(_JsonTextContext):
    """The input of an entity function (``entityTrigger``).

    Example:
        >>> EntityContext(body=b'{"self": {"name": "Counter"}}').get_json()["self"]["name"]
        'Counter'

    Raises:
        ConversionError: if ``body`` is bytes that are not UTF-8.
        TypeError: if ``body`` is neither ``str`` nor ``bytes``.
    """

    __slots__ = ()


def _dumps(converter: Converter, value: Any) -> str:
    def envelope(obj: Any) -> Any:
        to_json = getattr(type(obj), "to_json", None)
        if to_json is None:
            raise TypeError(f"{type(obj).__name__} is not JSON serialisable and has no to_json()")
        return {
            "__class__": type(obj).__name__,
            "__module__": type(obj).__module__,
            "__data__": to_json(obj),
        }

    try:
        return json.dumps(value, default=envelope)
    except (TypeError, ValueError) as exc:
        raise ConversionError(
            f"the {converter.binding} binding output must be JSON-serialisable: {exc}"
        ) from None


def _text(converter: Converter, datum: Datum) -> str | None:
    value = payload_value(converter, datum, "string", "json", "bytes", "null")
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise ConversionError(f"the {converter.binding} payload is not UTF-8 text") from None
    return value


class _DurableTrigger(Converter):
    """A Durable trigger: the function's return value is sent back to the extension as JSON."""

    def has_trigger_support(self) -> bool:
        """This is a trigger."""
        return True

    def has_implicit_output(self) -> bool:
        """The function's return value is the result sent back to the extension."""
        return True

    def check_output_type_annotation(self, pytype: Any) -> bool:
        """Any JSON-serialisable result."""
        return True

    def encode(self, obj: Any, *, expected_type: Any = None) -> Datum | None:
        """The result as a ``json`` Datum.

        Raises:
            ConversionError: if the result is not JSON-serialisable.
        """
        return Datum(_dumps(self, obj), "json")


def _upstream_context(pytype: Any, context_type: type) -> bool:
    """``azure.functions``' own context class (what the Durable SDK's ``Orchestrator.create``
    handle is annotated with): it receives azfunc's, which has the same ``body``."""
    return (
        isinstance(pytype, type)
        and pytype.__name__ == context_type.__name__
        and str(pytype.__module__).startswith("azure.functions")
    )


class _ContextTrigger(_DurableTrigger):
    context_type: type[_JsonTextContext] = _JsonTextContext

    def check_input_type_annotation(self, pytype: Any) -> bool:
        """The context type (or unannotated)."""
        pytype = unwrap_optional(pytype)
        return pytype is None or (
            isinstance(pytype, type) and issubclass(pytype, (self.context_type, str))
        ) or _upstream_context(pytype, self.context_type)

    def decode(
        self,
        datum: Datum,
        *,
        trigger_metadata: Mapping[str, Any] | None = None,
        pytype: Any = None,
    ) -> Any:
        """The context built from the JSON text (``str`` when annotated so).

        Raises:
            ConversionError: if the payload is not text.
        """
        text = _text(self, datum) or ""
        if unwrap_optional(pytype) is str:
            return text
        return self.context_type(body=text)

    def encode(self, obj: Any, *, expected_type: Any = None) -> Datum | None:
        """The result as a ``json`` Datum (text sent as is).

        Raises:
            ConversionError: if the result is not JSON-serialisable.
        """
        if isinstance(obj, str):
            return Datum(obj, "json")
        return super().encode(obj, expected_type=expected_type)


class OrchestrationTriggerConverter(_ContextTrigger):
    """``orchestrationTrigger``: an :class:`OrchestrationContext` in, the state JSON out.

    Example:
        >>> OrchestrationTriggerConverter().decode(Datum('{"a": 1}', "string"))
        <OrchestrationContext body='{"a": 1}'>
    """

    binding = "orchestrationTrigger"
    context_type = OrchestrationContext


class EntityTriggerConverter(_ContextTrigger):
    """``entityTrigger``: an :class:`EntityContext` in, the entity state JSON out.

    Example:
        >>> EntityTriggerConverter().encode({"state": 1})
        <Datum json '{"state": 1}'>
    """

    binding = "entityTrigger"
    context_type = EntityContext


class ActivityTriggerConverter(_DurableTrigger):
    """``activityTrigger``: the activity input parsed from JSON, the result sent as JSON.

    Example:
        >>> conv = ActivityTriggerConverter()
        >>> conv.decode(Datum('{"city": "Oslo"}', "json")), conv.decode(Datum("Tokyo", "string"))
        ({'city': 'Oslo'}, 'Tokyo')
        >>> conv.encode([1, 2])
        <Datum json '[1, 2]'>
    """

    binding = "activityTrigger"

    def check_input_type_annotation(self, pytype: Any) -> bool:
        """Any type: the input is whatever JSON the orchestrator sent."""
        return True

    def decode(
        self,
        datum: Datum,
        *,
        trigger_metadata: Mapping[str, Any] | None = None,
        pytype: Any = None,
    ) -> Any:
        """The input parsed from JSON; text that is not JSON is returned as text.

        Raises:
            ConversionError: if the payload is neither text nor JSON.
        """
        text = _text(self, datum)
        if text is None:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return text


class DurableClientConverter(MessageOutputConverter):
    """``durableClient``: the client JSON text the Durable SDK builds its client from.

    Its output sends text or bytes as they are.

    Example:
        >>> DurableClientConverter().decode(Datum('{"taskHubName": "hub"}', "string"))
        '{"taskHubName": "hub"}'
    """

    binding = "durableClient"
    accepted = "str or bytes"
    object_types = ()
    list_types = ()

    def check_input_type_annotation(self, pytype: Any) -> bool:
        """``str`` or ``bytes`` (or unannotated)."""
        pytype = unwrap_optional(pytype)
        return pytype is None or annotation_allows(pytype, (str, bytes), many=False)

    def check_output_type_annotation(self, pytype: Any) -> bool:
        """``str`` or ``bytes``."""
        return annotation_allows(pytype, (str, bytes), many=False)

    def decode(
        self,
        datum: Datum,
        *,
        trigger_metadata: Mapping[str, Any] | None = None,
        pytype: Any = None,
    ) -> Any:
        """The client JSON text (``bytes`` when annotated so).

        Raises:
            ConversionError: if the payload is not text.
        """
        text = _text(self, datum)
        if text is not None and unwrap_optional(pytype) is bytes:
            return text.encode("utf-8")
        return text


CONVERTERS: Final[dict[str, Converter]] = {
    "orchestrationTrigger": OrchestrationTriggerConverter(),
    "entityTrigger": EntityTriggerConverter(),
    "activityTrigger": ActivityTriggerConverter(),
    "durableClient": DurableClientConverter(),
}
