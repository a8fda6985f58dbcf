"""What the local host's triggers and bindings need from a store, whatever backs it.

Two implementations satisfy these protocols: the embedded on-disk store
(:mod:`azfunc.host.embedded_backend`, a wrapper of :mod:`azfunc.host.storage`) and a storage
account reached with Microsoft's async SDKs (:mod:`azfunc.storage.azure_backend`: Azurite
or Azure Storage). The queue poller and blob bindings are written once, against these.

Every method is async: the embedded store runs its disk work on a helper thread, the
account backend awaits the SDK's async clients; neither blocks the event loop.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final, Literal, Protocol

from .._errors import ConfigurationError, WireFormatError

__all__ = [
    "BLOB_MAX_FAILURES",
    "BLOB_POISON_QUEUE",
    "BlobReceipts",
    "BlobStore",
    "MessageEncoding",
    "QueueMessage",
    "QueueStore",
    "decode_message",
    "encode_message",
    "message_encoding",
]

MessageEncoding = Literal["base64", "none"]
_ENCODINGS: Final[tuple[MessageEncoding, ...]] = ("base64", "none")
#: where the host reports a blob version it gave up on, and after how many failures
BLOB_POISON_QUEUE: Final = "webjobs-blobtrigger-poison"
BLOB_MAX_FAILURES: Final = 5


def utf8_text(body: bytes) -> str | None:
    """A message body as UTF-8 text, ``None`` if it is not UTF-8 (``QueueMessage.text``)."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def trigger_metadata(message: Any, *, unknown_time: datetime) -> dict[str, Any]:
    """The queue trigger metadata of a received message, as the queue extension binds it
    (``Id``, ``DequeueCount``, the three times in ISO 8601, ``PopReceipt``); a time the store
    did not report is ``unknown_time``."""
    def iso(moment: datetime | None) -> str:
        return (moment or unknown_time).isoformat()

    return {
        "Id": message.id,
        "DequeueCount": message.dequeue_count,
        "InsertionTime": iso(message.insertion_time),
        "ExpirationTime": iso(message.expiration_time),
        "NextVisibleTime": iso(message.next_visible_time),
        "PopReceipt": message.pop_receipt,
    }


class QueueMessage(Protocol):
    """One received (leased) message: its body as bytes and the trigger metadata."""

    @property
    def id(self) -> str: ...
    @property
    def body(self) -> bytes: ...
    @property
    def dequeue_count(self) -> int: ...
    @property
    def pop_receipt(self) -> str: ...
    @property
    def text(self) -> str | None: ...
    def metadata(self) -> dict[str, Any]: ...


class QueueStore(Protocol):
    """One queue: receive with a lease, put, delete, release (visible again after a delay),
    and move to another queue (the poison queue)."""

    @property
    def name(self) -> str: ...

    async def receive(self, count: int, lease: timedelta) -> Sequence[QueueMessage]:
        """Up to ``count`` visible messages, each invisible to others for ``lease``."""

    async def put(self, bodies: Sequence[bytes | str]) -> None:
        """Enqueue one message per body, in order."""

    async def delete(self, message: QueueMessage) -> None:
        """Remove a received message (``LeaseLostError`` if its receipt is stale)."""

    async def release(self, message: QueueMessage, delay: timedelta) -> None:
        """Make a received message visible again after ``delay``."""

    async def renew(self, message: QueueMessage, lease: timedelta) -> QueueMessage:
        """Keep a received message invisible for ``lease`` from now (the queue extension's
        visibility update while the function runs); returns the message with its new pop
        receipt, which later calls must use (``LeaseLostError`` if the receipt is stale)."""

    async def poison(self, message: QueueMessage, queue: str) -> None:
        """Copy the message unchanged to ``queue`` and delete it here."""


class BlobStore(Protocol):
    """The blobs of one store, addressed ``container/name``."""

    async def read(self, path: str) -> bytes | None:
        """The blob's content, ``None`` when it does not exist."""

    async def write(self, path: str, data: bytes) -> None:
        """Create or overwrite the blob."""

    async def scan(self, container: str) -> list[tuple[str, str]]:
        """(name, etag) of every blob in ``container`` (empty when it does not exist)."""

    def uri(self, path: str) -> str:
        """The blob's URI, as the trigger metadata's ``Uri`` reports it."""


class BlobReceipts(Protocol):
    """Which blob versions one blob-triggered function has processed (its receipts).

    A scan calls :meth:`begin`, then for each blob version :meth:`claim` and, if it got it,
    :meth:`done` or :meth:`failed`, and :meth:`end` when it finishes (also on failure).
    A claim is exclusive across hosts where the store is shared (an account).
    """

    async def begin(self) -> None:
        """Start a scan (the embedded store loads its receipts here)."""

    async def claim(self, path: str, etag: str) -> object | None:
        """A token for processing this version, ``None`` when it is done or taken."""

    async def done(self, token: object) -> None:
        """The version was processed: never fire it again."""

    async def failed(self, token: object, report: str) -> bool:
        """The invocation failed; returns whether the version is given up (after
        :data:`BLOB_MAX_FAILURES`; ``report`` then goes to :data:`BLOB_POISON_QUEUE`)."""

    async def end(self) -> None:
        """Finish the scan (the embedded store saves its receipts here, once)."""


def message_encoding(value: object) -> MessageEncoding:
    """``host.json`` ``extensions.queues.messageEncoding`` (case-insensitive; default base64).

    >>> message_encoding(None), message_encoding("None")
    ('base64', 'none')

    Raises:
        ConfigurationError: for any other value.
    """
    if value is None:
        return "base64"
    if isinstance(value, str) and value.lower() in _ENCODINGS:
        return "base64" if value.lower() == "base64" else "none"
    raise ConfigurationError(
        f"host.json extensions.queues.messageEncoding must be 'base64' or 'none', got {value!r}"
    )


def encode_message(body: bytes | str, encoding: MessageEncoding) -> str:
    """The queue message text the Functions queue extension writes for ``body``.

    ``base64`` encodes the bytes (a str as UTF-8); ``none`` sends the text as it is.

    >>> encode_message("hi", "base64"), encode_message(b"hi", "none")
    ('aGk=', 'hi')

    Raises:
        WireFormatError: with ``none``, for bytes that are not UTF-8 text.
    """
    data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    if encoding == "base64":
        return base64.b64encode(data).decode("ascii")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise WireFormatError(
            "a queue message with messageEncoding 'none' must be UTF-8 text; binary "
            "content needs messageEncoding 'base64'"
        ) from None


def decode_message(content: str, encoding: MessageEncoding) -> bytes:
    """The body of a received message text (the inverse of :func:`encode_message`).

    >>> decode_message("aGk=", "base64")
    b'hi'

    Raises:
        WireFormatError: with ``base64``, for text that is not base64 (the extension moves
            such a message to the poison queue).
    """
    if encoding == "none":
        return content.encode("utf-8")
    try:
        return base64.b64decode(content.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise WireFormatError(
            f"the queue message {content[:40]!r} is not base64; write it base64-encoded "
            "or set host.json extensions.queues.messageEncoding to 'none'"
        ) from None
