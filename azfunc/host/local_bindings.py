"""The storage bindings of the local host: queue and blob inputs and outputs.

Rules this module keeps:

* Each binding's ``connection`` setting picks its store (:mod:`azfunc.storage.connection`):
  unset -> the embedded on-disk store (:mod:`azfunc.host.embedded_backend`), a connection
  string, ``UseDevelopmentStorage=true`` or identity settings -> that account through the
  Azure SDKs (:mod:`azfunc.storage.azure_backend`, imported only then). Both satisfy the
  protocols of :mod:`azfunc.storage.backend`, so one code path serves them.
* ``queue`` outputs enqueue on the queue named by ``queueName`` (expressions resolved); a
  list (a JSON array or a collection Datum) enqueues one message per item. On an account
  the message is encoded as the queue extension encodes it (``messageEncoding``).
* ``blob`` outputs write ``path`` (expressions resolved from the binding data), ``blob``
  inputs read it (a missing blob reads as null, as in Azure). A blob input or trigger whose
  parameter is annotated with an Azure SDK type (:mod:`azfunc.bindings.blob_sdk`) is not
  read: it gets the blob extension's reference (``model_binding_data``: connection,
  container, blob), from which the converter builds the client in the function's process.
  Only an account can serve it; the embedded store has no SDK client.
* Outputs are applied in binding order after the function succeeded and before a queue
  message is deleted, so a crash can repeat an invocation but never lose its outputs.
* Other binding types are not emulated: their inputs read as null and their outputs are
  dropped, each with one warning per function and binding.
* No storage I/O on the event loop: the embedded store works on helper threads, the
  account backend awaits the SDKs' async clients; functions without a binding that
  touches storage skip all of it.
* Binding data is built only for the names the function's bindings use
  (:meth:`LocalBindings.expression_names`, computed once per function).
* Failures keep their class: an unresolvable expression, name or connection is a
  :class:`~azfunc.ConfigurationError`, a storage failure a :class:`~azfunc.StorageError`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from .._datum import Datum, collection_items
from .._errors import AnnotationError, ArgumentValueError, ConfigurationError
from ..app.annotations import EMPTY, resolve_signature
from ..bindings.blob_sdk import SdkBlobType, blob_reference, sdk_blob_type
from ..storage.backend import BlobReceipts, BlobStore, MessageEncoding, QueueStore
from ..storage.connection import (
    AccountConnection,
    StorageConnection,
    missing_storage_packages,
    resolve_connection,
)
from .embedded_backend import EmbeddedBlobs, EmbeddedQueue, EmbeddedReceipts
from .expressions import expression_names, resolve_expression
from .ncrontab import resolve_settings
from .storage import LocalStorage

if TYPE_CHECKING:
    from ..app.invocation import InvocationResult
    from ..app.model import BindingInfo, FunctionInfo
    from ..storage.azure_backend import AccountBackend

__all__ = ["LocalBindings", "host_id", "queue_name_template"]

logger = logging.getLogger("azfunc.host")
_PASSIVE: Final = frozenset({"http", "httptrigger"})
_STORAGE_TYPES: Final = frozenset({"queue", "queuetrigger", "blob", "blobtrigger"})


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


def host_id(settings: Mapping[str, str], app_name: str) -> str:
    """The host id naming blob receipts: ``AzureFunctionsWebHost__hostid`` or the app name.

    As the Functions host derives it: lower case, letters, digits and ``-``, at most 32.

    >>> host_id({}, "My_App.v2")
    'my-app-v2'
    """
    chosen = settings.get("AzureFunctionsWebHost__hostid") or settings.get(
        "AzureFunctionsWebHost:hostid") or app_name
    cleaned = "".join(c if c.isascii() and c.isalnum() else "-" for c in chosen.lower())
    return cleaned.strip("-")[:32].rstrip("-") or "azfunc-local"


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
        message_encoding: MessageEncoding = "base64",
        host_id: str = "azfunc-local",
    ) -> None:
        self.storage = storage
        #: names this host's blob receipts in an account (hosts of one app share it)
        self.host_id = host_id
        self.message_encoding: MessageEncoding = message_encoding
        self._connections: dict[str, StorageConnection] = {}
        self._accounts: dict[str, AccountBackend] = {}
        self._queues: dict[tuple[str, str], QueueStore] = {}
        self._embedded_blobs = EmbeddedBlobs(storage)
        self.settings = dict(settings or {})
        self.on_enqueue = on_enqueue
        self.on_blob = on_blob
        self._warned: set[tuple[str, str]] = set()
        self._io: dict[tuple[str, str], bool] = {}
        self._names: dict[str, frozenset[str]] = {}
        self._sdk: dict[tuple[str, str], SdkBlobType | None] = {}

    def sdk_type(self, info: FunctionInfo, binding: BindingInfo) -> SdkBlobType | None:
        """The Azure SDK type the parameter of a blob input or trigger is annotated with
        (``None`` for content: bytes, str, InputStream); worked out once per binding."""
        key = (info.name, binding.name)
        if key not in self._sdk:
            found = None
            if binding.type.lower() in ("blob", "blobtrigger") and binding.direction == "in":
                try:
                    annotation = resolve_signature(info.func, info.name).annotations.get(
                        binding.name, EMPTY)
                except AnnotationError:  # reported when the function is invoked
                    annotation = EMPTY
                found = None if annotation is EMPTY else sdk_blob_type(annotation)
            self._sdk[key] = found
        return self._sdk[key]

    def sdk_reference(self, binding: BindingInfo, path: str) -> Datum:
        """The ``model_binding_data`` Datum for an SDK-typed blob parameter of ``path``.

        Raises:
            ConfigurationError: if the binding's connection names the embedded store
                (``azfunc check`` reports it as ``blob-sdk-type``).
        """
        connection = self.connection(binding)
        if not isinstance(connection, AccountConnection):
            raise ConfigurationError(
                f"the blob binding {binding.name!r} is annotated with an Azure SDK type, which "
                "needs a storage account connection; the embedded store has none (set "
                f"{connection.setting} to a connection string or UseDevelopmentStorage=true)"
            )
        return blob_reference(connection.setting, path)

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

    # stores ----------------------------------------------------------------------------

    def connection(self, binding: BindingInfo) -> StorageConnection:
        """The store a storage binding's ``connection`` names (resolved once per setting).

        Raises:
            ConfigurationError: if the setting cannot be understood.
        """
        value = binding.properties.get("connection")
        name = value.strip() if isinstance(value, str) else ""
        found = self._connections.get(name)
        if found is None:
            found = self._connections[name] = resolve_connection(name or None, self.settings)
        return found

    def account(self, connection: AccountConnection) -> AccountBackend:
        """The SDK backend of an account connection (one per setting, made on first use).

        Raises:
            ConfigurationError: if the ``azfunc[storage]`` extra is not installed.
        """
        backend = self._accounts.get(connection.setting)
        if backend is None:
            missing = missing_storage_packages()
            if missing:
                raise ConfigurationError(
                    f"the connection {connection.setting!r} names a storage account, which "
                    f"needs {', '.join(missing)}: pip install 'azfunc[storage]'"
                )
            from ..storage.azure_backend import AccountBackend

            backend = AccountBackend(connection, encoding=self.message_encoding)
            self._accounts[connection.setting] = backend
        return backend

    def queue_store(self, binding: BindingInfo, name: str) -> QueueStore:
        """The queue ``name`` in the store the binding's connection names.

        Raises:
            ConfigurationError: if the connection or queue name is invalid.
        """
        connection = self.connection(binding)
        key = (connection.setting if isinstance(connection, AccountConnection) else "", name)
        store = self._queues.get(key)
        if store is None:
            if isinstance(connection, AccountConnection):
                store = self.account(connection).queue(name)
            else:
                store = EmbeddedQueue(self.storage, name)
            self._queues[key] = store
        return store

    def blob_store(self, binding: BindingInfo) -> BlobStore:
        """The blobs of the store the binding's connection names.

        Raises:
            ConfigurationError: if the connection is invalid.
        """
        connection = self.connection(binding)
        if isinstance(connection, AccountConnection):
            return self.account(connection).blobs()
        return self._embedded_blobs

    def uses_embedded_store(self, functions: Iterable[FunctionInfo]) -> bool:
        """Whether any queue or blob binding (or a timer's state) of ``functions`` lives in
        the embedded store; hosts of an app whose storage is all in an account need not
        claim it, so several of them may run on one app folder."""
        for info in functions:
            for binding in info.bindings:
                kind = binding.type.lower()
                if kind == "timertrigger":
                    return True
                if kind not in _STORAGE_TYPES:
                    continue
                try:
                    connection = self.connection(binding)
                except ConfigurationError:
                    return True  # reported when the binding is used
                if not isinstance(connection, AccountConnection):
                    return True
        return False

    def blob_receipts(self, binding: BindingInfo, function: str) -> BlobReceipts:
        """The receipts of a blob trigger, kept where its connection points.

        Raises:
            ConfigurationError: if the connection is invalid.
        """
        connection = self.connection(binding)
        if isinstance(connection, AccountConnection):
            return self.account(connection).receipts(self.host_id, function)
        return EmbeddedReceipts(self.storage, function)

    async def aclose(self) -> None:
        """Close the SDK clients of the account backends (on the loop that used them)."""
        for backend in self._accounts.values():
            try:
                await backend.aclose()
            except Exception:
                logger.exception("the storage client of %r could not be closed",
                                 backend.connection.setting)

    # tables (accounts only: the embedded store has none) -----------------------------------

    def _on_account(self, binding: BindingInfo) -> bool:
        return isinstance(self.connection(binding), AccountConnection)

    def _table_key(self, binding: BindingInfo, key: str, data: Mapping[str, Any]) -> str | None:
        value = binding.properties.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        return self.resolve(value, data) if isinstance(value, str) and value else None

    def _tables(self, binding: BindingInfo, data: Mapping[str, Any]) -> tuple[Any, str]:
        connection = self.connection(binding)
        if not isinstance(connection, AccountConnection):
            raise ConfigurationError(
                f"the table binding {binding.name!r} needs a storage account connection: the "
                "embedded store has no tables"
            )
        table = self._table_key(binding, "tableName", data)
        if table is None:
            raise ConfigurationError(f"the table binding {binding.name!r} has no tableName")
        return self.account(connection).tables(), table

    async def _read_table(self, binding: BindingInfo, data: Mapping[str, Any]) -> Datum:
        """One entity (``rowKey`` and ``partitionKey``) or a query, as a JSON Datum."""
        tables, table = self._tables(binding, data)
        partition = self._table_key(binding, "partitionKey", data)
        row = self._table_key(binding, "rowKey", data)
        if row is not None and partition is not None:
            entity = await tables.get(table, partition, row)
            return Datum(None, "null") if entity is None else Datum(json.dumps(entity), "json")
        take = binding.properties.get("take")
        limit = take if isinstance(take, int) and not isinstance(take, bool) and take > 0 else None
        query = self._table_key(binding, "filter", data)
        found = await tables.query(table, partition_key=partition, query_filter=query,
                                   take=limit)
        return Datum(json.dumps(found), "json")

    async def _write_table(self, binding: BindingInfo, datum: Datum,
                           data: Mapping[str, Any]) -> None:
        """Upsert the entity (or each entity of a list) the function set."""
        value = datum.python_value
        if isinstance(value, (str, bytes)):
            try:
                value = json.loads(value)
            except ValueError:
                raise ArgumentValueError(
                    f"the table output {binding.name!r} must be a JSON object or array of "
                    "objects"
                ) from None
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(item, dict) for item in items):
            raise ArgumentValueError(
                f"the table output {binding.name!r} must be an object or a list of objects"
            )
        tables, table = self._tables(binding, data)
        partition = self._table_key(binding, "partitionKey", data)
        row = self._table_key(binding, "rowKey", data)
        entities = []
        for item in items:
            entity = dict(item)
            if partition is not None:
                entity.setdefault("PartitionKey", partition)
            if row is not None:
                entity.setdefault("RowKey", row)
            entities.append(entity)
        await tables.upsert(table, entities)

    # inputs and outputs ------------------------------------------------------------------

    async def inputs(self, info: FunctionInfo, data: Mapping[str, Any]) -> dict[str, Any]:
        """Datums for the non-trigger input bindings of ``info``.

        Raises:
            ConfigurationError: if a blob path or connection cannot be resolved.
            StorageError: if a blob cannot be read.
        """
        if not self._needs_io(info, "in"):
            return {}
        values: dict[str, Any] = {}
        for binding in info.input_bindings:
            if binding.is_trigger:
                continue
            kind = binding.type.lower()
            if kind == "blob":
                path = self.blob_path(binding, data)
                if self.sdk_type(info, binding) is not None:
                    values[binding.name] = self.sdk_reference(binding, path)
                    continue
                content = await self.blob_store(binding).read(path)
                if content is None:
                    values[binding.name] = Datum(None, "null")
                elif binding.data_type == "string":
                    values[binding.name] = Datum(content.decode("utf-8", "replace"), "string")
                else:
                    values[binding.name] = Datum(content, "bytes")
            elif kind == "table" and self._on_account(binding):
                values[binding.name] = await self._read_table(binding, data)
            elif kind not in _PASSIVE:
                self._warn(info, binding, "input is None")
                values[binding.name] = Datum(None, "null")
        return values

    async def apply_outputs(
        self, info: FunctionInfo, result: InvocationResult, data: Mapping[str, Any]
    ) -> None:
        """Apply the queue and blob outputs of a finished invocation, in binding order
        (the hook of the HTTP frontend and the triggers).

        Raises:
            ConfigurationError: if a queue name, blob path or connection cannot be resolved.
            StorageError: if a message or blob cannot be written.
        """
        if not self._needs_io(info, "out"):
            return
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
                queue = self.queue_store(binding, self.queue_name(binding, data))
                await queue.put(_queue_items(datum))
                if self.on_enqueue is not None:
                    self.on_enqueue(queue.name)
            elif kind == "blob":
                payload = _blob_bytes(datum)
                if payload is None:
                    continue
                path = self.blob_path(binding, data)
                await self.blob_store(binding).write(path, payload)
                if self.on_blob is not None:
                    self.on_blob(path)
            elif kind == "table" and self._on_account(binding):
                await self._write_table(binding, datum, data)
            elif kind not in _PASSIVE:
                self._warn(info, binding, "output is dropped")
