"""Enumerations used by the decorators, with the values ``function.json`` expects.

Rules this module keeps:

* Every enum is a ``str`` enum whose value is what ``function.json`` holds (lower case, as the
  Functions templates write it); ``str(member)`` is that value.
* :func:`enum_value` turns a member or any spelling of a member's name or value (case-
  insensitive) into that value, so ``"ANONYMOUS"``, ``"anonymous"`` and
  ``AuthLevel.ANONYMOUS`` are interchangeable, as in ``azure-functions``.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

__all__ = ["AccessRights", "AuthLevel", "BlobSource", "Cardinality", "DataType", "enum_value"]


class _StrEnum(str, Enum):
    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str):
            folded = value.strip().lower()
            for member in cls:
                if folded in (member.value.lower(), member.name.lower()):
                    return member
        return None


class AuthLevel(_StrEnum):
    """The key an HTTP trigger requires.

    Example:
        >>> AuthLevel("ANONYMOUS") is AuthLevel.ANONYMOUS
        True
        >>> str(AuthLevel.FUNCTION)
        'function'
    """

    FUNCTION = "function"
    ANONYMOUS = "anonymous"
    ADMIN = "admin"


class DataType(_StrEnum):
    """The ``dataType`` of a binding: how the host hands over the payload.

    Example:
        >>> DataType("STRING").value
        'string'
    """

    UNDEFINED = "undefined"
    STRING = "string"
    BINARY = "binary"
    STREAM = "stream"


class Cardinality(_StrEnum):
    """Whether a trigger delivers one event or a batch.

    Example:
        >>> Cardinality("MANY") is Cardinality.MANY
        True
    """

    ONE = "one"
    MANY = "many"


class AccessRights(_StrEnum):
    """Service Bus access rights of a binding.

    Example:
        >>> str(AccessRights.LISTEN)
        'listen'
    """

    MANAGE = "manage"
    LISTEN = "listen"


class BlobSource(_StrEnum):
    """Where a blob trigger learns about new blobs.

    Example:
        >>> BlobSource("eventgrid").value
        'EventGrid'
    """

    EVENT_GRID = "EventGrid"
    LOGS_AND_CONTAINER_SCAN = "LogsAndContainerScan"


def enum_value(value: Any) -> Any:
    """The ``function.json`` form of ``value``: an enum member becomes its value.

    Example:
        >>> enum_value(Cardinality.MANY), enum_value("x"), enum_value(3)
        ('many', 'x', 3)
    """
    if isinstance(value, Enum):
        return value.value
    return value
