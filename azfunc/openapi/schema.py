"""JSON Schema (the 2020-12 dialect OpenAPI 3.1 uses) of the types typed payloads take.

Rules this module keeps:

* A schema says what :mod:`azfunc._typed` accepts, no more: ``int`` is ``integer``,
  ``float`` is ``number``, ``bool`` is ``boolean``, ``str`` is ``string``, ``datetime`` and
  ``date`` are strings of format ``date-time``/``date``, ``Optional[X]`` adds ``null``,
  ``Literal`` is an ``enum``, lists, tuples and sets are arrays, ``dict[str, V]`` is an
  object of ``V``. A field type the validator refuses every value of is ``{"not": {}}``.
* A dataclass or TypedDict becomes a named schema in ``components/schemas`` and is
  referenced (``$ref``), so a recursive model works; its required fields are those without
  a default (``__required_keys__`` for a TypedDict).
* A pydantic model's schema is pydantic's own (``model_json_schema``), its ``$defs``
  lifted into ``components/schemas``; pydantic is never imported here, the model's class
  method is called.
* Names are the class names; two classes of one name get their module-qualified names.
  Properties keep the field order, so the output is stable for a given app.
"""

from __future__ import annotations

import dataclasses
import re
import sys
import types
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal, Union, get_args, get_origin

from .. import _typed
from .._errors import ConversionError

__all__ = ["SchemaRegistry", "PROBLEM_DETAILS"]

_REF_PREFIX = "#/components/schemas/"
_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    type(None): {"type": "null"},
    datetime: {"type": "string", "format": "date-time"},
    date: {"type": "string", "format": "date"},
}
_JSON_LITERALS = (str, int, float, bool, type(None))

#: the RFC 9457 problem-details body a typed HTTP function answers 422 with.
PROBLEM_DETAILS: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details: the body does not match the model",
    "required": ["type", "title", "status", "detail", "errors"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "const": 422},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["pointer", "detail"],
                "properties": {"pointer": {"type": "string"}, "detail": {"type": "string"}},
            },
        },
    },
}


class SchemaRegistry:
    """Schemas of models, named once, for an OpenAPI document's ``components/schemas``.

    Example:
        >>> @dataclasses.dataclass
        ... class Line:
        ...     sku: str
        ...     qty: int = 1
        >>> reg = SchemaRegistry()
        >>> reg.schema_of(list[Line])
        {'type': 'array', 'items': {'$ref': '#/components/schemas/Line'}}
        >>> reg.components()["Line"]["required"]
        ['sku']

    Raises:
        ConversionError: from :meth:`schema_of` if a model's annotations cannot be resolved.
    """

    def __init__(self) -> None:
        self._names: dict[Any, str] = {}
        self._taken: set[str] = set()
        self._schemas: dict[str, Any] = {}

    def components(self) -> dict[str, Any]:
        """The named schemas, sorted by name."""
        return {name: self._schemas[name] for name in sorted(self._schemas)}

    def add(self, name: str, schema: Mapping[str, Any]) -> str:
        """Register a schema under ``name`` (kept if taken); its ``$ref``."""
        self._taken.add(name)
        self._schemas.setdefault(name, dict(schema))
        return _REF_PREFIX + name

    def schema_of(self, tp: Any) -> dict[str, Any]:
        """The JSON Schema of ``tp`` (models as ``$ref`` to :meth:`components`)."""
        scalar = _SCALARS.get(tp)
        if scalar is not None:
            return dict(scalar)
        if tp is Any or tp is object:
            return {}
        if tp is None:
            return {"type": "null"}
        if _typed.is_model(tp) and _typed.model_of(tp) is tp:
            return {"$ref": _REF_PREFIX + self._model(tp)}
        origin = get_origin(tp)
        args = get_args(tp)
        if origin is Union or (sys.version_info >= (3, 10) and origin is types.UnionType):
            return {"anyOf": [self.schema_of(arg) for arg in args]}
        if origin is Literal:
            if all(isinstance(a, _JSON_LITERALS) for a in args):
                return {"enum": list(args)}
            return {"not": {}}
        if origin in (list, set, frozenset, tuple) or tp in (list, tuple, set, frozenset):
            # _typed checks every item against the first argument (tuple[X, ...] too)
            out: dict[str, Any] = {"type": "array",
                                   "items": self.schema_of(args[0] if args else Any)}
            if (origin or tp) in (set, frozenset):
                out["uniqueItems"] = True
            return out
        if origin in (dict, Mapping) or tp is dict:
            value = args[1] if len(args) == 2 else Any
            return {"type": "object", "additionalProperties": self.schema_of(value)}
        return {"not": {}}  # _typed refuses every value of a type it does not know

    def _model(self, model: Any) -> str:
        name = self._names.get(model)
        if name is not None:
            return name
        name = self._name_for(model)
        self._names[model] = name
        self._taken.add(name)
        if _typed._is_pydantic(model):
            self._schemas[name] = self._pydantic(model)
        else:
            self._schemas[name] = {}  # a placeholder: a recursive field refers to it
            self._schemas[name] = self._fields(model)
        return name

    def _name_for(self, model: Any) -> str:
        name = _clean(getattr(model, "__name__", "Model"))
        if name not in self._taken:
            return name
        qualified = _clean(f"{model.__module__}.{model.__qualname__}")
        candidate, count = qualified, 2
        while candidate in self._taken:
            candidate, count = f"{qualified}_{count}", count + 1
        return candidate

    def _fields(self, model: Any) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        required: list[str] = []
        defaults = _defaults(model)
        for field_name, hint, is_required in _typed._fields_of(model):
            prop = self.schema_of(hint)
            if field_name in defaults:
                prop = {**prop, "default": defaults[field_name]}
            properties[field_name] = prop
            if is_required:
                required.append(field_name)
        schema: dict[str, Any] = {"type": "object", "title": model.__name__,
                                  "properties": properties}
        if required:
            schema["required"] = required
        return schema

    def _pydantic(self, model: Any) -> dict[str, Any]:
        try:
            schema = dict(model.model_json_schema(ref_template=_REF_PREFIX + "{model}"))
        except Exception as exc:  # pydantic refuses to describe the model
            raise ConversionError(
                f"cannot describe the pydantic model {model.__name__}: {exc}"
            ) from None
        for def_name, definition in sorted(dict(schema.pop("$defs", {})).items()):
            self.add(def_name, definition)
        return schema


def _defaults(model: Any) -> dict[str, Any]:
    """The JSON-literal defaults of a dataclass's fields (others are left unsaid)."""
    if not dataclasses.is_dataclass(model):
        return {}
    return {spec.name: spec.default for spec in dataclasses.fields(model)
            if spec.default is not dataclasses.MISSING
            and isinstance(spec.default, _JSON_LITERALS)}


def _clean(name: str) -> str:
    """A component name OpenAPI accepts (``^[a-zA-Z0-9.\\-_]+$``)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) or "Model"
