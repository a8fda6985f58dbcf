"""Hypothesis strategies for every binding's wire payload, and for a function's inputs.

Importing this module imports :mod:`hypothesis` (install ``azfunc[testing]``); nothing else
in azfunc does. Each trigger has two strategies, as the factories have two forms:

* ``x_payloads(...)``: ``(Datum, trigger_metadata)`` as the host sends them, built by the
  test-kit factory of the trigger, in the gRPC or the custom-handler form (``form=``);
* ``xs(...)``: the decoded object (``HttpRequest``, ``QueueMessage``, ...), made by the
  registered converter.

Every argument is a value, a strategy, or left to a realistic default; examples shrink to
short text, empty bodies and whole-second times. :func:`inputs_for` derives complete inputs
from a loaded function's bindings, and the ``assert_*`` helpers state the common properties.

Example:
    >>> from hypothesis import given, settings
    >>> from azfunc.testing import strategies as azst
    >>> @settings(max_examples=10)
    ... @given(azst.queue_messages(body="job", dequeue_count=azst.st.integers(1, 3)))
    ... def test_queue(msg):
    ...     assert msg.get_body() == b"job" and 1 <= msg.dequeue_count <= 3
    >>> test_queue()
"""

from __future__ import annotations

from hypothesis import strategies as st

from ._base import DEFAULT, field, json_objects, json_values, readable_text, times, token
from ._forms import FORMS, as_custom_handler
from ._http import BODY_KINDS, http_request_payloads, http_requests, query_pairs
from ._inputs import (
    Invocation,
    assert_http_never_5xx,
    assert_no_unexpected_exception,
    assert_outputs_round_trip,
    inputs_for,
)
from ._messages import (
    blob_payloads,
    blobs,
    cloud_event_payloads,
    cloud_events,
    cosmos_document_payloads,
    cosmos_documents,
    event_grid_event_payloads,
    event_grid_events,
    event_hub_event_payloads,
    event_hub_events,
    message_bodies,
    queue_message_payloads,
    queue_messages,
    service_bus_message_payloads,
    service_bus_messages,
    timer_payloads,
    timers,
)

__all__ = [
    "BODY_KINDS",
    "DEFAULT",
    "FORMS",
    "Invocation",
    "as_custom_handler",
    "assert_http_never_5xx",
    "assert_no_unexpected_exception",
    "assert_outputs_round_trip",
    "blob_payloads",
    "blobs",
    "cloud_event_payloads",
    "cloud_events",
    "cosmos_document_payloads",
    "cosmos_documents",
    "event_grid_event_payloads",
    "event_grid_events",
    "event_hub_event_payloads",
    "event_hub_events",
    "field",
    "http_request_payloads",
    "http_requests",
    "inputs_for",
    "json_objects",
    "json_values",
    "message_bodies",
    "query_pairs",
    "queue_message_payloads",
    "queue_messages",
    "readable_text",
    "service_bus_message_payloads",
    "service_bus_messages",
    "st",
    "timer_payloads",
    "timers",
    "times",
    "token",
]
