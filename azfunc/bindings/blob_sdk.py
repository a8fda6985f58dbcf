"""SDK-typed blob parameters: which annotations ask for an Azure SDK client, and the reference
the host sends for them.

As ``azurefunctions-extensions-bindings-blob`` offers them in the standard runtime, a blob
trigger or blob input parameter annotated with one of these receives an object of
``azure.storage.blob`` for the bound blob instead of its content:

* ``azure.storage.blob.BlobClient`` -> a ``BlobClient`` of the blob;
* ``azure.storage.blob.ContainerClient`` -> a ``ContainerClient`` of its container;
* ``azure.storage.blob.StorageStreamDownloader`` -> ``BlobClient.download_blob()``;
* the extension package's names (``azurefunctions.extensions.bindings.blob.BlobClient``, ...)
  -> the same three ``azure.storage.blob`` objects, as the extension hands them.

The ``azure.storage.blob.aio`` classes are recognised (:attr:`SdkBlobType.is_async`) so
``azfunc check`` can name them, but not served: the extension builds only the sync clients,
so an app annotated with them would fail in Azure.

Annotations are recognised by module and class name: nothing here imports the SDK. The
host does not read the blob for such a parameter; it sends a ``model_binding_data`` Datum
(:func:`blob_reference`) naming the connection setting, the container and the blob, as the
Functions host's blob extension does (source ``AzureStorageBlobs``).
"""

from __future__ import annotations

import json
import typing
from dataclasses import dataclass
from typing import Any, Final, Literal

from .._datum import Datum
from .._errors import ConversionError
from .._typing import is_class, unwrap_optional
from ..wire.typed_data import ModelBindingData

__all__ = [
    "BLOB_SOURCE",
    "BlobReference",
    "SdkBlobType",
    "blob_reference",
    "read_reference",
    "sdk_blob_type",
]

SdkKind = Literal["BlobClient", "ContainerClient", "StorageStreamDownloader"]
_KINDS: Final[tuple[SdkKind, ...]] = ("BlobClient", "ContainerClient", "StorageStreamDownloader")
#: the ``source`` of the blob extension's ``ModelBindingData``
BLOB_SOURCE: Final = "AzureStorageBlobs"
_EXTENSION: Final = "azurefunctions.extensions.bindings.blob"


@dataclass(frozen=True)
class SdkBlobType:
    """What an SDK annotation asks for: the client ``kind``, whether it is the ``aio``
    class, and how the annotation was spelled (for messages)."""

    kind: SdkKind
    is_async: bool
    spelled: str


def sdk_blob_type(annotation: Any) -> SdkBlobType | None:
    """The SDK type a parameter annotation asks for, ``None`` for any other annotation.

    Example:
        >>> class BlobClient: ...
        >>> BlobClient.__module__ = "azure.storage.blob._blob_client"
        >>> sdk_blob_type(BlobClient)
        SdkBlobType(kind='BlobClient', is_async=False, spelled='azure.storage.blob.BlobClient')
        >>> sdk_blob_type(bytes) is None
        True
    """
    tp = unwrap_optional(annotation)
    tp = typing.get_origin(tp) or tp  # StorageStreamDownloader[bytes]
    if not is_class(tp):
        return None
    name = tp.__name__
    if name not in _KINDS:
        return None
    module = getattr(tp, "__module__", "") or ""
    if module == _EXTENSION or module.startswith(_EXTENSION + "."):
        return SdkBlobType(name, False, f"{_EXTENSION}.{name}")
    if module == "azure.storage.blob.aio" or module.startswith("azure.storage.blob.aio."):
        return SdkBlobType(name, True, f"azure.storage.blob.aio.{name}")
    if module == "azure.storage.blob" or module.startswith("azure.storage.blob._"):
        return SdkBlobType(name, False, f"azure.storage.blob.{name}")
    return None


@dataclass(frozen=True)
class BlobReference:
    """What a blob ``model_binding_data`` names: the connection setting, container, blob."""

    connection: str
    container: str
    blob: str


def blob_reference(connection: str, path: str) -> Datum:
    """The ``model_binding_data`` Datum the host sends for an SDK-typed blob parameter.

    ``path`` is ``container/name``; the content is the blob extension's JSON
    (``Connection``, ``ContainerName``, ``BlobName``).

    Example:
        >>> datum = blob_reference("AzureWebJobsStorage", "uploads/a/b.txt")
        >>> datum.type, read_reference(datum.value)
        ('model_binding_data', BlobReference(connection='AzureWebJobsStorage', \
container='uploads', blob='a/b.txt'))
    """
    container, _, name = path.strip("/").partition("/")
    content = json.dumps({"Connection": connection, "ContainerName": container,
                          "BlobName": name}).encode("utf-8")
    return Datum(ModelBindingData("1.0", BLOB_SOURCE, "application/json", content),
                 "model_binding_data")


def read_reference(value: object) -> BlobReference:
    """The blob a ``ModelBindingData`` of the blob extension names.

    Raises:
        ConversionError: if it is not a ``ModelBindingData`` of ``AzureStorageBlobs`` whose
            content is a JSON object with string ``Connection`` and ``ContainerName``.
    """
    if not isinstance(value, ModelBindingData):
        raise ConversionError(
            f"an SDK-typed blob parameter needs a model_binding_data reference, got "
            f"{type(value).__name__}"
        )
    if value.source != BLOB_SOURCE:
        raise ConversionError(
            f"the model_binding_data source is {value.source!r}, not {BLOB_SOURCE!r}"
        )
    try:
        content = json.loads(value.content)
    except (ValueError, RecursionError):
        content = None
    if not isinstance(content, dict):
        raise ConversionError("the blob model_binding_data content is not a JSON object")
    fields = [content.get(key) for key in ("Connection", "ContainerName", "BlobName")]
    if not isinstance(fields[0], str) or not isinstance(fields[1], str) or not fields[1]:
        raise ConversionError(
            "the blob model_binding_data content needs string Connection and ContainerName"
        )
    blob = fields[2] if isinstance(fields[2], str) else ""
    return BlobReference(fields[0], fields[1], blob)
