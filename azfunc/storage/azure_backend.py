"""Queues and blobs of a storage account (Azurite or Azure Storage) via Microsoft's async SDKs.

Implements the protocols of :mod:`azfunc.storage.backend` with ``azure-storage-queue`` and
``azure-storage-blob`` (the ``azfunc[storage]`` extra). This module is imported only when a
binding's connection names an account (:func:`account_backend`), so the SDKs are never a
dependency of the embedded store.

Rules kept here, as the Functions host's storage extensions keep them:

* Messages are written as the queue extension writes them: base64 of the UTF-8 text (or of
  the bytes) by default, the text as it is with ``messageEncoding: none``. A received
  message is decoded the same way; one that does not decode is moved to the poison queue
  by the poller (:class:`~azfunc.WireFormatError`).
* Queues and containers are created on first write; reading a queue or container that
  does not exist yet reads as empty.
* SDK failures keep azfunc's error family: a stale pop receipt or a message another
  consumer deleted is :class:`~azfunc.LeaseLostError`, any other service or network
  failure :class:`~azfunc.StorageError` naming the queue or blob.
* Blob receipts live in the account, as the host keeps them: a blob
  ``azure-webjobs-hosts/blobreceipts/<hostId>/<function>/<etag>/<container>/<name>`` per
  function and blob version. A host processes a version only while it holds a lease on
  its receipt (renewed while the function runs), and marks it ``Completed`` after, so a
  restart or a second host never fires a version twice; a host killed mid-run lets its
  lease expire and another host (or the restart) runs the version again.
* The SDK clients are bound to the event loop that first used them; a client is made per
  loop and closed by :meth:`AccountBackend.aclose`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Final, Literal

from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from azure.data.tables import UpdateMode
from azure.data.tables.aio import TableServiceClient
from azure.storage.blob.aio import BlobServiceClient
from azure.storage.queue.aio import QueueServiceClient

from .._errors import ArgumentValueError, LeaseLostError, StorageError
from .backend import (
    BLOB_MAX_FAILURES,
    BLOB_POISON_QUEUE,
    MessageEncoding,
    QueueMessage,
    decode_message,
    encode_message,
    trigger_metadata,
    utf8_text,
)
from .connection import AccountConnection, identity_credential

__all__ = [
    "AccountBackend", "AccountBlobs", "AccountMessage", "AccountQueue", "AccountReceipts",
    "AccountTables",
]

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)
#: the largest visibility timeout the queue service accepts (7 days)
_MAX_VISIBILITY: Final = 7 * 24 * 3600


@dataclass(frozen=True)
class AccountMessage:
    """A message received from an account queue: decoded body, raw text, receipt."""

    id: str
    body: bytes
    content: str
    dequeue_count: int
    pop_receipt: str
    insertion_time: datetime | None = None
    expiration_time: datetime | None = None
    next_visible_time: datetime | None = None

    @property
    def text(self) -> str | None:
        """The body as UTF-8 text, ``None`` if it is not UTF-8."""
        return utf8_text(self.body)

    def metadata(self) -> dict[str, Any]:
        """The queue trigger metadata, as the extension binds it."""
        return trigger_metadata(self, unknown_time=_EPOCH)


@dataclass(frozen=True)
class UndecodableMessage(AccountMessage):
    """A received message whose text does not decode with the queue's encoding."""

    problem: str = ""


def _lease_lost(exc: HttpResponseError) -> bool:
    code = getattr(exc, "error_code", None) or ""
    return exc.status_code in (400, 404, 409) and code in (
        "MessageNotFound", "PopReceiptMismatch", "QueueNotFound", "QueueBeingDeleted",
        "QueueDisabled",
    )


def _storage_error(what: str, exc: AzureError) -> StorageError:
    message = str(getattr(exc, "message", "") or exc).splitlines()[0][:200]
    error = StorageError(f"{what}: {message}")
    error.__cause__ = exc
    return error


@dataclass
class AccountBackend:
    """The queue and blob services of one account, for one host process."""

    connection: AccountConnection
    encoding: MessageEncoding = "base64"
    _queues: dict[int, QueueServiceClient] = field(default_factory=dict, repr=False)
    _blobs: dict[int, BlobServiceClient] = field(default_factory=dict, repr=False)
    _tables: dict[int, TableServiceClient] = field(default_factory=dict, repr=False)
    _credentials: list[Any] = field(default_factory=list, repr=False)
    created: set[str] = field(default_factory=set, repr=False)

    def _credential(self) -> Any:
        credential = identity_credential(self.connection)
        self._credentials.append(credential)
        return credential

    def _service(self, cache: Any, kind: Any,
                 service: Literal["blob", "queue", "table"]) -> Any:
        """``cache``'s client of the running loop for ``service``, made on first use: from
        the connection string, or the endpoint and an identity credential."""
        key = id(asyncio.get_running_loop())
        client = cache.get(key)
        if client is None:
            conn = self.connection
            if conn.connection_string is not None:
                client = kind.from_connection_string(conn.connection_string)
            else:
                client = kind(conn.endpoint(service), credential=self._credential())
            cache[key] = client
        return client

    def queue_service(self) -> QueueServiceClient:
        """The queue client of the running loop (made on first use)."""
        client: QueueServiceClient = self._service(self._queues, QueueServiceClient, "queue")
        return client

    def blob_service(self) -> BlobServiceClient:
        """The blob client of the running loop (made on first use)."""
        client: BlobServiceClient = self._service(self._blobs, BlobServiceClient, "blob")
        return client

    def table_service(self) -> TableServiceClient:
        """The table client of the running loop (made on first use)."""
        client: TableServiceClient = self._service(self._tables, TableServiceClient, "table")
        return client

    def tables(self) -> AccountTables:
        """The account's tables."""
        return AccountTables(self)

    def queue(self, name: str) -> AccountQueue:
        """One queue of the account."""
        return AccountQueue(self, name.lower())

    def blobs(self) -> AccountBlobs:
        """The account's blobs."""
        return AccountBlobs(self)

    def receipts(self, host_id: str, function: str) -> AccountReceipts:
        """The blob receipts of one blob-triggered function of host ``host_id``."""
        return AccountReceipts(self, host_id, function)

    async def aclose(self) -> None:
        """Close the clients (and credentials) made on the running loop."""
        key = id(asyncio.get_running_loop())
        clients: dict[int, Any]
        for clients in (self._queues, self._blobs, self._tables):
            client = clients.pop(key, None)
            if client is not None:
                await client.close()
        for credential in self._credentials:
            close = getattr(credential, "close", None)
            if close is not None:
                await close()
        self._credentials.clear()


class AccountQueue:
    """A :class:`~azfunc.storage.backend.QueueStore` over one account queue."""

    def __init__(self, backend: AccountBackend, name: str) -> None:
        self.backend = backend
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def _client(self, name: str | None = None) -> Any:
        return self.backend.queue_service().get_queue_client(name or self._name)

    async def _ensure(self, name: str) -> None:
        key = f"queue:{name}"
        if key in self.backend.created:
            return
        try:
            with contextlib.suppress(ResourceExistsError):
                await self._client(name).create_queue()
        except AzureError as exc:
            raise _storage_error(f"queue {name!r} cannot be created", exc) from exc
        self.backend.created.add(key)

    async def receive(self, count: int, lease: timedelta) -> Sequence[QueueMessage]:
        """Up to ``count`` (at most 32, the service's limit) messages, leased for ``lease``."""
        seconds = max(1, min(_MAX_VISIBILITY, int(lease.total_seconds())))
        encoding = self.backend.encoding
        try:
            pages = self._client().receive_messages(
                messages_per_page=max(1, min(32, count)), visibility_timeout=seconds,
                max_messages=max(1, min(32, count)),
            )
            found: list[QueueMessage] = []
            async for item in pages:
                content = item.content if isinstance(item.content, str) else ""
                fields: dict[str, Any] = {
                    "id": item.id, "content": content, "dequeue_count": item.dequeue_count or 0,
                    "pop_receipt": item.pop_receipt or "", "insertion_time": item.inserted_on,
                    "expiration_time": item.expires_on, "next_visible_time": item.next_visible_on,
                }
                try:
                    found.append(AccountMessage(body=decode_message(content, encoding), **fields))
                except ValueError as exc:
                    found.append(UndecodableMessage(body=b"", problem=str(exc), **fields))
            return found
        except ResourceNotFoundError:
            return []
        except AzureError as exc:
            raise _storage_error(f"queue {self._name!r} cannot be read", exc) from exc

    async def put(self, bodies: Sequence[bytes | str]) -> None:
        """Enqueue one message per body, encoded as the queue extension encodes it."""
        if not bodies:
            return
        texts = [encode_message(body, self.backend.encoding) for body in bodies]
        await self._send(self._name, texts)

    async def _send(self, name: str, texts: Sequence[str]) -> None:
        await self._ensure(name)
        client = self._client(name)
        try:
            for text in texts:
                await client.send_message(text)
        except AzureError as exc:
            raise _storage_error(f"queue {name!r}: a message cannot be written", exc) from exc

    async def delete(self, message: QueueMessage) -> None:
        """Delete a received message."""
        try:
            await self._client().delete_message(message.id, message.pop_receipt)
        except HttpResponseError as exc:
            if _lease_lost(exc):
                raise LeaseLostError(
                    f"message {message.id} in queue {self._name!r}: the pop receipt no longer "
                    "holds (another consumer has it, or it is gone)"
                ) from exc
            raise _storage_error(f"queue {self._name!r}: message {message.id} cannot be "
                                 "deleted", exc) from exc
        except AzureError as exc:
            raise _storage_error(f"queue {self._name!r}: message {message.id} cannot be "
                                 "deleted", exc) from exc

    async def _set_visibility(self, message: QueueMessage, seconds: int, what: str,
                              lost: str) -> Any:
        """``update_message`` with the message's pop receipt; the SDK's receipt.

        Raises:
            LeaseLostError: if the pop receipt no longer holds (``lost`` says why).
            StorageError: for any other failure (``what`` names the operation).
        """
        try:
            return await self._client().update_message(
                message.id, message.pop_receipt, visibility_timeout=seconds,
            )
        except HttpResponseError as exc:
            if _lease_lost(exc):
                raise LeaseLostError(
                    f"message {message.id} in queue {self._name!r}: the pop receipt no longer "
                    f"holds{lost}"
                ) from exc
            raise _storage_error(f"queue {self._name!r}: {what}", exc) from exc
        except AzureError as exc:
            raise _storage_error(f"queue {self._name!r}: {what}", exc) from exc

    async def release(self, message: QueueMessage, delay: timedelta) -> None:
        """Visible again after ``delay`` (an update of its visibility timeout)."""
        seconds = max(0, min(_MAX_VISIBILITY, int(delay.total_seconds())))
        await self._set_visibility(message, seconds,
                                   f"message {message.id} cannot be released", "")

    async def renew(self, message: QueueMessage, lease: timedelta) -> QueueMessage:
        """Invisible for ``lease`` from now (``update_message`` with the pop receipt);
        the returned message carries the new pop receipt and next visible time."""
        if not isinstance(message, AccountMessage):
            raise TypeError(f"not a message of an account queue: {message!r}")
        seconds = max(1, min(_MAX_VISIBILITY, int(lease.total_seconds())))
        receipt = await self._set_visibility(
            message, seconds, f"the lease of message {message.id} cannot be renewed",
            " (another consumer has it, or it is gone)")
        return dataclasses.replace(message, pop_receipt=receipt.pop_receipt or "",
                                   next_visible_time=receipt.next_visible_on)

    async def poison(self, message: QueueMessage, queue: str) -> None:
        """Copy the message text unchanged to ``queue``, then delete it here."""
        content = message.content if isinstance(message, AccountMessage) else encode_message(
            message.body, self.backend.encoding
        )
        await self._send(queue.lower(), [content])
        await self.delete(message)


class AccountBlobs:
    """A :class:`~azfunc.storage.backend.BlobStore` over the account's blob service."""

    def __init__(self, backend: AccountBackend) -> None:
        self.backend = backend

    @staticmethod
    def _split(path: str) -> tuple[str, str]:
        container, _, name = path.strip("/").partition("/")
        if not container or not name:
            raise StorageError(f"blob path {path!r} needs a container and a blob name")
        return container.lower(), name

    async def read(self, path: str) -> bytes | None:
        """The blob's content, ``None`` when the blob or its container does not exist."""
        container, name = self._split(path)
        client = self.backend.blob_service().get_blob_client(container, name)
        try:
            download = await client.download_blob()
            data: bytes = await download.readall()
            return data
        except ResourceNotFoundError:
            return None
        except AzureError as exc:
            raise _storage_error(f"blob {path!r} cannot be read", exc) from exc

    async def write(self, path: str, data: bytes) -> None:
        """Create or overwrite the blob (its container first, when missing)."""
        container, name = self._split(path)
        service = self.backend.blob_service()
        key = f"container:{container}"
        try:
            if key not in self.backend.created:
                with contextlib.suppress(ResourceExistsError):
                    await service.get_container_client(container).create_container()
                self.backend.created.add(key)
            await service.get_blob_client(container, name).upload_blob(data, overwrite=True)
        except AzureError as exc:
            raise _storage_error(f"blob {path!r} cannot be written", exc) from exc

    async def scan(self, container: str) -> list[tuple[str, str]]:
        """(name, etag) of every blob in ``container``, sorted by name."""
        client = self.backend.blob_service().get_container_client(container.lower())
        try:
            found = [(blob.name, str(blob.etag)) async for blob in client.list_blobs()]
        except ResourceNotFoundError:
            return []
        except AzureError as exc:
            raise _storage_error(f"container {container!r} cannot be listed", exc) from exc
        return sorted(found)

    def uri(self, path: str) -> str:
        """``<blob endpoint>/<container>/<name>``."""
        container, name = self._split(path)
        return f"{self.backend.connection.endpoint('blob')}/{container}/{name}"


RECEIPTS_CONTAINER: Final = "azure-webjobs-hosts"
_LEASE_SECONDS: Final = 30


@dataclass
class _Claim:
    blob: Any
    lease: Any
    failures: int
    renewal: asyncio.Task[None]
    version: tuple[str, str]


async def _renew(lease: Any) -> None:
    while True:
        await asyncio.sleep(_LEASE_SECONDS / 3)
        try:
            await lease.renew()
        except AzureError:
            return  # the lease is lost: completing will fail and the version runs again


class AccountReceipts:
    """A :class:`~azfunc.storage.backend.BlobReceipts` kept as leased blobs in the account."""

    def __init__(self, backend: AccountBackend, host_id: str, function: str) -> None:
        self.backend = backend
        self.prefix = f"blobreceipts/{host_id}/{function}"
        #: versions known to be completed: later scans skip them without a request
        self._completed: set[tuple[str, str]] = set()

    async def begin(self) -> None:
        """Create the receipts container when missing."""
        key = f"container:{RECEIPTS_CONTAINER}"
        if key in self.backend.created:
            return
        client = self.backend.blob_service().get_container_client(RECEIPTS_CONTAINER)
        try:
            with contextlib.suppress(ResourceExistsError):
                await client.create_container()
        except AzureError as exc:
            raise _storage_error("the blob receipts container cannot be created", exc) from exc
        self.backend.created.add(key)

    async def claim(self, path: str, etag: str) -> object | None:
        """Lease the version's receipt (created when missing); ``None`` when it is
        completed or another host holds it."""
        if (path, etag) in self._completed:
            return None
        name = f"{self.prefix}/{etag.strip(chr(34))}/{path.strip('/')}"
        blob = self.backend.blob_service().get_blob_client(RECEIPTS_CONTAINER, name)
        try:
            with contextlib.suppress(ResourceExistsError):
                await blob.upload_blob(b"", overwrite=False)
            properties = await blob.get_blob_properties()
            if (properties.metadata or {}).get("Completed") == "true":
                self._completed.add((path, etag))
                return None
            if properties.lease.state == "leased":
                return None
            try:
                lease = await blob.acquire_lease(lease_duration=_LEASE_SECONDS)
            except HttpResponseError as exc:
                if exc.status_code == 409:  # another host took it meanwhile
                    return None
                raise
            properties = await blob.get_blob_properties()
            metadata = properties.metadata or {}
            if metadata.get("Completed") == "true":
                self._completed.add((path, etag))
                await lease.release()
                return None
        except AzureError as exc:
            raise _storage_error(f"the receipt of blob {path!r} cannot be claimed", exc) from exc
        failures = int(metadata.get("Failures", "0") or 0)
        return _Claim(blob, lease, failures, asyncio.ensure_future(_renew(lease)),
                      (path, etag))

    async def _finish(self, claim: _Claim, metadata: dict[str, str]) -> None:
        claim.renewal.cancel()
        try:
            await claim.blob.set_blob_metadata(metadata, lease=claim.lease)
            await claim.lease.release()
        except AzureError as exc:
            raise _storage_error("a blob receipt cannot be written", exc) from exc

    async def done(self, token: object) -> None:
        """Mark the receipt ``Completed``."""
        claim = _claim(token)
        await self._finish(claim, {"Completed": "true"})
        self._completed.add(claim.version)

    async def failed(self, token: object, report: str) -> bool:
        """Count a failure on the receipt; at the limit, complete it and report it."""
        claim = _claim(token)
        failures = claim.failures + 1
        given_up = failures >= BLOB_MAX_FAILURES
        metadata = {"Failures": str(failures)}
        if given_up:
            metadata["Completed"] = "true"
            await self.backend.queue(BLOB_POISON_QUEUE).put([report])
        await self._finish(claim, metadata)
        if given_up:
            self._completed.add(claim.version)
        return given_up

    async def end(self) -> None:
        """Nothing to save: every receipt was written when its version finished."""
        return


def _claim(token: object) -> _Claim:
    if not isinstance(token, _Claim):
        raise TypeError(f"not a blob receipt claim of an account: {token!r}")
    return token


def _plain(value: Any) -> Any:
    """An entity property as JSON can carry it (times ISO 8601, bytes base64)."""
    value = getattr(value, "value", value)  # EntityProperty
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if hasattr(value, "hex") and type(value).__name__ == "UUID":
        return str(value)
    return value


def entity_json(entity: Mapping[str, Any]) -> dict[str, Any]:
    """A table entity as the table input binding hands it to Python: its properties."""
    return {key: _plain(value) for key, value in entity.items()}


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class AccountTables:
    """The tables of an account: the entities the ``table`` bindings read and write."""

    def __init__(self, backend: AccountBackend) -> None:
        self.backend = backend

    def _client(self, table: str) -> Any:
        return self.backend.table_service().get_table_client(table)

    async def get(self, table: str, partition_key: str, row_key: str) -> dict[str, Any] | None:
        """One entity, ``None`` when it (or its table) does not exist."""
        try:
            entity = await self._client(table).get_entity(partition_key, row_key)
        except ResourceNotFoundError:
            return None
        except AzureError as exc:
            raise _storage_error(f"table {table!r}: the entity cannot be read", exc) from exc
        return entity_json(entity)

    async def query(self, table: str, *, partition_key: str | None = None,
                    query_filter: str | None = None, take: int | None = None,
                    ) -> list[dict[str, Any]]:
        """The entities matching the partition key and OData filter, at most ``take``."""
        parts = [f"PartitionKey eq {_quote(partition_key)}"] if partition_key else []
        if query_filter:
            parts.append(f"({query_filter})")
        found: list[dict[str, Any]] = []
        client = self._client(table)
        try:
            pages = (client.query_entities(" and ".join(parts)) if parts
                     else client.list_entities())
            async for entity in pages:
                found.append(entity_json(entity))
                if take is not None and len(found) >= take:
                    break
        except ResourceNotFoundError:
            return []
        except AzureError as exc:
            raise _storage_error(f"table {table!r} cannot be queried", exc) from exc
        return found

    async def upsert(self, table: str, entities: Sequence[Mapping[str, Any]]) -> None:
        """Insert or replace each entity (the table is created when missing).

        Raises:
            ArgumentValueError: if an entity has no ``PartitionKey`` or ``RowKey``.
        """
        for entity in entities:
            for key in ("PartitionKey", "RowKey"):
                if not isinstance(entity.get(key), str):
                    raise ArgumentValueError(
                        f"a table output entity needs a string {key} (set it in the entity "
                        f"or the binding's {key[0].lower()}{key[1:]}), got {entity.get(key)!r}"
                    )
        service = self.backend.table_service()
        key = f"table:{table}"
        try:
            if key not in self.backend.created:
                with contextlib.suppress(ResourceExistsError):
                    await service.create_table(table)
                self.backend.created.add(key)
            client = service.get_table_client(table)
            for entity in entities:
                await client.upsert_entity(dict(entity), mode=UpdateMode.REPLACE)
        except AzureError as exc:
            raise _storage_error(f"table {table!r}: an entity cannot be written", exc) from exc
