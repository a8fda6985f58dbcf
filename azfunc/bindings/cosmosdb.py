"""Cosmos DB documents: the ``cosmosDBTrigger`` and ``cosmosDB`` input/output bindings.

Rules this module keeps:

* :class:`Document` is a real ``dict`` and :class:`DocumentList` a real ``list`` (of
  documents, or ``None`` for null entries), both with ``from_json``/``to_json`` and
  ``from_dict``/``to_dict`` (``from_list``/``to_list`` on the list, and ``to_dict``: the
  documents' dicts).
* The trigger and the input deliver a JSON array (or one object, read as a list of one); the
  Cosmos DB trigger has no trigger metadata. The annotation may ask for ``DocumentList``
  (the default), ``Document`` (exactly one), ``str``/``bytes`` (the JSON text) or
  ``list``/``dict`` (plain parsed JSON).
* The output accepts a ``Document``, a ``DocumentList``, a ``dict``, a list of documents or
  dicts, or JSON text; it always sends a JSON array.
"""

from __future__ import annotations

from typing import ClassVar, Final

from .._registry import Converter
from ._rows import JsonObject, JsonObjectList, JsonRowsConverter

__all__ = [
    "CONVERTERS",
    "CosmosDBConverter",
    "CosmosDBTriggerConverter",
    "Document",
    "DocumentList",
]


class Document(JsonObject):
    """A Cosmos DB document: a ``dict`` with JSON helpers.

    Example:
        >>> doc = Document.from_json('{"id": "1", "name": "awesome_name"}')
        >>> doc["name"], doc.to_dict()
        ('awesome_name', {'id': '1', 'name': 'awesome_name'})
    """

    __slots__ = ()


class DocumentList(JsonObjectList):
    """A list of :class:`Document` (``None`` for null entries).

    Example:
        >>> docs = DocumentList.from_json('[{"id": "1"}, {"id": "2"}]')
        >>> [d["id"] for d in docs], type(docs[0]).__name__
        (['1', '2'], 'Document')
    """

    __slots__ = ()
    item_type: ClassVar[type[JsonObject]] = Document


class CosmosDBConverter(JsonRowsConverter):
    """The ``cosmosDB`` input and output binding.

    Example:
        >>> from azfunc._datum import Datum
        >>> CosmosDBConverter().decode(Datum('[{"id": "1"}]', "json"))
        DocumentList([Document({'id': '1'})])
        >>> CosmosDBConverter().encode(Document(id="1"))
        <Datum json '[{"id": "1"}]'>
    """

    binding = "cosmosDB"
    list_type = DocumentList


class CosmosDBTriggerConverter(JsonRowsConverter):
    """The ``cosmosDBTrigger``: the changed documents as a :class:`DocumentList`.

    Example:
        >>> from azfunc._datum import Datum
        >>> len(CosmosDBTriggerConverter().decode(Datum('[{"id": "1"}, {"id": "2"}]', "json")))
        2
    """

    binding = "cosmosDBTrigger"
    list_type = DocumentList
    trigger = True


CONVERTERS: Final[dict[str, Converter]] = {
    "cosmosDBTrigger": CosmosDBTriggerConverter(),
    "cosmosDB": CosmosDBConverter(),
}
