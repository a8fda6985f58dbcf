"""Storage-queue trigger decode: one message with full metadata in the host's gRPC shape.

Rules this module keeps:

* The payload is shaped like ``wire/grpc/queue_invocation_request.json``: the body as a
  ``string`` Datum; ``Id``/``PopReceipt``/``QueueTrigger`` as ``string``; ``DequeueCount`` as
  ``json`` ``"1"``; ``ExpirationTime``/``InsertionTime``/``NextVisibleTime`` as ``json``
  quoted ISO text with an offset (``"\\"2019-10-16T17:58:31+00:00\\""``).
* One timed call decodes the message *and reads every typed property* (id, dequeue_count,
  the three times, pop_receipt, body) on both sides, so azfunc's lazy parsing hides nothing.
* azfunc decodes through the registry (``queueTrigger``); the baseline is
  ``azure.functions.queue.QueueMessageInConverter.decode`` with ``azure.functions.meta.Datum``
  inputs of the same kinds and values.
* Setup checks once that both sides read the same values (the baseline's times compared as
  UTC instants), so a broken decoder fails the case instead of being timed.
"""

from __future__ import annotations

import sys
from datetime import timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))

from harness import BenchCase, Case, baseline_label

#: (value, kind) per trigger-metadata key, as the host sends them over gRPC.
METADATA: dict[str, tuple[object, str]] = {
    "DequeueCount": ("1", "json"),
    "Id": ("800ae4b3-bdd2-4c08-badd-f08e5a34b865", "string"),
    "ExpirationTime": ('"2019-10-16T17:58:31+00:00"', "json"),
    "PopReceipt": ("AgAAAAMAAAAAAAAAAgtnj8x+1QE=", "string"),
    "QueueTrigger": ('{ message: "Message sent" }', "string"),
    "NextVisibleTime": ('"2019-10-09T18:08:32+00:00"', "json"),
    "InsertionTime": ('"2019-10-09T17:58:31+00:00"', "json"),
}
BODY = '{ message: "Message sent" }'


def _read(msg: object) -> tuple[object, ...]:
    m = msg  # the same attribute reads on both sides
    return (
        m.id,  # type: ignore[attr-defined]
        m.dequeue_count,  # type: ignore[attr-defined]
        m.expiration_time,  # type: ignore[attr-defined]
        m.insertion_time,  # type: ignore[attr-defined]
        m.time_next_visible,  # type: ignore[attr-defined]
        m.pop_receipt,  # type: ignore[attr-defined]
        m.get_body(),  # type: ignore[attr-defined]
    )


def cases() -> list[Case]:
    """The queue-decode case."""
    from azure.functions import meta as af_meta
    from azure.functions.queue import QueueMessageInConverter

    from azfunc import get_binding_registry
    from azfunc.meta import Datum

    converter = get_binding_registry().require("queueTrigger")
    ours_data = Datum(BODY, "string")
    ours_md = {k: Datum(v, kind) for k, (v, kind) in METADATA.items()}
    theirs_data = af_meta.Datum(BODY, "string")
    theirs_md = {k: af_meta.Datum(v, kind) for k, (v, kind) in METADATA.items()}

    def ours() -> object:
        return _read(converter.decode(ours_data, trigger_metadata=ours_md))

    def theirs() -> object:
        return _read(QueueMessageInConverter.decode(theirs_data, trigger_metadata=theirs_md))

    a, b = ours(), theirs()
    assert isinstance(a, tuple)
    assert isinstance(b, tuple)
    for left, right in zip(a, b, strict=True):
        if hasattr(right, "astimezone"):
            right = right.astimezone(timezone.utc)
        if left != right:
            raise AssertionError(f"azfunc and the baseline disagree: {a} vs {b}")
    return [
        BenchCase(
            name="queue.decode",
            description="decode one queue message with full gRPC-shaped metadata "
            "(json times) and read every typed property",
            azfunc=ours,
            baseline=theirs,
            baseline_name=baseline_label(),
            target=3.0,
            target_text=">= 3x faster",
        )
    ]
