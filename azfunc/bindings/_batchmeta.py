"""Metadata of a batch: per-event arrays aligned by position, batch-wide keys shared.

Rules this module keeps:

* Metadata arrays are trusted *positionally only when their length equals the batch length*
  (:func:`positional`). The host drops null and empty entries from string collections, so a
  shorter (or longer) array cannot be aligned: every event then gets ``None`` for that field
  instead of a value that may belong to another event. Converters prefer per-event objects
  (such as ``SystemPropertiesArray`` entries) that carry their own values.
* Batch-wide (non-``Array``) metadata is parsed once (:class:`SharedMetadata`) and shared by
  every event of a batch; no event holds a copy of the whole metadata mapping.
* Values read from the arrays are coerced by :func:`azfunc._metadata.to_int`,
  :func:`~azfunc._metadata.to_bool` and :func:`~azfunc._metadata.to_text`, the coercions
  of the single-event readers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from .._datum import Datum as Datum  # the doctests use it
from .._metadata import metadata_list, raw_metadata

__all__ = ["SharedMetadata", "positional"]

_log = logging.getLogger("azfunc.metadata")


def positional(metadata: Mapping[str, Any] | None, key: str, count: int) -> list[Any] | None:
    """The ``key`` metadata array when it can be aligned with a batch of ``count``, else None.

    Example:
        >>> positional({"OffsetArray": Datum(["1", "2"], "collection_string")}, "OffsetArray", 2)
        ['1', '2']
        >>> positional({"OffsetArray": Datum(["1"], "collection_string")}, "OffsetArray", 2)
    """
    if not metadata or key not in metadata:
        return None
    values = metadata_list(metadata, key)
    if values is None:
        return None
    if len(values) != count:
        _log.debug(
            "metadata %s has %d entries for a batch of %d; not used positionally",
            key,
            len(values),
            count,
        )
        return None
    return values


class SharedMetadata:
    """The batch-wide metadata of one invocation, parsed once and shared by every event.

    Only keys that do not end in ``Array`` are kept: the per-event values live on the events.

    Example:
        >>> shared = SharedMetadata({"PartitionContext": Datum('{"PartitionId": "0"}', "json"),
        ...                          "OffsetArray": Datum(["1"], "collection_string")})
        >>> shared.get()
        {'PartitionContext': {'PartitionId': '0'}}
    """

    __slots__ = ("_arrays", "_count", "_parsed", "_source")

    def __init__(self, source: Mapping[str, Any] | None, *, count: int = -1) -> None:
        self._source = source
        self._parsed: dict[str, Any] | None = None
        #: the batch length (-1: not given), for :meth:`item`
        self._count = count
        #: the per-event arrays :meth:`item` has parsed, by key (None: not alignable)
        self._arrays: dict[str, list[Any] | None] | None = None

    def item(self, key: str, index: int) -> Any:
        """Entry ``index`` of the per-event array ``key`` (``None`` when the array is absent
        or cannot be aligned with the batch), the array parsed once, on first call, for all
        events: a key most functions never read then costs nothing.

        Example:
            >>> shared = SharedMetadata({"PropertiesArray": Datum('[{"a": 1}, {}]', "json")},
            ...                         count=2)
            >>> shared.item("PropertiesArray", 0), shared.item("PropertiesArray", 1)
            ({'a': 1}, {})
        """
        arrays = self._arrays
        if arrays is None:
            arrays = self._arrays = {}
        try:
            values = arrays[key]
        except KeyError:
            values = arrays[key] = positional(self._source, key, self._count)
        if values is None or not 0 <= index < len(values):
            return None
        return values[index]

    def get(self) -> dict[str, Any]:
        """The shared metadata as plain Python values (parsed on first call)."""
        if self._parsed is None:
            source = self._source or {}
            self._parsed = raw_metadata(
                {k: v for k, v in source.items() if not str(k).endswith("Array")}
            )
        return self._parsed

    def with_own(self, own: Mapping[str, Any]) -> dict[str, Any]:
        """The shared metadata plus one item's ``own`` values (``None`` values left out), as
        that item's ``metadata`` property reports it.

        Example:
            >>> SharedMetadata({"PartitionContext": Datum('{"PartitionId": "0"}', "json")}
            ...                ).with_own({"Offset": "7", "PartitionKey": None})
            {'PartitionContext': {'PartitionId': '0'}, 'Offset': '7'}
        """
        return {**self.get(), **{k: v for k, v in own.items() if v is not None}}
