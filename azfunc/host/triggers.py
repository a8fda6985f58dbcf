"""The local host's non-HTTP triggers: queue pollers, blob watchers and timers.

Rules this module keeps:

* Queues and blobs are reached through the protocols of :mod:`azfunc.storage.backend`:
  the embedded store or a storage account, as the binding's ``connection`` says; this
  code is the same for both.
* Queue triggers lease a message (invisible for :attr:`HostOptions.lease`), invoke the
  function, apply its outputs and only then delete the message. A failure makes the message
  visible again after ``visibilityTimeout``; once it has been dequeued ``maxDequeueCount``
  times it moves to ``<queue>-poison`` instead (at once, if it does not decode with
  ``messageEncoding``). A batch of ``batchSize`` messages is fetched whenever at most
  ``newBatchThreshold`` run. An empty poll doubles the wait, from 100 ms up to
  ``maxPollingInterval``; a message resets it, and an enqueue by this process wakes it.
  While the function runs, the lease is renewed every half lease
  (:mod:`azfunc.host.lease_renewal`), and the message is deleted or released with its
  latest pop receipt; one whose lease was lost meanwhile is neither, and is logged.
* Blob triggers fire once per blob version (a receipt per function and blob version:
  ``.azfunc/state`` for the embedded store, leased blobs in ``azure-webjobs-hosts`` for an
  account), also for blobs written while the host was down; after five failures a blob
  version is given up and reported on ``webjobs-blobtrigger-poison``.
* Timers fire on their NCRONTAB schedule and, with ``runOnStartup``, at start. The last and
  next occurrences are persisted, so a schedule missed while the host was down fires once
  at start with ``IsPastDue`` true.
* Every loop stops at the host's stop event after finishing what it started.
* Nothing blocks the event loop: the embedded store works on helper threads
  (``asyncio.to_thread``), an account through the SDKs' async clients; on the embedded
  store a blob scan saves its receipts once, at its end.
* Failures are logged with their traceback: an input binding here, the function or an
  output binding by :meth:`Runtime.invoke`, storage errors by the loop that hit them. A
  loop survives any failure of one round and tries again after its polling interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final

from .._datum import Datum
from .._errors import (
    ArgumentValueError,
    ConfigurationError,
    FunctionLoadError,
    LeaseLostError,
    StorageError,
)
from .._timeparse import duration_setting
from ..storage.backend import (
    BLOB_MAX_FAILURES,
    BLOB_POISON_QUEUE,
    BlobReceipts,
    BlobStore,
    MessageEncoding,
    QueueMessage,
    QueueStore,
    message_encoding,
)
from .expressions import BlobPattern, binding_data
from .lease_renewal import LeaseKeeper
from .local_bindings import LocalBindings
from .ncrontab import CronSchedule, resolve_settings
from .storage import StoredMessage

if TYPE_CHECKING:
    from ..app.invocation import InvocationResult
    from ..app.model import BindingInfo, FunctionInfo
    from .runtime import Runtime

__all__ = ["BlobWatcher", "HostOptions", "QueuePoller", "TimerRunner"]

logger = logging.getLogger("azfunc.host")


@dataclass(frozen=True)
class HostOptions:
    """Queue, blob and timer settings of the local host (``host.json`` + overrides).

    Example:
        >>> o = HostOptions.from_host_json({"extensions": {"queues": {"maxDequeueCount": 2}}})
        >>> o.max_dequeue_count, o.visibility_timeout
        (2, datetime.timedelta(0))
    """

    poll_interval: timedelta = timedelta(seconds=1)
    visibility_timeout: timedelta = timedelta(0)
    max_dequeue_count: int = 5
    batch_size: int = 16
    lease: timedelta = timedelta(minutes=10)
    #: fetch a new batch when at most this many run (``None``: ``batchSize // 2``)
    new_batch_threshold: int | None = None
    message_encoding: MessageEncoding = "base64"

    @property
    def batch_threshold(self) -> int:
        """``newBatchThreshold``, or the extension's default ``batchSize // 2``."""
        if self.new_batch_threshold is not None:
            return self.new_batch_threshold
        return self.batch_size // 2

    @classmethod
    def from_host_json(cls, host_json: Mapping[str, Any], **overrides: Any) -> HostOptions:
        """Read ``extensions.queues``; keyword overrides that are not ``None`` win.

        Durations are read by :func:`azfunc._timeparse.parse_duration` (a number is seconds).

        Raises:
            ConfigurationError: if a value has the wrong type or is not a duration.
        """
        extensions = host_json.get("extensions")
        queues = extensions.get("queues") if isinstance(extensions, Mapping) else None
        queues = queues if isinstance(queues, Mapping) else {}
        values: dict[str, Any] = {}
        for key, field_name in (("maxPollingInterval", "poll_interval"),
                                ("visibilityTimeout", "visibility_timeout")):
            raw = queues.get(key)
            if raw is not None:
                values[field_name] = duration_setting(raw, f"host.json extensions.queues.{key}")
        for key, field_name in (("maxDequeueCount", "max_dequeue_count"),
                                ("batchSize", "batch_size")):
            raw = queues.get(key)
            if raw is not None:
                if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
                    raise ConfigurationError(
                        f"host.json extensions.queues.{key} must be an integer >= 1, got {raw!r}"
                    )
                values[field_name] = raw
        threshold = queues.get("newBatchThreshold")
        if threshold is not None:
            if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
                raise ConfigurationError(
                    "host.json extensions.queues.newBatchThreshold must be an integer >= 0, "
                    f"got {threshold!r}"
                )
            values["new_batch_threshold"] = threshold
        values["message_encoding"] = message_encoding(queues.get("messageEncoding"))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def _wait(event: asyncio.Event, timeout: float) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(event.wait(), timeout)


async def invoke_with_bindings(
    runtime: Runtime, bindings: LocalBindings, info: FunctionInfo, inputs: dict[str, Any],
    metadata: Mapping[str, Any], data: Mapping[str, Any],
) -> None:
    """Read the input bindings, invoke ``info`` and apply its outputs; every failure is
    logged with its traceback (here or by :meth:`Runtime.invoke`) and re-raised.

    Raises:
        Exception: what an input binding, the function or an output binding raised.
    """
    try:
        inputs.update(await bindings.inputs(info, data))
    except Exception:
        logger.exception("[%s] the input bindings could not be read", info.name)
        raise

    async def outputs(result: InvocationResult) -> None:
        await bindings.apply_outputs(info, result, data)

    await runtime.invoke(info, inputs, trigger_metadata=metadata, outputs=outputs)


def queue_datum(message: QueueMessage, binding: BindingInfo) -> Datum:
    """The trigger Datum of a queue message (text unless binary or not UTF-8)."""
    text = message.text
    if text is None or binding.data_type == "binary":
        return Datum(message.body, "bytes")
    return Datum(text, "string")


#: the queue extension's shortest polling interval (its exponential backoff starts here)
MIN_POLL_INTERVAL: Final = timedelta(milliseconds=100)


def next_poll_delay(current: timedelta, maximum: timedelta) -> timedelta:
    """The backoff after an empty poll: doubled (with up to 20% jitter), at most ``maximum``.

    >>> next_poll_delay(timedelta(seconds=1), timedelta(seconds=1.5))
    datetime.timedelta(seconds=1, microseconds=500000)
    """
    doubled = current * 2 * (1 - random.random() * 0.2)
    return max(MIN_POLL_INTERVAL, min(maximum, doubled))


class QueuePoller:
    """Feeds one queue-triggered function from its queue (embedded store or account)."""

    def __init__(self, info: FunctionInfo, binding: BindingInfo, *, runtime: Runtime,
                 bindings: LocalBindings, options: HostOptions, wake: asyncio.Event) -> None:
        self.info = info
        self.binding = binding
        self.runtime = runtime
        self.bindings = bindings
        self.options = options
        self.wake = wake
        self.queue: QueueStore = bindings.queue_store(binding, bindings.queue_name(binding))
        self.poison_queue = f"{self.queue.name}-poison"

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set, then wait for the messages in flight.

        A batch of up to ``batchSize`` messages is fetched whenever no more than
        ``newBatchThreshold`` are running; an empty poll doubles the wait (up to
        ``maxPollingInterval``), a message resets it, and a local enqueue wakes it at once.
        """
        running: set[asyncio.Task[bool]] = set()
        threshold = self.options.batch_threshold
        maximum = self.options.poll_interval
        delay = min(MIN_POLL_INTERVAL, maximum)
        while not stop.is_set():
            if len(running) > threshold:
                await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                continue
            self.wake.clear()  # before the poll: an enqueue during it wakes the next wait
            try:
                messages = await self.queue.receive(self.options.batch_size, self.options.lease)
            except Exception:
                logger.exception("[%s] reading queue %r failed", self.info.name, self.queue.name)
                await _wait(stop, maximum.total_seconds())
                continue
            if not messages:
                await _wait(self.wake, delay.total_seconds())
                delay = next_poll_delay(delay, maximum)
                continue
            delay = min(MIN_POLL_INTERVAL, maximum)
            for message in messages:
                task = asyncio.ensure_future(self.process(message))
                running.add(task)
                task.add_done_callback(running.discard)
        if running:
            await asyncio.wait(running)

    async def process(self, message: QueueMessage) -> bool:
        """Invoke the function for one leased message; returns whether it succeeded."""
        problem = getattr(message, "problem", None)
        if problem:  # not decodable with messageEncoding: the extension poisons it at once
            logger.error("[%s] message %s: %s", self.info.name, message.id, problem)
            await self._poison(message, problem)
            return False
        failure: Exception | None = None
        async with LeaseKeeper(self.queue, message, self.options.lease,
                               function=self.info.name) as keeper:
            try:
                metadata = message.metadata()
                data = binding_data(metadata, body=message.body, body_wins=True,
                                    names=self.bindings.expression_names(self.info))
                inputs = {self.binding.name: queue_datum(message, self.binding)}
                await invoke_with_bindings(self.runtime, self.bindings, self.info, inputs,
                                           metadata, data)
            except Exception as exc:  # logged by invoke_with_bindings
                failure = exc
        if keeper.lost is not None:  # logged when it was lost; never deleted as if done
            logger.error("[%s] message %s %s, but its lease was lost meanwhile: it is not "
                         "deleted and may run again", self.info.name, message.id,
                         "failed" if failure is not None else "ran")
            return failure is None
        message = keeper.message  # the current pop receipt
        if failure is not None:
            await self._failed(message, failure)
            return False
        try:
            await self.queue.delete(message)
        except LeaseLostError as exc:
            logger.warning("[%s] the message ran, but %s; it may run again", self.info.name, exc)
        except StorageError:
            logger.exception("[%s] message %s ran but could not be deleted", self.info.name,
                             message.id)
        return True

    async def _poison(self, message: QueueMessage, reason: object) -> None:
        try:
            await self.queue.poison(message, self.poison_queue)
            logger.error(
                "[%s] message %s (dequeued %d times) moved to %r: %s", self.info.name,
                message.id, message.dequeue_count, self.poison_queue, reason,
            )
        except LeaseLostError as error:
            logger.warning("[%s] %s", self.info.name, error)
        except Exception:
            logger.exception("[%s] message %s could not be moved to %r", self.info.name,
                             message.id, self.poison_queue)

    async def _failed(self, message: QueueMessage, exc: Exception) -> None:
        """Release the message for a retry, or move it to the poison queue."""
        if message.dequeue_count >= self.options.max_dequeue_count:
            await self._poison(message, exc)
            return
        try:
            await self.queue.release(message, self.options.visibility_timeout)
        except LeaseLostError as error:
            logger.warning("[%s] %s", self.info.name, error)
        except Exception:
            logger.exception("[%s] message %s failed and could not be released",
                             self.info.name, message.id)


def blob_metadata(path: str, content: bytes | None, captures: Mapping[str, str],
                  uri: str) -> dict[str, Any]:
    """The blob trigger metadata: ``BlobTrigger``, ``Uri``, ``Properties``, ``Metadata``
    (no length when the content was not read: an SDK-typed parameter)."""
    properties = {} if content is None else {"ContentLength": len(content),
                                             "Length": len(content)}
    return {**captures, "BlobTrigger": path, "Uri": uri, "Properties": properties,
            "Metadata": {}}


def blob_trigger_datum(bindings: LocalBindings, info: FunctionInfo, binding: BindingInfo,
                       path: str, content: bytes | None) -> Datum:
    """What a blob trigger's parameter gets: the blob reference for an SDK-typed one, else
    the content (text for ``dataType: string``)."""
    if bindings.sdk_type(info, binding) is not None:
        return bindings.sdk_reference(binding, path)
    if content is None:
        return Datum(None, "null")
    if binding.data_type == "string":
        return Datum(content.decode("utf-8", "replace"), "string")
    return Datum(content, "bytes")


class BlobWatcher:
    """Fires one blob-triggered function for every new or rewritten matching blob."""

    def __init__(self, info: FunctionInfo, binding: BindingInfo, *, runtime: Runtime,
                 bindings: LocalBindings, options: HostOptions, wake: asyncio.Event) -> None:
        path = binding.properties.get("path")
        if not isinstance(path, str):
            raise FunctionLoadError(f"the blob trigger of {info.name!r} has no path")
        self.info = info
        self.binding = binding
        self.runtime = runtime
        self.bindings = bindings
        self.options = options
        self.wake = wake
        self.pattern = BlobPattern(resolve_settings(path, bindings.settings))
        self.blobs: BlobStore = bindings.blob_store(binding)
        self.receipts: BlobReceipts = bindings.blob_receipts(binding, info.name)

    async def run(self, stop: asyncio.Event) -> None:
        """Scan until ``stop`` is set."""
        while not stop.is_set():
            try:
                await self.scan()
            except Exception:
                logger.exception("[%s] scanning blobs failed", self.info.name)
            self.wake.clear()
            await _wait(self.wake, self.options.poll_interval.total_seconds())

    async def scan(self) -> int:
        """Invoke the function for every matching blob version not yet processed.

        The receipts say which versions are done (:mod:`azfunc.storage.backend`
        ``BlobReceipts``): on the embedded store they are loaded once and saved once per
        scan, on an account each version is claimed with a lease on its receipt.

        Raises:
            StorageError: if the container or the receipts cannot be read or saved.
        """
        container = self.pattern.container
        await self.receipts.begin()
        fired = 0
        try:
            for name, etag in await self.blobs.scan(container):
                path = f"{container}/{name}"
                captures = self.pattern.match(path)
                if captures is None:
                    continue
                token = await self.receipts.claim(path, etag)
                if token is None:
                    continue
                fired += 1
                if await self.fire(path, captures):
                    await self.receipts.done(token)
                    continue
                report = json.dumps({
                    "FunctionId": self.info.name, "BlobType": "BlockBlob",
                    "ContainerName": container, "BlobName": name, "ETag": etag,
                })
                if await self.receipts.failed(token, report):
                    logger.error("[%s] blob %s failed %d times; reported on %r",
                                 self.info.name, path, BLOB_MAX_FAILURES, BLOB_POISON_QUEUE)
        finally:
            await self.receipts.end()
        return fired

    async def fire(self, path: str, captures: Mapping[str, str]) -> bool:
        """Invoke the function for one blob; returns whether it succeeded (failures logged)."""
        deferred = self.bindings.sdk_type(self.info, self.binding) is not None
        try:
            content = None if deferred else await self.blobs.read(path)
            uri = self.blobs.uri(path)
            if content is None and not deferred:
                return True
            datum = blob_trigger_datum(self.bindings, self.info, self.binding, path, content)
        except Exception:
            logger.exception("[%s] blob %s could not be read", self.info.name, path)
            return False
        metadata = blob_metadata(path, content, captures, uri)
        data = binding_data(metadata)
        try:
            await invoke_with_bindings(self.runtime, self.bindings, self.info,
                                       {self.binding.name: datum}, metadata, data)
        except Exception:  # logged by invoke_with_bindings
            return False
        return True


def timer_datum(last: datetime | None, next_: datetime, *, past_due: bool,
                schedule: CronSchedule) -> Datum:
    """The timer trigger Datum: ``Schedule``, ``ScheduleStatus``, ``IsPastDue``."""
    status = {
        "Last": (last or datetime(1, 1, 1, tzinfo=timezone.utc)).isoformat(),
        "Next": next_.isoformat(),
        "LastUpdated": _now().isoformat(),
    }
    return Datum(json.dumps({
        "Schedule": {"AdjustForDST": schedule.interval is None},
        "ScheduleStatus": status,
        "IsPastDue": past_due,
    }), "json")


class TimerRunner:
    """Fires one timer-triggered function on its schedule."""

    def __init__(self, info: FunctionInfo, binding: BindingInfo, *, runtime: Runtime,
                 bindings: LocalBindings) -> None:
        expression = binding.properties.get("schedule")
        if not isinstance(expression, str):
            raise FunctionLoadError(f"the timer trigger of {info.name!r} has no schedule")
        self.info = info
        self.binding = binding
        self.runtime = runtime
        self.bindings = bindings
        self.schedule = CronSchedule(resolve_settings(expression, bindings.settings))
        self.run_on_startup = bool(binding.properties.get("runOnStartup", False))
        self.state_name = f"timer-{info.name}"

    def _load(self) -> tuple[datetime | None, datetime | None]:
        state = self.bindings.storage.load_state(self.state_name)
        try:
            last = datetime.fromisoformat(state["last"]) if state.get("last") else None
            nxt = datetime.fromisoformat(state["next"]) if state.get("next") else None
        except (TypeError, ValueError):
            return None, None
        return last, nxt

    def _save(self, last: datetime | None, next_: datetime) -> None:
        self.bindings.storage.save_state(self.state_name, {
            "last": last.isoformat() if last else None,
            "next": next_.isoformat(),
            "lastUpdated": _now().isoformat(),
        })

    async def fire(self, *, past_due: bool, last: datetime | None, next_: datetime) -> bool:
        """Invoke the function once; returns whether it succeeded."""
        datum = timer_datum(last, next_, past_due=past_due, schedule=self.schedule)
        try:
            await invoke_with_bindings(self.runtime, self.bindings, self.info,
                                       {self.binding.name: datum}, {}, {})
        except Exception:  # logged by invoke_with_bindings
            return False
        return True

    async def _persist(self, last: datetime | None, next_: datetime) -> None:
        try:
            await asyncio.to_thread(self._save, last, next_)
        except Exception:
            logger.exception("[%s] the timer status could not be saved", self.info.name)

    async def run(self, stop: asyncio.Event) -> None:
        """Fire on schedule until ``stop`` is set."""
        try:
            last, recorded_next = await asyncio.to_thread(self._load)
        except Exception:
            logger.exception("[%s] the timer status could not be read", self.info.name)
            last, recorded_next = None, None
        now = _now()
        upcoming = self.schedule.next_after(now)
        if recorded_next is not None and recorded_next < now:
            await self.fire(past_due=True, last=last, next_=upcoming)
            last = recorded_next
        elif self.run_on_startup:
            await self.fire(past_due=False, last=last, next_=upcoming)
        while not stop.is_set():
            now = _now()
            due = self.schedule.next_after(now)
            await self._persist(last, due)
            await _wait(stop, max(0.0, (due - _now()).total_seconds()))
            if stop.is_set():
                break
            after = self.schedule.next_after(due)
            late = (_now() - due) > timedelta(seconds=5)
            await self.fire(past_due=late, last=last, next_=after)
            last = due
            await self._persist(last, after)


async def admin_inputs(
    info: FunctionInfo, trigger: BindingInfo, payload: str, bindings: LocalBindings
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(inputs, trigger metadata, binding data) for ``POST /admin/functions/<name>``.

    A blob trigger's blob is read from the store its connection names.

    Raises:
        ArgumentValueError: if a blob trigger names a blob that does not exist.
    """
    kind = trigger.type.lower()
    if kind == "queuetrigger":
        now = _now()
        message = StoredMessage(
            id=str(uuid.uuid4()), body=payload.encode("utf-8"), dequeue_count=1,
            insertion_time=now, expiration_time=now + timedelta(days=7),
            next_visible_time=now + timedelta(minutes=10), pop_receipt=uuid.uuid4().hex,
        )
        metadata = message.metadata()
        data = binding_data(metadata, body=message.body, body_wins=True,
                            names=bindings.expression_names(info))
        return {trigger.name: queue_datum(message, trigger)}, metadata, data
    if kind == "blobtrigger":
        store = bindings.blob_store(trigger)
        content = await store.read(payload)
        if content is None:
            raise ArgumentValueError(f"blob {payload!r} does not exist in the local storage")
        path = payload.strip("/")
        uri = store.uri(path)
        pattern = trigger.properties.get("path")
        captures = BlobPattern(str(pattern)).match(path) if isinstance(pattern, str) else None
        meta = blob_metadata(path, content, captures or {}, uri)
        datum = blob_trigger_datum(bindings, info, trigger, path, content)
        return {trigger.name: datum}, meta, binding_data(meta)
    if kind == "timertrigger":
        schedule_text = trigger.properties.get("schedule")
        schedule = CronSchedule(resolve_settings(str(schedule_text), bindings.settings))
        next_ = schedule.next_after(_now())
        datum = timer_datum(None, next_, past_due=False, schedule=schedule)
        return {trigger.name: datum}, {}, {}
    try:
        parsed: Any = json.loads(payload)
    except (ValueError, RecursionError):
        parsed = None
    data = binding_data(body=payload, names=bindings.expression_names(info))
    if isinstance(parsed, (dict, list)):
        return {trigger.name: Datum(payload, "json")}, {}, data
    return {trigger.name: Datum(payload, "string")}, {}, data
