"""The embedded storage bindings of the local host: queue and blob inputs and outputs.

Rules this module keeps:

* ``queue`` outputs enqueue on the on-disk queue named by ``queueName`` (expressions
  resolved); a list (a JSON array or a collection Datum) enqueues one message per item.
* ``blob`` outputs write ``path`` (expressions resolved from the binding data), ``blob``
  inputs read it (a missing blob reads as null, as in Azure).
* Outputs are applied in binding order after the function succeeded and before a queue
  message is deleted, so a crash can repeat an invocation but never lose its outputs.
* Other binding types are not emulated: their inputs read as null and their outputs are
  dropped, each with one warning per function and binding.
* No storage I/O on the event loop: :meth:`LocalBindings.inputs` and
  :meth:`LocalBindings.apply_outputs` run the blocking reads and blob writes
  (:meth:`~LocalBindings.read_inputs`, :meth:`~LocalBindings.start_outputs`) on a helper
  thread, and only when the function has a binding that touches storage; queue messages
  go to the queue's group commit and are awaited (durable) before the invocation ends.
* Binding data is built only for the names the function's bindings use
  (:meth:`LocalBindings.expression_names`, computed once per function).
* Failures keep their class: an unresolvable expression or name is a
  :class:`~azfunc.ConfigurationError`, a disk failure a :class:`~azfunc.StorageError`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Final

from .._datum import Datum, collection_items
from .._errors import ConfigurationError
from .expressions import expression_names, resolve_expression
from .ncrontab import resolve_settings
from .storage import LocalStorage

if TYPE_CHECKING:
    from ..app.invocation import InvocationResult
    from ..app.model import BindingInfo, FunctionInfo

__all__ = ["LocalBindings", "queue_name_template"]

logger = logging.getLogger("azfunc.host")
_PASSIVE: Final = frozenset({"http", "httptrigger"})


def _queue_items(datum: Datum) -> list[bytes | str]:
    if datum.type in {"collection_bytes", "collection_string", "collection_double",
                      "collection_sint64"}:
        return [item if isinstance(item, (bytes, str)) else json.dumps(item)
                for item in collection_items(datum)]
    if datum.type == "json":
        value = datum.python_value
        if isinstance(value, list):
            return [item if isinstance(item, str) else json.dumps(item) for item in value]
        return [datum.value if isinstance(datum.value, str) else json.dumps(value)]
    if datum.type in {"bytes", "stream"}:
        return [bytes(datum.value)]
    if datum.type in {"int", "double"}:
        return [json.dumps(datum.value)]
    if datum.type == "null":
        return []
    return [str(datum.value)]


def _blob_bytes(datum: Datum) -> bytes | None:
    if datum.type == "null":
        return None
    if datum.type in {"bytes", "stream"}:
        return bytes(datum.value)
    if datum.type == "json" and not isinstance(datum.value, str):
        return json.dumps(datum.value).encode("utf-8")
    return str(datum.value).encode("utf-8")


def queue_name_template(binding: BindingInfo) -> str:
    """The ``queueName`` of a queue binding, unresolved (``azfunc check`` runs this too).

    Raises:
        ConfigurationError: if the binding has no ``queueName``.
    """
    name = binding.properties.get("queueName") or binding.properties.get("queue_name")
    if not isinstance(name, str) or not name:
        raise ConfigurationError(f"the queue binding {binding.name!r} has no queueName")
    return name


class LocalBindings:
    """Queue and blob bindings backed by :class:`~azfunc.host.storage.LocalStorage`.

    Example:
        >>> import tempfile, pathlib
        >>> b = LocalBindings(LocalStorage(pathlib.Path(tempfile.mkdtemp())))
        >>> b.storage.queue("jobs").name
        'jobs'
    """

    def __init__(
        self,
        storage: LocalStorage,
        *,
        settings: Mapping[str, str] | None = None,
        on_enqueue: Callable[[str], None] | None = None,
        on_blob: Callable[[str], None] | None = None,
    ) -> None:
        self.storage = storage
        self.settings = dict(settings or {})
        self.on_enqueue = on_enqueue
        self.on_blob = on_blob
        self._warned: set[tuple[str, str]] = set()
        self._io: dict[tuple[str, str], bool] = {}
        self._blob_out: dict[str, bool] = {}
        self._names: dict[str, frozenset[str]] = {}

    def _warn(self, info: FunctionInfo, binding: BindingInfo, what: str) -> None:
        key = (info.name, binding.name)
        if key not in self._warned:
            self._warned.add(key)
            logger.warning(
                "[%s] the %s binding %r is not emulated by the local host; its %s",
                info.name, binding.type, binding.name, what,
            )

    def resolve(self, text: str, data: Mapping[str, Any] | None) -> str:
        """Resolve a binding expression with this host's settings.

        Raises:
            ConfigurationError: if a name has no value.
        """
        return resolve_expression(text, data, self.settings)

    def queue_name(self, binding: BindingInfo, data: Mapping[str, Any] | None = None) -> str:
        """The resolved ``queueName`` of a queue binding.

        Raises:
            ConfigurationError: if the binding has no ``queueName``.
        """
        return self.resolve(queue_name_template(binding), data)

    def blob_path(self, binding: BindingInfo, data: Mapping[str, Any] | None) -> str:
        """The resolved ``path`` of a blob binding.

        Raises:
            ConfigurationError: if the binding has no ``path`` or a name has no value.
        """
        path = binding.properties.get("path")
        if not isinstance(path, str) or not path:
            raise ConfigurationError(f"the blob binding {binding.name!r} has no path")
        return self.resolve(path, data)

    def expression_names(self, info: FunctionInfo) -> frozenset[str]:
        """The lower-cased ``{name}`` expressions the non-trigger bindings of ``info`` use.

        ``%SETTING%`` is resolved first (a setting may hold an expression); a setting that
        is missing leaves its text as is (resolving the binding reports it later).
        """
        found = self._names.get(info.name)
        if found is None:
            texts: list[str] = []
            for binding in info.bindings:
                if binding.is_trigger:
                    continue
                for value in binding.properties.values():
                    if isinstance(value, str):
                        try:
                            texts.append(resolve_settings(value, self.settings))
                        except ConfigurationError:
                            texts.append(value)
            found = self._names[info.name] = expression_names(texts)
        return found

    def _needs_io(self, info: FunctionInfo, direction: str) -> bool:
        """Whether ``info`` has an input (``"in"``) or output binding to read or write."""
        key = (info.name, direction)
        found = self._io.get(key)
        if found is None:
            if direction == "in":
                found = any(not b.is_trigger and b.type.lower() not in _PASSIVE
                            for b in info.input_bindings)
            else:
                found = any(b.direction != "in" and b.type.lower() not in _PASSIVE
                            for b in info.bindings)
            self._io[key] = found
        return found

    async def inputs(self, info: FunctionInfo, data: Mapping[str, Any]) -> dict[str, Any]:
        """Datums for the non-trigger input bindings of ``info`` (read on a helper thread).

        Raises:
            ConfigurationError: if a blob path cannot be resolved.
            StorageError: if a blob cannot be read.
        """
        if not self._needs_io(info, "in"):
            return {}
        return await asyncio.to_thread(self.read_inputs, info, data)

    def read_inputs(self, info: FunctionInfo, data: Mapping[str, Any]) -> dict[str, Any]:
        """:meth:`inputs`, blocking: reads the blobs on the calling thread.

        Raises:
            ConfigurationError: if a blob path cannot be resolved.
            StorageError: if a blob cannot be read.
        """
        values: dict[str, Any] = {}
        for binding in info.input_bindings:
            if binding.is_trigger:
                continue
            kind = binding.type.lower()
            if kind == "blob":
                path = self.blob_path(binding, data)
                content = self.storage.read_blob(path)
                if content is None:
                    values[binding.name] = Datum(None, "null")
                elif binding.data_type == "string":
                    values[binding.name] = Datum(content.decode("utf-8", "replace"), "string")
                else:
                    values[binding.name] = Datum(content, "bytes")
            elif kind not in _PASSIVE:
                self._warn(info, binding, "input is None")
                values[binding.name] = Datum(None, "null")
        return values

    def outputs(self, info: FunctionInfo, result: InvocationResult,
                data: Mapping[str, Any]) -> None:
        """Apply the queue and blob outputs of a finished invocation (blocking).

        Raises:
            ConfigurationError: if a queue name or blob path cannot be resolved.
            StorageError: if a message or blob cannot be written.
        """
        for queue, pending in self.start_outputs(info, result, data):
            pending.result()
            if self.on_enqueue is not None:
                self.on_enqueue(queue)

    def start_outputs(self, info: FunctionInfo, result: InvocationResult,
                      data: Mapping[str, Any]) -> list[tuple[str, Future[Any]]]:
        """Write the blob outputs (blocking) and submit the queue outputs (not waited for).

        Returns ``(queue name, future)`` per queue output: the future is done once its
        messages are durable (:meth:`~azfunc.host.storage.LocalQueue.submit`).

        Raises:
            ConfigurationError: if a queue name or blob path cannot be resolved.
            StorageError: if a blob cannot be written.
        """
        pending: list[tuple[str, Future[Any]]] = []
        for binding in info.bindings:
            if binding.direction == "in":
                continue
            datum = result.return_data if binding.is_return else result.output_data.get(
                binding.name
            )
            if datum is None:
                continue
            kind = binding.type.lower()
            if kind == "queue":
                queue = self.storage.queue(self.queue_name(binding, data))
                items = _queue_items(datum)
                if items:
                    pending.append((queue.name, queue.submit(items)))
            elif kind == "blob":
                payload = _blob_bytes(datum)
                if payload is None:
                    continue
                path = self.blob_path(binding, data)
                self.storage.write_blob(path, payload)
                if self.on_blob is not None:
                    self.on_blob(path)
            elif kind not in _PASSIVE:
                self._warn(info, binding, "output is dropped")
        return pending

    async def apply_outputs(
        self, info: FunctionInfo, result: InvocationResult, data: Mapping[str, Any]
    ) -> None:
        """Apply the outputs (the hook of the HTTP frontend and triggers), off the loop.

        Blob writes run on a helper thread; queue messages are submitted to their queue's
        group commit and awaited on the loop, holding no thread while their batch is
        written, so many invocations share one ``fsync``.

        Raises:
            ConfigurationError: if a queue name or blob path cannot be resolved.
            StorageError: if a message or blob cannot be written.
        """
        if not self._needs_io(info, "out"):
            return
        if self._writes_blobs(info):
            pending = await asyncio.to_thread(self.start_outputs, info, result, data)
        else:
            pending = self.start_outputs(info, result, data)
        for queue, future in pending:
            await asyncio.wrap_future(future)
            if self.on_enqueue is not None:
                self.on_enqueue(queue)

    def _writes_blobs(self, info: FunctionInfo) -> bool:
        found = self._blob_out.get(info.name)
        if found is None:
            found = self._blob_out[info.name] = any(
                b.direction != "in" and b.type.lower() == "blob" for b in info.bindings
            )
        return found
