"""Cardinality: whether a trigger parameter receives one item or a batch.

Rules this module keeps:

* Cardinality is decided once, by :func:`decide_cardinality`: the annotation (``pytype``) when
  it says one or many, else the payload shape. Collection kinds and ``...Array`` metadata keys
  mean *many*; a JSON array means *many* unless the metadata carries a single-event key. When
  annotation and payload disagree a :class:`~azfunc.ConversionError` says so.
* Annotations are read through :mod:`azfunc._typing`: ``X | None`` is read as ``X``, and a
  generic alias such as ``list[str]`` is never a class.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from .._datum import Datum
from .._errors import ConversionError
from .._registry import Converter
from .._typing import is_class_of, unwrap_optional

__all__ = ["MANY", "ONE", "annotation_allows", "annotation_shape", "decide_cardinality"]

ONE: Final = "one"
MANY: Final = "many"

_COLLECTIONS: Final = frozenset({"collection_bytes", "collection_string"})
_LIST_ORIGINS: Final = (list, Sequence, Iterable)


def annotation_shape(pytype: Any, item_type: type) -> tuple[str | None, type | None]:
    """What an annotation asks for: ``(cardinality, form)``.

    ``cardinality`` is :data:`ONE`, :data:`MANY` or ``None`` (unknown); ``form`` is
    ``item_type``, ``str``, ``bytes`` or ``None`` (the binding's own type by default).
    ``X | None`` is read as ``X``.

    Example:
        >>> annotation_shape(list[str], dict)
        ('many', <class 'str'>)
        >>> annotation_shape(None, dict)
        (None, None)
    """
    pytype = unwrap_optional(pytype)
    if pytype is None or pytype is Any or pytype is object:
        return None, None
    origin = typing.get_origin(pytype)
    if origin is not None and (origin in _LIST_ORIGINS):
        args = typing.get_args(pytype)
        inner = unwrap_optional(args[0]) if args else None
        return MANY, _form_of(inner, item_type)
    if pytype in (list, tuple):
        return MANY, None
    return ONE, _form_of(pytype, item_type)


def _form_of(pytype: Any, item_type: type) -> type | None:
    if pytype in (str, bytes):
        return typing.cast(type, pytype)
    if is_class_of(pytype, (item_type,)):
        return item_type
    return None


def decide_cardinality(
    converter: Converter,
    datum: Datum,
    metadata: Mapping[str, Any] | None,
    pytype: Any,
    *,
    item_type: type,
    single_keys: Iterable[str],
) -> tuple[str, type | None]:
    """Decide one vs many from the annotation and the payload; return ``(cardinality, form)``.

    Raises:
        ConversionError: when the annotation and the payload disagree.
    """
    wanted, form = annotation_shape(pytype, item_type)
    kind = datum.type if isinstance(datum, Datum) else ""
    has_arrays = bool(metadata) and any(
        isinstance(k, str) and k.endswith("Array") for k in metadata or ()
    )
    has_single = metadata is not None and any(k in metadata for k in single_keys)
    if kind in _COLLECTIONS or has_arrays:
        shape: str | None = MANY
    elif kind == "json" and not has_single and _looks_like_array(datum):
        shape = None  # a JSON array: many, unless the annotation asks for one
    else:
        shape = ONE
    if wanted is None:
        return (shape or MANY), form
    if shape is not None and shape != wanted:
        if shape == MANY:
            what, card, fix = "a batch", "many", "a list"
        else:
            what, card, fix = "a single message", "one", "a single item"
        raise ConversionError(
            f"the {converter.binding} binding received {what} (cardinality {card!r}) but "
            f"the parameter is annotated {_name(pytype)}; change the binding's cardinality "
            f"or annotate the parameter as {fix}"
        )
    return wanted, form


def _looks_like_array(datum: Datum) -> bool:
    value = datum.value
    if isinstance(value, (str, bytes, bytearray)):
        return value.lstrip()[:1] in ("[", b"[")
    return isinstance(value, list)


def _name(pytype: Any) -> str:
    return getattr(pytype, "__name__", None) or repr(pytype)


def annotation_allows(pytype: Any, allowed: tuple[type, ...], *, many: bool = True) -> bool:
    """Whether ``pytype`` is one of ``allowed`` (or a subclass), or, when ``many`` is true,
    a ``list[...]``/``Sequence[...]`` of one. ``X | None`` is read as ``X``.

    Example:
        >>> annotation_allows(list[str], (str, bytes))
        True
        >>> annotation_allows(int, (str, bytes))
        False
    """
    pytype = unwrap_optional(pytype)
    origin = typing.get_origin(pytype)
    if origin is not None and origin in _LIST_ORIGINS:
        if not many:
            return False
        args = typing.get_args(pytype)
        if not args:
            return list in allowed
        return annotation_allows(args[0], allowed, many=False)
    return is_class_of(pytype, allowed)
