"""Complete invocation inputs for one function of an app, and the common properties.

Rules this module keeps:

* :func:`inputs_for` reads the function's bindings (trigger type, cardinality, HTTP methods
  and route) and draws one payload per input binding from the strategies of this package,
  so a test fuzzes the function through the same decoders production runs.
* An input binding of a type without a strategy is an error naming it, unless
  ``overrides`` gives one (a strategy of payloads, Datums or raw values).
* The property helpers raise :class:`AssertionError` with the invocation that broke them;
  an exception the property allows is returned to the caller, never swallowed silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ..._datum import Datum
from ..._errors import ConversionError
from .._wire import Payload
from ._base import DEFAULT
from ._http import http_request_payloads
from ._messages import (
    blob_payloads,
    cloud_event_payloads,
    cosmos_document_payloads,
    event_grid_event_payloads,
    event_hub_event_payloads,
    queue_message_payloads,
    service_bus_message_payloads,
    timer_payloads,
)

if TYPE_CHECKING:
    from ...app.invocation import InvocationResult
    from ...app.loader import LoadedApp
    from ...app.model import BindingInfo, FunctionInfo

__all__ = [
    "Invocation",
    "assert_http_never_5xx",
    "assert_no_unexpected_exception",
    "assert_outputs_round_trip",
    "inputs_for",
]


@dataclass(frozen=True)
class Invocation:
    """One drawn invocation: the inputs by binding name and the trigger metadata.

    Run it with :meth:`run` (``LoadedApp.invoke`` underneath).
    """

    function: str
    inputs: Mapping[str, Any]
    trigger_metadata: Mapping[str, Datum] = field(default_factory=dict)

    def run(self, app: LoadedApp) -> InvocationResult:
        """Invoke the function with these inputs (synchronously)."""
        return app.invoke(self.function, trigger_metadata=self.trigger_metadata, **self.inputs)


_ROUTE_PARAM = re.compile(r"\{\*?([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+)[^}]*)?(\?)?\}")


def _route_value(constraint: str | None) -> SearchStrategy[str]:
    kind = (constraint or "").lower()
    if kind in ("int", "long"):
        return st.integers(0, 10**6).map(str)
    if kind == "guid":
        return st.uuids().map(str)
    if kind == "bool":
        return st.sampled_from(["true", "false"])
    return st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)


@st.composite
def _route(draw: st.DrawFn, template: str) -> tuple[str, dict[str, str]]:
    values: dict[str, str] = {}

    def fill(match: re.Match[str]) -> str:
        if match.group(3) and draw(st.booleans()):
            return ""
        value = draw(_route_value(match.group(2)))
        values[match.group(1)] = value
        return value

    path = _ROUTE_PARAM.sub(fill, template.strip("/"))
    path = re.sub(r"/+", "/", path).strip("/")
    return "/api/" + path, values


def _http(binding: BindingInfo, info: FunctionInfo) -> SearchStrategy[Payload]:
    methods = binding.properties.get("methods") or []
    method = st.sampled_from([str(m).upper() for m in methods]) if methods else DEFAULT
    template = binding.properties.get("route") or info.name

    @st.composite
    def build(draw: st.DrawFn) -> Payload:
        url, params = draw(_route(str(template)))
        return draw(http_request_payloads(method=method, url=url, route_params=params))

    return build()


def _batch(binding: BindingInfo) -> Any:
    return st.integers(1, 4) if binding.cardinality == "many" else None


def _strategy(binding: BindingInfo, info: FunctionInfo) -> SearchStrategy[Payload] | None:
    kind = binding.type.lower()
    if kind == "httptrigger":
        return _http(binding, info)
    if kind == "queuetrigger":
        return queue_message_payloads()
    if kind == "servicebustrigger":
        return service_bus_message_payloads(batch_size=_batch(binding))
    if kind == "eventhubtrigger":
        return event_hub_event_payloads(batch_size=_batch(binding))
    if kind == "eventgridtrigger":
        return event_grid_event_payloads() | cloud_event_payloads()
    if kind in ("cosmosdbtrigger", "cosmosdb"):
        return cosmos_document_payloads()
    if kind == "timertrigger":
        return timer_payloads()
    if kind in ("blobtrigger", "blob"):
        return blob_payloads()
    return None


def inputs_for(
    app: LoadedApp,
    function: str,
    *,
    overrides: Mapping[str, SearchStrategy[Any]] | None = None,
) -> SearchStrategy[Invocation]:
    """A strategy of complete inputs for ``function`` of ``app``, from its bindings.

    ``overrides`` maps a binding name to a strategy of its payload (``(Datum, metadata)``),
    Datum or raw value, for bindings without a strategy or to narrow one.

    Example:
        >>> from hypothesis import given, settings
        >>> @settings(max_examples=5)   # doctest: +SKIP
        ... @given(inputs_for(app, "Orders"))
        ... def test_orders(invocation):
        ...     assert_no_unexpected_exception(app, invocation)

    Raises:
        FunctionNotFoundError: if the app has no such function.
        ConversionError: if an input binding has no strategy and no override.
    """
    info = app.function(function)
    given = dict(overrides or {})
    parts: dict[str, SearchStrategy[Any]] = {}
    trigger = info.trigger
    for binding in info.bindings:
        if not binding.is_input or binding.is_return:
            continue
        strategy = given.pop(binding.name, None)
        if strategy is None:
            strategy = _strategy(binding, info)
        if strategy is None:
            raise ConversionError(
                f"inputs_for: the {info.name} function's {binding.name!r} input "
                f"({binding.type}) has no strategy; pass overrides={{{binding.name!r}: ...}}",
                function=info.name,
                binding=binding.name,
            )
        parts[binding.name] = strategy
    if given:
        raise ConversionError(
            f"inputs_for: the {info.name} function has no input named "
            f"{', '.join(map(repr, sorted(given)))}",
            function=info.name,
        )
    trigger_name = None if trigger is None else trigger.name

    def assemble(drawn: dict[str, Any]) -> Invocation:
        inputs: dict[str, Any] = {}
        metadata: dict[str, Datum] = {}
        for name, value in drawn.items():
            if _is_payload(value):
                inputs[name] = value[0]
                if name == trigger_name:
                    metadata = dict(value[1])
            else:
                inputs[name] = value
        return Invocation(info.name, inputs, metadata)

    return st.fixed_dictionaries(parts).map(assemble)


def _is_payload(value: Any) -> bool:
    return (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], Datum)
            and isinstance(value[1], Mapping))


def assert_no_unexpected_exception(
    app: LoadedApp,
    invocation: Invocation,
    *,
    allowed: tuple[type[BaseException], ...] = (),
) -> InvocationResult | BaseException:
    """Run ``invocation``; any exception but those in ``allowed`` fails the property.

    Returns the result, or the allowed exception that the invocation raised.

    Raises:
        AssertionError: naming the invocation and chained to the exception.
    """
    try:
        return invocation.run(app)
    except allowed as exc:
        return exc
    except Exception as exc:
        raise AssertionError(
            f"{invocation.function} raised {type(exc).__name__}: {exc}\n"
            f"inputs: {invocation.inputs!r:.500}"
        ) from exc


def assert_http_never_5xx(app: LoadedApp, invocation: Invocation) -> InvocationResult:
    """Run ``invocation`` of an HTTP function: it must answer, with a status below 500.

    An exception escaping the function is a 500 on the host, so it fails too.

    Raises:
        AssertionError: if the function raised or answered 5xx.
    """
    outcome = assert_no_unexpected_exception(app, invocation)
    assert not isinstance(outcome, BaseException)
    response = outcome.return_value
    if response is None:
        response = next(iter(outcome.outputs.values()), None)
    status = getattr(response, "status_code", None)
    if not isinstance(status, int):
        raise AssertionError(f"{invocation.function} returned no HTTP response: {response!r:.200}")
    if status >= 500:
        raise AssertionError(
            f"{invocation.function} answered {status} for {invocation.inputs!r:.500}"
        )
    return outcome


def _reader(registry: Any, binding_type: str, converter: Any) -> Any:
    """The converter that reads what ``converter`` wrote: itself if it decodes, else the
    trigger of the same service (a queue output is read by ``queueTrigger``), or None."""
    from ..._registry import Converter

    if type(converter).decode is not Converter.decode:
        return converter
    trigger = registry.get(binding_type + "Trigger") if hasattr(registry, "get") else None
    if trigger is not None and type(trigger).decode is not Converter.decode:
        return trigger
    return None


def assert_outputs_round_trip(
    app: LoadedApp,
    result: InvocationResult,
    *,
    equal: Callable[[Any, Any], bool] | None = None,
) -> None:
    """Every output the invocation set (and its return value) survives its converters.

    The encoded Datum is read back by the binding's converter (or, for an output-only
    binding, by the trigger of the same service: what a ``queue`` output sends is what a
    ``queueTrigger`` receives) and encoded again: the wire value must be the same. An output
    nothing can read must at least encode the same way twice.

    Raises:
        AssertionError: naming the output whose value did not survive the trip.
    """
    from ..._registry import get_binding_registry

    registry = app.registry or get_binding_registry()
    info = app.function(result.function_name)
    encoded = dict(result.output_data)
    if result.return_data is not None:
        encoded["$return"] = result.return_data
    by_name = {binding.name: binding for binding in info.bindings}
    same = equal or (lambda a, b: a == b)
    for name, datum in encoded.items():
        binding = by_name.get(name) or info.trigger
        assert binding is not None
        converter = registry.get_or_generic(binding.type)
        value = result.return_value if name == "$return" else result.outputs.get(name)
        reader = _reader(registry, binding.type, converter)
        try:
            read = value if reader is None else reader.decode(datum, trigger_metadata={})
            again = converter.encode(read, expected_type=type(value))
        except Exception as exc:
            raise AssertionError(
                f"output {name!r} ({binding.type}) did not round-trip: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if again is None or not same(again.value, datum.value):
            raise AssertionError(
                f"output {name!r} ({binding.type}) changed in a round trip: "
                f"{datum!r:.200} -> {again!r:.200}"
            )
