"""The values ``test_to_dict_parity`` builds with azfunc and with ``azure-functions`` 2.x.

Pure data (neither SDK imported), so the test and ``serialise_upstream.py`` (run in the
upstream environment) build exactly the same values: ``(case id, type name, arguments)``.
A row-list type takes ``rows``, a list of dicts, each made into the item type first.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

UTC = timezone.utc
AWARE = datetime(2019, 10, 9, 17, 58, 31, 123456, tzinfo=UTC)
LATER = datetime(2019, 10, 16, 17, 58, 31, tzinfo=UTC)
NAIVE = datetime(2019, 10, 9, 17, 58, 31)
PLUS2 = datetime(2019, 10, 9, 19, 58, 31, tzinfo=timezone(timedelta(hours=2)))

#: a row holding every kind of value the 2.x rules convert, nested too.
MIXED_ROW: dict[str, Any] = {
    "id": 1,
    "name": "wïdget",
    "photo": b"\x89PNG\r\n",
    "text_bytes": b"plain",
    "at": NAIVE,
    "when": AWARE,
    "ttl": timedelta(minutes=5),
    "tags": ("a", b"b"),
    "nested": {"deep": [b"\xff", {"t": AWARE}]},
    "none": None,
    "ok": True,
    "ratio": 0.5,
}


def _servicebus(**overrides: Any) -> dict[str, Any]:
    full: dict[str, Any] = {
        "body": b'{"order": 7}',
        "application_properties": {"tenant": "contoso", "n": 3, "raw": b"\x00\xff"},
        "content_type": "application/json",
        "correlation_id": "corr-1",
        "dead_letter_error_description": "too many",
        "dead_letter_reason": "MaxDeliveryCountExceeded",
        "dead_letter_source": "orders",
        "delivery_count": 2,
        "enqueued_sequence_number": 11,
        "enqueued_time_utc": AWARE,
        "expires_at_utc": LATER,
        "label": "orders",
        "locked_until": PLUS2,
        "lock_token": "lock-1",
        "message_id": "m-1",
        "partition_key": "pk",
        "reply_to": "replies",
        "reply_to_session_id": "rs",
        "scheduled_enqueue_time_utc": AWARE,
        "sequence_number": 42,
        "session_id": "s-1",
        "state": 0,
        "subject": "orders",
        "time_to_live": timedelta(days=1, minutes=5, microseconds=7),
        "to": "dest",
        "transaction_partition_key": "tpk",
        "user_properties": {"u": [1, "x"]},
    }
    full.update(overrides)
    return full


def cases() -> list[tuple[str, str, dict[str, Any]]]:
    """Every case, in a stable order."""
    return [
        ("queue_full", "QueueMessage", {
            "id": "abc", "body": b'{"n": 1}', "pop_receipt": "pr", "dequeue_count": 2,
            "expiration_time": LATER, "insertion_time": AWARE, "time_next_visible": AWARE}),
        ("queue_empty", "QueueMessage", {}),
        ("queue_binary", "QueueMessage", {"id": "b", "body": b"\xff\xfe\x00\x01"}),
        ("queue_text", "QueueMessage", {"body": "héllo ✓", "dequeue_count": 0}),
        ("queue_naive", "QueueMessage", {"body": b"x", "insertion_time": NAIVE}),
        ("queue_offset", "QueueMessage", {"body": b"x", "insertion_time": PLUS2}),
        ("eventhub_full", "EventHubEvent", {
            "body": b'{"t": 21.5}', "partition_key": "p1", "sequence_number": 47,
            "offset": "3696", "enqueued_time": AWARE,
            "iothub_metadata": {"connection-device-id": "d1", "enqueuedtime": "2020"}}),
        ("eventhub_empty", "EventHubEvent", {"body": b""}),
        ("eventhub_binary", "EventHubEvent", {"body": b"\x80abc", "enqueued_time": PLUS2}),
        ("eventhub_no_iothub", "EventHubEvent", {"body": b"a", "iothub_metadata": {}}),
        ("eventhub_naive", "EventHubEvent", {"body": b"a", "enqueued_time": NAIVE}),
        ("blob_full", "InputStream", {
            "data": b"id,name\n1,ada\n", "name": "samples/people.csv",
            "uri": "https://acct.blob.core.windows.net/samples/people.csv", "length": 14,
            "blob_properties": {"ContentType": "text/csv", "LastModified": AWARE,
                                "ContentMD5": b"\x01\x02\xfe"},
            "metadata": {"owner": "ada"}}),
        ("blob_named", "InputStream", {"data": b"", "name": "c/empty", "length": 0}),
        ("blob_bare", "InputStream", {"data": b"abc"}),
        ("timer_default", "TimerRequest", {}),
        ("timer_full", "TimerRequest", {
            "past_due": True,
            "schedule_status": {"Last": "2016-10-04T10:15:00+00:00",
                                "Next": "2016-10-04T10:20:00+00:00",
                                "LastUpdated": "2016-10-04T10:16:00+00:00"},
            "schedule": {"AdjustForDST": True}}),
        ("timer_datetimes", "TimerRequest", {
            "schedule_status": {"Last": AWARE, "Next": NAIVE}}),
        ("servicebus_full", "ServiceBusMessage", _servicebus()),
        ("servicebus_minimal", "ServiceBusMessage", {
            "body": b"", "application_properties": {}, "message_id": "m",
            "user_properties": {}}),
        ("servicebus_binary", "ServiceBusMessage", _servicebus(body=b"\xc3\x28")),
        ("servicebus_naive", "ServiceBusMessage", _servicebus(enqueued_time_utc=NAIVE)),
        ("documents", "DocumentList", {"rows": [{"id": "1", "n": [1, 2]}, {}]}),
        ("documents_empty", "DocumentList", {"rows": []}),
        ("documents_bytes", "DocumentList", {"rows": [{"id": "1", "raw": b"\xff"}]}),
        ("sql_rows", "SqlRowList", {"rows": [MIXED_ROW, {"id": 2}]}),
        ("sql_empty", "SqlRowList", {"rows": []}),
        ("sql_bytearray", "SqlRowList", {"rows": [{"blob": bytearray(b"\xff")}]}),
        ("mysql_rows", "MySqlRowList", {"rows": [MIXED_ROW]}),
    ]


_T = '"2019-10-09T17:58:31.0461Z"'
_T2 = '"2019-10-16T17:58:31+00:00"'


def trigger_cases() -> list[tuple[str, str, tuple[Any, str], dict[str, tuple[Any, str]]]]:
    """Trigger payloads as the host sends them: ``(case id, binding, (value, datum type),
    {metadata key: (value, datum type)})``."""
    return [
        ("queue_trigger", "queueTrigger", ("hello", "string"), {
            "Id": ("abc", "string"), "PopReceipt": ("pr", "string"),
            "DequeueCount": ("1", "json"), "InsertionTime": (_T, "json"),
            "ExpirationTime": (_T2, "json"), "NextVisibleTime": (_T2, "json")}),
        ("queue_trigger_binary", "queueTrigger", (b"\xff\x00", "bytes"), {}),
        ("timer_trigger", "timerTrigger", (
            '{"Schedule": {"AdjustForDST": true}, "ScheduleStatus": {"Last": '
            '"2016-10-04T10:15:00+00:00", "Next": "2016-10-04T10:20:00+00:00", '
            '"LastUpdated": "2016-10-04T10:15:00+00:00"}, "IsPastDue": false}', "json"), {}),
        ("servicebus_trigger", "serviceBusTrigger", (b'{"order": 7}', "bytes"), {
            "MessageId": ("m-1", "string"), "DeliveryCount": ("2", "json"),
            "EnqueuedTimeUtc": (_T, "json"), "ContentType": ("application/json", "string"),
            "SequenceNumber": ("42", "json"), "UserProperties": ('{"u": 1}', "json"),
            "ApplicationProperties": ('{"tenant": "contoso"}', "json")}),
        ("eventhub_trigger", "eventHubTrigger", (b'{"t": 21.5}', "bytes"), {
            "EnqueuedTimeUtc": (_T, "json"), "SequenceNumber": ("47", "json"),
            "Offset": ("3696", "string"), "PartitionKey": ("p1", "string"),
            "SystemProperties": ('{"iothub-connection-device-id": "d1"}', "json")}),
    ]
