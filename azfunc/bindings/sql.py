"""Azure SQL and MySQL rows: the ``sql``/``mysql`` bindings and their triggers.

Rules this module keeps:

* :class:`SqlRow`/:class:`MySqlRow` are real ``dict`` objects (whose ``to_dict``/``to_json``
  are JSON-safe, as azure-functions 2.x's are: bytes as text or base64, datetimes ISO) and
  :class:`SqlRowList`/:class:`MySqlRowList` real ``list`` objects, with the same JSON helpers
  as :class:`~azfunc.Document` (``from_json``, ``from_dict``, ``to_json``, ``to_dict``).
* The ``sql``/``mysql`` input delivers a JSON array of rows; the annotation may ask for the
  row list (default), one row, ``str``/``bytes`` or ``list``/``dict``. The output accepts a
  row, a row list, a ``dict``, a list of rows or dicts, or JSON text, and sends a JSON array.
* The ``sqlTrigger``/``mysqlTrigger`` deliver a JSON array of changes
  (``[{"Operation": 0, "Item": {...}}]``). An unannotated or ``str`` parameter receives the
  JSON text (what existing code ``json.loads``); ``SqlRowList``/``list`` receive it parsed.
"""

from __future__ import annotations

from typing import ClassVar, Final

from .._registry import Converter
from ._rows import JsonObject, JsonRowsConverter, SerialisedRow, SerialisedRowList

__all__ = [
    "CONVERTERS",
    "MySqlConverter",
    "MySqlRow",
    "MySqlRowList",
    "MySqlTriggerConverter",
    "SqlConverter",
    "SqlRow",
    "SqlRowList",
    "SqlTriggerConverter",
]


class SqlRow(SerialisedRow):
    """An Azure SQL row: a ``dict`` with JSON helpers.

    Example:
        >>> row = SqlRow.from_dict({"ProductId": 1, "Name": "Widget"})
        >>> row.to_json()
        '{"ProductId": 1, "Name": "Widget"}'
    """

    __slots__ = ()


class SqlRowList(SerialisedRowList):
    """A list of :class:`SqlRow`.

    Example:
        >>> SqlRowList.from_json('[{"ProductId": 1}]')[0]["ProductId"]
        1
    """

    __slots__ = ()
    item_type: ClassVar[type[JsonObject]] = SqlRow


class MySqlRow(SerialisedRow):
    """A MySQL row: a ``dict`` with JSON helpers.

    Example:
        >>> MySqlRow.from_json('{"id": 7}').to_dict()
        {'id': 7}
    """

    __slots__ = ()


class MySqlRowList(SerialisedRowList):
    """A list of :class:`MySqlRow`.

    Example:
        >>> MySqlRowList.from_json('[{"id": 7}]').to_list()
        [{'id': 7}]
    """

    __slots__ = ()
    item_type: ClassVar[type[JsonObject]] = MySqlRow


class SqlConverter(JsonRowsConverter):
    """The ``sql`` input and output binding.

    Example:
        >>> from azfunc._datum import Datum
        >>> SqlConverter().decode(Datum('[{"id": 1}]', "json"))
        SqlRowList([SqlRow({'id': 1})])
    """

    binding = "sql"
    list_type = SqlRowList


class SqlTriggerConverter(JsonRowsConverter):
    """The ``sqlTrigger``: changes as JSON text (default) or parsed.

    Example:
        >>> from azfunc._datum import Datum
        >>> SqlTriggerConverter().decode(Datum('[{"Operation": 0, "Item": {"id": 1}}]', "json"))
        '[{"Operation": 0, "Item": {"id": 1}}]'
    """

    binding = "sqlTrigger"
    list_type = SqlRowList
    trigger = True
    raw_default = True


class MySqlConverter(JsonRowsConverter):
    """The ``mysql`` input and output binding.

    Example:
        >>> MySqlConverter().encode([MySqlRow(id=1)])
        <Datum json '[{"id": 1}]'>
    """

    binding = "mysql"
    list_type = MySqlRowList


class MySqlTriggerConverter(JsonRowsConverter):
    """The ``mysqlTrigger``: changes as JSON text (default) or parsed.

    Example:
        >>> from azfunc._datum import Datum
        >>> rows = MySqlTriggerConverter().decode(Datum('[{"Item": {"id": 1}}]', "json"),
        ...                                       pytype=MySqlRowList)
        >>> rows[0]["Item"]
        {'id': 1}
    """

    binding = "mysqlTrigger"
    list_type = MySqlRowList
    trigger = True
    raw_default = True


CONVERTERS: Final[dict[str, Converter]] = {
    "sql": SqlConverter(),
    "sqlTrigger": SqlTriggerConverter(),
    "mysql": MySqlConverter(),
    "mysqlTrigger": MySqlTriggerConverter(),
}
