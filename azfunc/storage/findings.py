"""``azfunc check`` findings for storage bindings whose ``connection`` cannot be served.

A queue, blob or table binding (trigger, input or output) whose connection setting does not
resolve or lacks the service's endpoint is a ``storage-connection`` finding with the fix:
the Functions host would fail on it too. So is an account connection (Azurite or Azure
Storage) when the SDK packages of the ``azfunc[storage]`` extra (or ``azure-identity``,
for an identity-based one) are missing: ``azfunc start`` needs them to reach it.

A blob trigger or input parameter annotated with an Azure SDK type that the store cannot
serve is a ``blob-sdk-type`` finding (:func:`sdk_type_findings`; ``azfunc start`` refuses
the app for it, so it is never a surprise at the first invocation): the embedded store has
no ``BlobClient``, and the ``azure.storage.blob.aio`` classes are not built (the standard
runtime's blob extension builds only the sync clients).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from .._errors import AnnotationError, ConfigurationError
from ..app.annotations import EMPTY, resolve_signature
from ..app.findings import Finding
from ..app.model import FunctionInfo
from ..bindings.blob_sdk import sdk_blob_type
from .connection import AccountConnection, Service, connection_problems, resolve_connection

__all__ = ["sdk_type_findings", "storage_findings"]

_SERVICE_OF: Final[Mapping[str, Service]] = {
    "queuetrigger": "queue", "queue": "queue",
    "blobtrigger": "blob", "blob": "blob",
    "table": "table",
}


def storage_findings(
    functions: Iterable[FunctionInfo], settings: Mapping[str, str]
) -> list[Finding]:
    """One finding per problem of each storage binding's connection (none when all resolve)."""
    findings: list[Finding] = []
    for info in functions:
        for binding in info.bindings:
            service = _SERVICE_OF.get(binding.type.lower())
            if service is None:
                continue
            connection = binding.properties.get("connection")
            name = connection if isinstance(connection, str) else None
            for problem in connection_problems(name, settings, (service,)):
                findings.append(Finding(info.name, binding.name, "storage-connection", problem))
    return findings


def sdk_type_findings(
    functions: Iterable[FunctionInfo], settings: Mapping[str, str]
) -> list[Finding]:
    """A ``blob-sdk-type`` finding for each SDK-typed blob parameter the store cannot serve."""
    findings: list[Finding] = []
    for info in functions:
        blobs = [b for b in info.bindings
                 if b.type.lower() in ("blob", "blobtrigger") and b.direction == "in"]
        if not blobs:
            continue
        try:
            annotations = resolve_signature(info.func, info.name).annotations
        except AnnotationError:  # reported by the annotation checks
            continue
        for binding in blobs:
            annotation = annotations.get(binding.name, EMPTY)
            sdk = None if annotation is EMPTY else sdk_blob_type(annotation)
            if sdk is None:
                continue
            if sdk.is_async:
                findings.append(Finding(info.name, binding.name, "blob-sdk-type", (
                    f"parameter {binding.name!r} is annotated {sdk.spelled}, which the "
                    "Functions blob extension does not build (only the sync clients); "
                    f"annotate azure.storage.blob.{sdk.kind}"
                )))
                continue
            value = binding.properties.get("connection")
            try:
                connection = resolve_connection(value if isinstance(value, str) else None,
                                                settings)
            except ConfigurationError:  # a storage-connection finding already
                continue
            if not isinstance(connection, AccountConnection):
                findings.append(Finding(info.name, binding.name, "blob-sdk-type", (
                    f"parameter {binding.name!r} is annotated {sdk.spelled}, which needs a "
                    f"storage account, but its connection {connection.setting!r} names the "
                    "embedded store (it has no BlobClient): set it to a connection string or "
                    "UseDevelopmentStorage=true, or annotate the parameter InputStream, bytes "
                    "or str"
                )))
    return findings
