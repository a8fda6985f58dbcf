"""Event Hubs batch decode: 1000 events with ``SystemPropertiesArray`` and the other arrays.

Rules this module keeps:

* The payload is shaped like ``wire/grpc/eventhub_many_invocation_request.json``: bodies as
  ``collection_bytes``; ``OffsetArray`` (collection_string), ``SequenceNumberArray``
  (collection_sint64), ``EnqueuedTimeUtcArray``/``PropertiesArray``/``SystemPropertiesArray``
  (json) and ``PartitionContext`` (json); 1000 events.
* One timed call decodes the batch *and reads every event's body, enqueued time and sequence
  number* on both sides, so lazy parsing cannot hide work.
* azfunc decodes through the registry (``eventHubTrigger``, ``pytype=list[EventHubEvent]``);
  the baseline is ``azure.functions.eventhub.EventHubTriggerConverter.decode`` with
  ``azure.functions.meta.Datum`` inputs (collections as objects with a ``.bytes``/``.string``
  list, as the Python worker hands them over).
* Setup checks once that both sides return 1000 events with the same bodies, sequence
  numbers and enqueued times, so a broken decoder fails the case instead of being timed.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))

from harness import BenchCase, Case, baseline_label

N = 1000


def _payload() -> tuple[list[bytes], dict[str, tuple[object, str]]]:
    base = datetime(2020, 7, 14, 1, 27, 55, 627000)
    bodies = [
        json.dumps({"device-status": f"good{i}", "t": 20 + i % 7}).encode() for i in range(N)
    ]
    times = [
        (base + timedelta(milliseconds=37 * i)).isoformat(timespec="milliseconds")
        for i in range(N)
    ]
    system = [
        {
            "x-opt-sequence-number": 47 + i,
            "x-opt-offset": str(3696 + 104 * i),
            "x-opt-enqueued-time": times[i] + "+00:00",
            "SequenceNumber": 47 + i,
            "Offset": 3696 + 104 * i,
            "PartitionKey": None,
            "EnqueuedTimeUtc": times[i],
        }
        for i in range(N)
    ]
    metadata: dict[str, tuple[object, str]] = {
        "OffsetArray": ([str(3696 + 104 * i) for i in range(N)], "collection_string"),
        "SequenceNumberArray": ([47 + i for i in range(N)], "collection_sint64"),
        "PropertiesArray": (json.dumps([{}] * N), "json"),
        "EnqueuedTimeUtcArray": (json.dumps(times), "json"),
        "PartitionContext": (
            json.dumps(
                {
                    "FullyQualifiedNamespace": "myns.servicebus.windows.net",
                    "EventHubName": "myhub",
                    "ConsumerGroup": "$Default",
                    "PartitionId": "0",
                }
            ),
            "json",
        ),
        "SystemPropertiesArray": (json.dumps(system), "json"),
    }
    return bodies, metadata


_ATTR = {
    "collection_bytes": "bytes",
    "collection_string": "string",
    "collection_sint64": "sint64",
}


def cases() -> list[Case]:
    """The Event Hubs batch-decode case."""
    from azure.functions import meta as af_meta
    from azure.functions.eventhub import EventHubTriggerConverter

    from azfunc import EventHubEvent, get_binding_registry
    from azfunc.meta import Datum

    bodies, metadata = _payload()
    converter = get_binding_registry().require("eventHubTrigger")
    ours_data = Datum(bodies, "collection_bytes")
    ours_md = {k: Datum(v, kind) for k, (v, kind) in metadata.items()}
    pytype = list[EventHubEvent]

    def wrap(value: object, kind: str) -> object:
        attr = _ATTR.get(kind)
        return SimpleNamespace(**{attr: value}) if attr else value

    theirs_data = af_meta.Datum(wrap(bodies, "collection_bytes"), "collection_bytes")
    theirs_md = {k: af_meta.Datum(wrap(v, kind), kind) for k, (v, kind) in metadata.items()}

    def ours() -> list[tuple[object, ...]]:
        events = converter.decode(ours_data, trigger_metadata=ours_md, pytype=pytype)
        return [(e.get_body(), e.enqueued_time, e.sequence_number) for e in events]

    def theirs() -> list[tuple[object, ...]]:
        events = EventHubTriggerConverter.decode(theirs_data, trigger_metadata=theirs_md)
        return [(e.get_body(), e.enqueued_time, e.sequence_number) for e in events]

    def same(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
        time_a, time_b = a[1], b[1]
        if not isinstance(time_a, datetime) or not isinstance(time_b, datetime):
            return False
        # azure-functions returns naive UTC datetimes; azfunc aware UTC ones.
        return a[0] == b[0] and a[2] == b[2] and time_a == time_b.replace(tzinfo=timezone.utc)

    mine, base = ours(), theirs()
    if len(mine) != N or len(base) != N or not all(map(same, mine, base)):
        raise AssertionError("azfunc and the baseline decode the batch differently")
    return [
        BenchCase(
            name="eventhub.decode_batch",
            description="decode a 1000-event Event Hubs batch (SystemPropertiesArray + arrays) "
            "and read each event's body, enqueued_time and sequence_number",
            azfunc=ours,
            baseline=theirs,
            baseline_name=baseline_label(),
            target=3.0,
            target_text=">= 3x faster",
        )
    ]
