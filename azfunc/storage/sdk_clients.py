"""The ``azure.storage.blob`` object an SDK-typed blob parameter receives.

Built in the function's process from the host's blob reference
(:func:`azfunc.bindings.blob_sdk.read_reference`) and the app settings (the environment,
where ``local.settings.json`` ``Values`` are), as ``azurefunctions-extensions-bindings-blob``
builds it in the standard runtime: the connection is resolved with the host's rules
(:func:`azfunc.storage.connection.resolve_connection`: a connection string,
``UseDevelopmentStorage=true``, identity settings with ``DefaultAzureCredential``), then a
``BlobServiceClient`` gives the blob's or container's client (or the blob's download).

Only the sync clients are built, as the extension builds them. ``azure-storage-blob`` is
imported here, on first use, never by the embedded store.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .._errors import ConfigurationError, ConversionError
from ..bindings.blob_sdk import BlobReference, SdkKind
from .connection import (
    AccountConnection,
    identity_credential,
    missing_storage_packages,
    resolve_connection,
)

__all__ = ["sdk_blob_object"]


def _service(connection: AccountConnection) -> Any:
    from azure.storage.blob import BlobServiceClient

    if connection.connection_string is not None:
        return BlobServiceClient.from_connection_string(connection.connection_string)
    credential = identity_credential(connection, aio=False)
    return BlobServiceClient(connection.endpoint("blob"), credential=credential)


def sdk_blob_object(reference: BlobReference, kind: SdkKind,
                    settings: Mapping[str, str] | None = None) -> Any:
    """The ``BlobClient``, ``ContainerClient`` or ``StorageStreamDownloader`` of the blob.

    Raises:
        ConfigurationError: if the connection names the embedded store (it has no SDK
            client: ``azfunc check`` reports it as ``blob-sdk-type``) or cannot be resolved,
            or ``azure-storage-blob`` is not installed.
        ConversionError: if a blob client is asked for without a blob name.
        StorageError: if the download of a ``StorageStreamDownloader`` fails.
    """
    found = resolve_connection(reference.connection, os.environ if settings is None else settings)
    if not isinstance(found, AccountConnection):
        raise ConfigurationError(
            f"an SDK-typed blob parameter ({kind}) needs a storage account connection, and "
            f"{reference.connection!r} names the embedded store: set it to a connection "
            "string or UseDevelopmentStorage=true, or annotate the parameter InputStream"
        )
    if missing_storage_packages(("blob",)):
        raise ConfigurationError(
            f"an SDK-typed blob parameter ({kind}) needs azure-storage-blob: "
            "pip install 'azfunc[storage]'"
        )
    service = _service(found)
    if kind == "ContainerClient":
        return service.get_container_client(reference.container)
    if not reference.blob:
        raise ConversionError(f"a {kind} needs a blob name; the reference names only the "
                              f"container {reference.container!r}")
    client = service.get_blob_client(reference.container, reference.blob)
    if kind == "BlobClient":
        return client
    from azure.core.exceptions import AzureError

    from .._errors import StorageError

    try:
        return client.download_blob()
    except AzureError as exc:
        message = str(getattr(exc, "message", "") or exc).splitlines()[0][:200]
        raise StorageError(
            f"blob {reference.container}/{reference.blob} cannot be downloaded: {message}"
        ) from exc
