"""The azfunc test kit: build trigger payloads the way the host does and decode them for real.

Every factory comes in two forms:

* ``x(...)`` returns the real azfunc object (``HttpRequest``, ``QueueMessage``, ...), made by
  the converter registered for the trigger, so a test runs the same decoding a worker runs;
* ``x_payload(...)`` returns ``(Datum, trigger_metadata)``, the raw wire form, for
  ``LoadedApp.invoke(name, req=datum, trigger_metadata=metadata)`` or for a converter.

Rules this package keeps:

* Nothing here is imported by ``import azfunc``, and ``import azfunc.testing`` imports no
  factory: each is loaded on first use, and binding modules when a factory first decodes.
* Payload shapes follow the Functions host (see each module's rules); every default is a
  realistic value, and every value a test gives comes back unchanged from the object.
* Bad arguments raise :class:`~azfunc.ConversionError`, never a bare ``ValueError``.

The pytest plugin (fixtures ``azfunc_context``, ``azfunc_out``, ``azfunc_app``) lives in
:mod:`azfunc.testing.plugin`.

Example:
    >>> from azfunc import testing
    >>> req = testing.http_request("GET", "/api/hello", params={"name": "Ada"})
    >>> req.params["name"], req.url
    ('Ada', 'http://localhost/api/hello?name=Ada')
    >>> testing.queue_message("job-1", dequeue_count=2).dequeue_count
    2
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._events import (
        ServiceBusProperties,
        cloud_event,
        cloud_event_payload,
        event_grid_event,
        event_grid_event_payload,
        event_hub_event,
        event_hub_event_payload,
        event_hub_events,
        event_hub_events_payload,
        service_bus_message,
        service_bus_message_payload,
        service_bus_messages,
        service_bus_messages_payload,
    )
    from ._http import http_request, http_request_payload
    from ._storage import (
        input_stream,
        input_stream_payload,
        queue_message,
        queue_message_payload,
        timer_request,
        timer_request_payload,
    )
    from ._wire import Payload

#: public name -> module defining it, imported on first use (so the pytest plugin, which
#: every pytest session loads, costs nothing until a factory is used).
_LAZY: dict[str, str] = {
    "ServiceBusProperties": "azfunc.testing._events",
    "cloud_event": "azfunc.testing._events",
    "cloud_event_payload": "azfunc.testing._events",
    "event_grid_event": "azfunc.testing._events",
    "event_grid_event_payload": "azfunc.testing._events",
    "event_hub_event": "azfunc.testing._events",
    "event_hub_event_payload": "azfunc.testing._events",
    "event_hub_events": "azfunc.testing._events",
    "event_hub_events_payload": "azfunc.testing._events",
    "service_bus_message": "azfunc.testing._events",
    "service_bus_message_payload": "azfunc.testing._events",
    "service_bus_messages": "azfunc.testing._events",
    "service_bus_messages_payload": "azfunc.testing._events",
    "http_request": "azfunc.testing._http",
    "http_request_payload": "azfunc.testing._http",
    "input_stream": "azfunc.testing._storage",
    "input_stream_payload": "azfunc.testing._storage",
    "queue_message": "azfunc.testing._storage",
    "queue_message_payload": "azfunc.testing._storage",
    "timer_request": "azfunc.testing._storage",
    "timer_request_payload": "azfunc.testing._storage",
    "Payload": "azfunc.testing._wire",
}

__all__ = [
    "Payload",
    "ServiceBusProperties",
    "cloud_event",
    "cloud_event_payload",
    "event_grid_event",
    "event_grid_event_payload",
    "event_hub_event",
    "event_hub_event_payload",
    "event_hub_events",
    "event_hub_events_payload",
    "http_request",
    "http_request_payload",
    "input_stream",
    "input_stream_payload",
    "queue_message",
    "queue_message_payload",
    "service_bus_message",
    "service_bus_message_payload",
    "service_bus_messages",
    "service_bus_messages_payload",
    "timer_request",
    "timer_request_payload",
]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
