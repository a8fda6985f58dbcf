"""``azfunc check`` findings for storage bindings whose ``connection`` cannot be served.

A queue, blob or table binding (trigger, input or output) whose connection setting does not
resolve or lacks the service's endpoint is a ``storage-connection`` finding with the fix:
the Functions host would fail on it too. So is an account connection (Azurite or Azure
Storage) when the SDK packages of the ``azfunc[storage]`` extra (or ``azure-identity``,
for an identity-based one) are missing: ``azfunc start`` needs them to reach it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from ..app.findings import Finding
from ..app.model import FunctionInfo
from .connection import Service, connection_problems

__all__ = ["storage_findings"]

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
