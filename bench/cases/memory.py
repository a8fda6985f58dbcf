"""Memory budgets: a 100 MiB multipart upload, and a 1000-event Event Hubs batch.

Rules this module keeps:

* Each :class:`~harness.Measurement` runs in a fresh process (``bench/_measure.py``), so no
  other case's garbage is counted; ``cases()`` itself builds nothing.
* Multipart: the body is built first, then the peak-RSS mark is reset (Linux
  ``/proc/self/clear_refs``, value 5) so the body itself is excluded; the growth is
  ``VmHWM`` after parsing and reading every uploaded byte (in 1 MiB chunks, checked
  against a SHA-256) minus ``VmRSS`` before parsing. Budget: < 20 MiB for azfunc. Where
  ``clear_refs`` is unavailable, ``ru_maxrss`` before/after is used and the report says so.
  The same upload through azure-functions is measured too, for comparison (no target).
* Event Hubs: ``tracemalloc`` counts what decoding a 1000-event batch (and then reading
  every event's ``metadata``) keeps allocated, per event, against the size of the whole
  batch metadata as Python objects. A per-event copy of the full metadata would cost at least
  that size per event; the budget is 1% of it. azure-functions is measured beside it, reading
  ``metadata`` on only 10 events (each read there is a full copy, so 1000 would need
  hundreds of MiB), and extrapolated per event.
"""

from __future__ import annotations

import gc
import hashlib
import json
import random
import resource
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import Case, Measurement, MeasureResult

MIB = 1 << 20
UPLOAD_MIB = 100
RSS_BUDGET_MIB = 20.0
BATCH = 1000
#: the per-event budget as a share of the full batch metadata.
EVENT_SHARE = 0.01
BOUNDARY = "azfuncBenchBoundary7MA4YWxkTrZu0gW"
URL = "https://example.org/api/upload"


# --- multipart -------------------------------------------------------------------------------


def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return _status_kib("VmHWM") is not None


def _maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _upload_body() -> tuple[bytes, str]:
    """A multipart body: 3 small fields, one 100 MiB file, one small file; and the big
    file's SHA-256."""
    chunk = random.Random(20261125).randbytes(MIB)
    digest = hashlib.sha256()
    for _ in range(UPLOAD_MIB):
        digest.update(chunk)
    head = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        .encode()
        for name, value in (("title", "report"), ("owner", "bench"), ("tags", "a,b,c"))
    )
    big = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="upload"; '
           f'filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n').encode()
    small = (f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="note"; '
             f'filename="note.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n'
             f'--{BOUNDARY}--\r\n').encode()
    body = b"".join([head, big, *([chunk] * UPLOAD_MIB), small])
    return body, digest.hexdigest()


def _drain(read: Callable[[int], bytes]) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    while True:
        block = read(MIB)
        if not block:
            return size, digest.hexdigest()
        size += len(block)
        digest.update(block)


def _multipart_growth(parse: Callable[[bytes, str], Callable[[int], bytes]]) -> MeasureResult:
    body, expected = _upload_body()
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    gc.collect()
    exact = _reset_peak()
    before_kib = _status_kib("VmRSS") if exact else _maxrss_kib()
    read = parse(body, content_type)
    size, digest = _drain(read)
    after_kib = _status_kib("VmHWM") if exact else _maxrss_kib()
    if size != UPLOAD_MIB * MIB or digest != expected:
        raise AssertionError(f"the parsed upload differs: {size} bytes, sha256 {digest}")
    growth = max(0, (after_kib or 0) - (before_kib or 0)) / 1024
    return MeasureResult(
        value=growth,
        unit="MiB",
        passed=growth < RSS_BUDGET_MIB,
        details={"body_mib": round(len(body) / MIB, 2),
                 "method": "VmHWM reset via clear_refs" if exact else "ru_maxrss",
                 "rss_before_mib": round((before_kib or 0) / 1024, 1)},
    )


def _parse_azfunc(body: bytes, content_type: str) -> Callable[[int], bytes]:
    from azfunc import FormLimits, HttpRequest

    req = HttpRequest("POST", URL, headers={"Content-Type": content_type}, body=body,
                      form_limits=FormLimits())
    upload = req.files["upload"]
    if req.form["title"] != "report" or req.files["note"].read() != b"hello":
        raise AssertionError("azfunc parsed the small parts wrongly")
    return upload.read


def _parse_baseline(body: bytes, content_type: str) -> Callable[[int], bytes]:
    from azure.functions import HttpRequest

    req = HttpRequest(method="POST", url=URL, headers={"Content-Type": content_type},
                      body=body)
    upload = req.files["upload"]
    if req.form["title"] != "report":
        raise AssertionError("azure-functions parsed the small parts wrongly")
    read: Callable[[int], bytes] = upload.stream.read
    return read


def multipart_azfunc() -> MeasureResult:
    """Peak RSS growth while azfunc parses a 100 MiB upload and the file is read back."""
    return _multipart_growth(_parse_azfunc)


def multipart_baseline() -> MeasureResult:
    """The same upload through azure-functions (werkzeug), for comparison."""
    result = _multipart_growth(_parse_baseline)
    return MeasureResult(value=result.value, unit=result.unit, passed=None,
                         details=result.details)


# --- Event Hubs batch ------------------------------------------------------------------------


def _batch_payload(n: int) -> tuple[list[bytes], dict[str, tuple[Any, str]]]:
    """Bodies and trigger metadata (value, kind) of an ``n``-event batch, in the shape the
    host sends (see tests/vectors/grpc/eventhub_many_invocation_request.json)."""
    bodies = [json.dumps({"device": f"dev-{i % 50:03d}", "temperature": 20 + i % 7,
                          "status": "ok", "seq": i}).encode() for i in range(n)]
    times = [f"2026-11-25T18:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d}" for i in range(n)]
    system = [{"x-opt-sequence-number": 1000 + i, "x-opt-offset": str(4096 + 128 * i),
               "x-opt-enqueued-time": t + "+00:00", "SequenceNumber": 1000 + i,
               "Offset": 4096 + 128 * i, "PartitionKey": f"pk-{i % 4}",
               "EnqueuedTimeUtc": t} for i, t in enumerate(times)]
    props = [{"source": "sensor", "batch": str(i // 100)} for i in range(n)]
    metadata: dict[str, tuple[Any, str]] = {
        "OffsetArray": ([str(4096 + 128 * i) for i in range(n)], "collection_string"),
        "SequenceNumberArray": ([1000 + i for i in range(n)], "collection_sint64"),
        "PartitionKeyArray": ([f"pk-{i % 4}" for i in range(n)], "collection_string"),
        "EnqueuedTimeUtcArray": (json.dumps(times), "json"),
        "PropertiesArray": (json.dumps(props), "json"),
        "SystemPropertiesArray": (json.dumps(system), "json"),
        "PartitionContext": (json.dumps({"FullyQualifiedNamespace": "ns.servicebus.windows.net",
                                         "EventHubName": "telemetry",
                                         "ConsumerGroup": "$Default", "PartitionId": "0"}),
                             "json"),
    }
    return bodies, metadata


def _traced(action: Callable[[], object]) -> tuple[int, int, object]:
    """(retained bytes, peak bytes, result) of ``action`` under tracemalloc."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    start, _ = tracemalloc.get_traced_memory()
    result = action()
    gc.collect()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return current - start, peak - start, result


def eventhub_batch() -> MeasureResult:
    """Bytes kept per event by decoding a 1000-event batch, vs the whole metadata."""
    from azfunc import Datum, EventHubEvent, get_binding_registry

    bodies, raw = _batch_payload(BATCH)
    converter = get_binding_registry().require("eventHubTrigger")
    datum = Datum(bodies, "collection_bytes")
    metadata = {key: Datum(value, kind) for key, (value, kind) in raw.items()}

    full, _, parsed = _traced(lambda: {k: d.python_value for k, d in metadata.items()})
    del parsed
    decoded, decode_peak, events = _traced(
        lambda: converter.decode(datum, trigger_metadata=metadata,
                                 pytype=list[EventHubEvent]))
    if not isinstance(events, list) or len(events) != BATCH:
        raise AssertionError(f"azfunc decoded the batch into {type(events).__name__}")
    touched, _, _ = _traced(lambda: [(e.metadata, e.enqueued_time, e.system_properties,
                                      e.properties) for e in events])
    if events[7].sequence_number != 1007 or events[7].partition_key != "pk-3":
        raise AssertionError("azfunc decoded the batch wrongly")
    per_event = (decoded + touched) / BATCH
    details: dict[str, float | int | str | None] = {
        "full_metadata_bytes": full,
        "decode_bytes_per_event": round(decoded / BATCH),
        "metadata_read_bytes_per_event": round(touched / BATCH),
        "decode_peak_bytes": decode_peak,
        "decode_total_vs_metadata": round(decoded / full, 2),
    }
    details.update(_eventhub_baseline(bodies, raw))
    return MeasureResult(value=round(per_event), unit="B/event",
                         passed=per_event < EVENT_SHARE * full, details=details)


def _eventhub_baseline(bodies: list[bytes],
                       raw: dict[str, tuple[Any, str]]) -> dict[str, float | int | str | None]:
    try:
        from azure.functions import meta
        from azure.functions.eventhub import EventHubTriggerConverter
    except ImportError:
        return {"baseline": "azure-functions not installed"}

    class _Coll:  # the shape the Python worker hands over: a .bytes/.string/.sint64 list
        def __init__(self, attr: str, items: list[Any]) -> None:
            setattr(self, attr, items)

    def wrap(value: Any, kind: str) -> Any:
        if kind.startswith("collection_"):
            return meta.Datum(_Coll(kind.removeprefix("collection_"), value), kind)
        return meta.Datum(value, kind)

    datum = wrap(bodies, "collection_bytes")
    metadata = {key: wrap(value, kind) for key, (value, kind) in raw.items()}
    decoded, _, events = _traced(
        lambda: EventHubTriggerConverter.decode(datum, trigger_metadata=metadata))
    if not isinstance(events, list):
        raise AssertionError(f"azure-functions decoded the batch into {type(events).__name__}")
    sample = 10
    touched, _, _ = _traced(lambda: [e.metadata for e in events[:sample]])
    return {
        "baseline_decode_bytes_per_event": round(decoded / len(events)),
        "baseline_metadata_read_bytes_per_event": round(touched / sample),
    }


def cases() -> list[Case]:
    """The memory measurements (nothing is built until one runs)."""
    return [
        Measurement(
            name="memory.multipart_100mib",
            description=f"peak RSS growth parsing a {UPLOAD_MIB} MiB multipart upload and "
                        "reading the file back (body excluded)",
            run=multipart_azfunc,
            target_text=f"< {RSS_BUDGET_MIB:g} MiB",
        ),
        Measurement(
            name="memory.multipart_100mib_baseline",
            description=f"the same {UPLOAD_MIB} MiB upload through azure-functions",
            run=multipart_baseline,
            target_text="report",
        ),
        Measurement(
            name="memory.eventhub_batch_1000",
            description=f"bytes kept per event decoding a {BATCH}-event batch and reading "
                        "each event's metadata (tracemalloc)",
            run=eventhub_batch,
            target_text=f"< {EVENT_SHARE:.0%} of the full metadata",
        ),
    ]
