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

__all__ = [
    "AccessRights",
    "AuthLevel",
    "BlobSource",
    "Cardinality",
    "CosmosDBChangeFeedMode",
    "DataType",
    "DeliveryMode",
    "InputType",
    "McpPropertyType",
    "OpenAIModels",
    "enum_value",
]


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


class CosmosDBChangeFeedMode(_StrEnum):
    """Which changes a Cosmos DB trigger sees (``cosmos_db_trigger(change_feed_mode=...)``).

    Example:
        >>> CosmosDBChangeFeedMode("all_versions_and_deletes").value
        'AllVersionsAndDeletes'
    """

    LATEST_VERSION = "LatestVersion"
    ALL_VERSIONS_AND_DELETES = "AllVersionsAndDeletes"


class DeliveryMode(_StrEnum):
    """How a Logic Apps connector trigger gets its events (``azure-functions`` 2.4):
    ``Webhook`` (the host's default) or ``Poll``; the values are the extension's spelling.

    Example:
        >>> DeliveryMode("poll") is DeliveryMode.POLL, str(DeliveryMode.WEBHOOK)
        (True, 'Webhook')
    """

    POLL = "Poll"
    WEBHOOK = "Webhook"


class McpPropertyType(_StrEnum):
    """The type of an MCP tool property (``mcp_tool_property(property_type=...)``).

    Example:
        >>> McpPropertyType.DATETIME is McpPropertyType.STRING
        True
    """

    INTEGER = "integer"
    FLOAT = "float"
    STRING = "string"
    BOOLEAN = "boolean"
    OBJECT = "object"
    DATETIME = "string"


class OpenAIModels(_StrEnum):
    """The models the OpenAI extension's bindings default to.

    Example:
        >>> str(OpenAIModels.DefaultChatModel)
        'gpt-3.5-turbo'
    """

    DefaultChatModel = "gpt-3.5-turbo"
    DefaultEmbeddingsModel = "text-embedding-ada-002"


class InputType(_StrEnum):
    """What the ``input`` of an embeddings binding is.

    Example:
        >>> InputType("raw_text") is InputType.RawText
        True
    """

    RawText = "RawText"
    FilePath = "FilePath"
    Url = "Url"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str):
            return super()._missing_(value.replace("_", ""))
        return None


def enum_value(value: Any) -> Any:
    """The ``function.json`` form of ``value``: an enum member becomes its value.

    Example:
        >>> enum_value(Cardinality.MANY), enum_value("x"), enum_value(3)
        ('many', 'x', 3)
    """
    if isinstance(value, Enum):
        return value.value
    return value
