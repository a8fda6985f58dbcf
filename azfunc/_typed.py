"""Typed payloads: decode a binding's JSON body into a dataclass, TypedDict or pydantic model.

A trigger or input parameter annotated with a *model* — a dataclass, a ``TypedDict``, a
pydantic v2 ``BaseModel`` (pydantic is never imported here: a class is one when its
metaclass comes from pydantic) or ``list[...]`` of one — receives the validated body instead
of the binding object. Rules this module keeps:

* The body is read from the decoded binding object: an HTTP request's form fields when its
  body is a form, else ``get_json()`` (HTTP, queue, Service Bus, Event Hubs, Kafka, Event
  Grid/CloudEvent ``data``); a Cosmos DB ``DocumentList`` is a list of documents; a batch
  (a list of objects) is read item by item into ``list[Model]``.
* Validation is strict: a field of type ``int`` takes an integer (never ``true`` nor
  ``"1"``), ``float`` takes an integer or a float, ``str`` a string; a missing required
  field is an error, an unknown one is ignored (pydantic's default). Every problem is
  collected, not only the first: :class:`PayloadValidationError` lists them, each with a
  JSON-pointer-like location (``/items/0/price``).
* A model instance returned or set on an ``Out`` is encoded as JSON (:func:`to_jsonable`).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Final, Literal, Union, get_args, get_origin, get_type_hints

from ._errors import BodyDecodeError, ConversionError, PayloadValidationError
from ._errors import PayloadProblem as Problem

__all__ = [
    "PayloadValidationError",
    "Problem",
    "TYPED_INPUTS",
    "TYPED_OUTPUTS",
    "accepts",
    "decode_binding_value",
    "decode_model",
    "is_model",
    "is_model_instance",
    "model_of",
    "problem_details",
    "read_body",
    "to_jsonable",
]


def _is_pydantic(tp: Any) -> bool:
    return isinstance(tp, type) and type(tp).__module__.startswith("pydantic")


def _is_typeddict(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__required_keys__")


def _is_single_model(tp: Any) -> bool:
    return isinstance(tp, type) and (
        dataclasses.is_dataclass(tp) or _is_typeddict(tp) or _is_pydantic(tp)
    )


def model_of(tp: Any) -> Any:
    """The model class of ``tp`` (``Model`` or ``list[Model]``), or ``None``.

    Example:
        >>> @dataclasses.dataclass
        ... class Order:
        ...     id: int
        >>> model_of(Order) is Order, model_of(list[Order]) is Order, model_of(int)
        (True, True, None)
    """
    if _is_single_model(tp):
        return tp
    if get_origin(tp) is list:
        args = get_args(tp)
        if len(args) == 1 and _is_single_model(args[0]):
            return args[0]
    return None


def is_model(tp: Any) -> bool:
    """Whether an annotation asks for a typed payload (a model or a list of one)."""
    return model_of(tp) is not None


#: binding types whose payload is JSON a model can be read from (lower case).
TYPED_INPUTS: Final = frozenset({
    "httptrigger", "queuetrigger", "servicebustrigger", "eventhubtrigger",
    "eventgridtrigger", "cosmosdbtrigger", "cosmosdb", "kafkatrigger",
})
#: output binding types a model instance is written to as JSON (lower case).
TYPED_OUTPUTS: Final = frozenset({
    "http", "queue", "servicebus", "eventhub", "eventgrid", "cosmosdb", "kafka",
})


def accepts(binding_type: str, tp: Any, *, output: bool = False) -> bool:
    """Whether a binding of ``binding_type`` can give (or, ``output=True``, take) ``tp``
    as a typed payload: what ``azfunc check`` accepts besides the converter's own types.

    Example:
        >>> @dataclasses.dataclass
        ... class Order:
        ...     id: int
        >>> accepts("queueTrigger", Order), accepts("timerTrigger", Order)
        (True, False)
        >>> accepts("queue", list[Order], output=True)
        True
    """
    kinds = TYPED_OUTPUTS if output else TYPED_INPUTS
    return binding_type.lower() in kinds and is_model(tp)


def is_model_instance(value: Any) -> bool:
    """Whether ``value`` is a dataclass or pydantic model instance (encoded as JSON)."""
    kind = type(value)
    return (dataclasses.is_dataclass(value) and not isinstance(value, type)) or _is_pydantic(kind)


# --- reading the body ---------------------------------------------------------------------

_FORM_TYPES: Final = ("application/x-www-form-urlencoded", "multipart/form-data")


def read_body(obj: Any) -> Any:
    """The JSON value a decoded binding object carries (see the module rules).

    Raises:
        PayloadValidationError: if the body is not JSON (a problem at ``/``).
    """
    if isinstance(obj, (dict, list)) and not hasattr(obj, "get_json"):
        return [read_body(item) if hasattr(item, "get_json") else item for item in obj] \
            if isinstance(obj, list) else obj
    if _is_form(obj):
        try:
            form = obj.form
        except (BodyDecodeError, ValueError) as exc:  # no boundary, bad part headers, ...
            raise PayloadValidationError("form body", [Problem("", f"not a form: {exc}")]) \
                from None
        return {key: (values[0] if len(values) == 1 else values)
                for key in form for values in [form.getall(key)]}
    get_json = getattr(obj, "get_json", None)
    if get_json is None:
        if isinstance(obj, (str, bytes, bytearray)):
            return _loads(obj)
        raise PayloadValidationError(type(obj).__name__, [Problem("", "no JSON body")])
    try:
        return get_json()
    except (BodyDecodeError, ValueError) as exc:
        raise PayloadValidationError("JSON body", [Problem("", f"not JSON: {exc}")]) from None


def _is_form(obj: Any) -> bool:
    headers = getattr(obj, "headers", None)
    kind = type(obj)  # the class: ``form`` on the instance would parse the body
    if headers is None or not hasattr(kind, "form") or not hasattr(kind, "method"):
        return False
    content_type = str(headers.get("content-type", "")).split(";")[0].strip().lower()
    return content_type in _FORM_TYPES


def decode_binding_value(obj: Any, tp: Any) -> Any:
    """The decoded binding object ``obj``'s body validated into ``tp`` (form fields of an
    HTTP form body are read as text, numbers and booleans parsed exactly).

    Raises:
        PayloadValidationError: if the body is not JSON or does not match ``tp``.
    """
    return decode_model(read_body(obj), tp, form=_is_form(obj))


def _loads(raw: str | bytes | bytearray) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise PayloadValidationError("JSON body", [Problem("", f"not JSON: {exc}")]) from None


# --- validation ---------------------------------------------------------------------------


def decode_model(value: Any, tp: Any, *, form: bool = False) -> Any:
    """``value`` (a JSON value) validated into ``tp`` (a model or ``list[Model]``).

    Example:
        >>> @dataclasses.dataclass
        ... class Line:
        ...     sku: str
        ...     qty: int = 1
        >>> decode_model([{"sku": "a"}, {"sku": "b", "qty": 2}], list[Line])
        [Line(sku='a', qty=1), Line(sku='b', qty=2)]
        >>> try:
        ...     decode_model({"qty": "2"}, Line)
        ... except PayloadValidationError as exc:
        ...     [(p.pointer, p.detail) for p in exc.problems]
        [('/sku', 'field required'), ('/qty', 'expected int, got str')]

    ``form=True`` reads a number or boolean field from the text a form sends.

    Raises:
        PayloadValidationError: naming every field that does not match.
    """
    model = model_of(tp)
    if model is None:
        raise ConversionError(f"{tp!r} is not a dataclass, TypedDict or pydantic model")
    if _is_pydantic(model):
        return _pydantic(value, tp, model)
    problems: list[Problem] = []
    result = _check(value, tp, "", problems, form)
    if problems:
        raise PayloadValidationError(_name(tp), problems)
    return result


def _name(tp: Any) -> str:
    model = model_of(tp)
    name = getattr(model, "__name__", repr(tp))
    return f"list[{name}]" if model is not tp else name


def _pydantic(value: Any, tp: Any, model: Any) -> Any:
    validate, error_type = _pydantic_validator(tp)
    try:
        return validate(value)
    except error_type as exc:
        problems = [
            Problem("".join(f"/{part}" for part in error["loc"]), str(error["msg"]))
            for error in exc.errors()
        ]
        raise PayloadValidationError(_name(tp), problems) from None


@functools.lru_cache(maxsize=256)
def _pydantic_validator(tp: Any) -> tuple[Any, Any]:
    """(validate function, ValidationError) for a pydantic model or ``list[Model]``, made
    once per annotation (pydantic's names are imported lazily, and slowly, by pydantic)."""
    from pydantic import TypeAdapter, ValidationError

    model = model_of(tp)
    if tp is model:
        return model.model_validate, ValidationError
    return TypeAdapter(tp).validate_python, ValidationError


#: the JSON value types each scalar field type takes exactly (bool is not an int here).
_EXACT: Final[dict[Any, frozenset[type]]] = {
    str: frozenset({str}),
    int: frozenset({int}),
    float: frozenset({int, float}),
    bool: frozenset({bool}),
}


def _type_label(value: Any) -> str:
    return {bool: "bool", int: "int", float: "float", str: "str", list: "list",
            dict: "object", type(None): "null"}.get(type(value), type(value).__name__)


def _check(
    value: Any, tp: Any, at: str, problems: list[Problem], form: bool = False
) -> Any:
    exact = _EXACT.get(tp) if not form else None
    if exact is not None:  # the common case, checked inline: str, int, float, bool
        if type(value) in exact:
            return float(value) if tp is float else value
        problems.append(Problem(at, f"expected {tp.__name__}, got {_type_label(value)}"))
        return value
    if isinstance(tp, type) and hasattr(tp, "__dataclass_fields__"):
        return _check_fields(value, tp, at, problems, typed_dict=False, form=form)
    if tp is Any or tp is object:
        return value
    if tp is None or tp is type(None):
        if value is not None:
            problems.append(Problem(at, f"expected null, got {_type_label(value)}"))
        return value
    origin = get_origin(tp)
    if origin is Union or (sys.version_info >= (3, 10) and origin is types.UnionType):
        options = get_args(tp)
        if value is None and type(None) in options:
            return None
        for option in options:
            attempt: list[Problem] = []
            result = _check(value, option, at, attempt, form)
            if not attempt:
                return result
        names = " or ".join(getattr(o, "__name__", repr(o)) for o in options)
        problems.append(Problem(at, f"expected {names}, got {_type_label(value)}"))
        return value
    if origin is Literal:
        if value not in get_args(tp) or type(value) not in {type(a) for a in get_args(tp)}:
            choices = ", ".join(map(repr, get_args(tp)))
            problems.append(Problem(at, f"expected one of {choices}, got {value!r:.40}"))
        return value
    if origin in (list, tuple, set, frozenset) or tp in (list, tuple):
        if not isinstance(value, list):
            problems.append(Problem(at, f"expected list, got {_type_label(value)}"))
            return value
        args = get_args(tp)
        item_tp = args[0] if args else Any
        items = [_check(item, item_tp, f"{at}/{i}", problems, form)
                 for i, item in enumerate(value)]
        return (origin or tp)(items) if (origin or tp) is not list else items
    if origin in (dict, Mapping) or tp is dict:
        if not isinstance(value, dict):
            problems.append(Problem(at, f"expected object, got {_type_label(value)}"))
            return value
        args = get_args(tp)
        value_tp = args[1] if len(args) == 2 else Any
        return {k: _check(v, value_tp, f"{at}/{k}", problems, form) for k, v in value.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _check_fields(value, tp, at, problems, typed_dict=False, form=form)
    if _is_typeddict(tp):
        return _check_fields(value, tp, at, problems, typed_dict=True, form=form)
    return _check_scalar(value, tp, at, problems, form)


def _check_scalar(value: Any, tp: Any, at: str, problems: list[Problem], form: bool) -> Any:
    if form and isinstance(value, str) and tp in (int, float, bool):
        return _form_scalar(value, tp, at, problems)
    if tp is bool:
        ok = isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok:
            return float(value)
    elif tp is str:
        ok = isinstance(value, str)
    elif tp in (datetime, date):
        if isinstance(value, str):
            try:
                return tp.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                pass
        problems.append(Problem(at, f"expected an ISO 8601 {tp.__name__}, got {value!r:.40}"))
        return value
    else:
        problems.append(Problem(at, f"unsupported field type {tp!r}"))
        return value
    if not ok:
        problems.append(Problem(at, f"expected {tp.__name__}, got {_type_label(value)}"))
    return value


def _form_scalar(value: str, tp: Any, at: str, problems: list[Problem]) -> Any:
    """A form field's text read as the number or boolean its field asks for (a form has
    only text); text that is not one exactly is a problem, never a guess."""
    if tp is bool:
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
    else:
        try:
            number = tp(value.strip())
        except ValueError:
            number = None
        if number is not None and value.strip() == value and value:
            return number
    problems.append(Problem(at, f"expected {tp.__name__}, got {value!r:.40}"))
    return value


def _check_fields(
    value: Any, tp: type, at: str, problems: list[Problem], *, typed_dict: bool,
    form: bool = False,
) -> Any:
    if not isinstance(value, dict):
        problems.append(Problem(at, f"expected object, got {_type_label(value)}"))
        return value
    if typed_dict:
        out: dict[str, Any] = {}
        for name, hint, required in _fields_of(tp):
            if name in value:
                out[name] = _check(value[name], hint, f"{at}/{name}", problems, form)
            elif required:
                problems.append(Problem(f"{at}/{name}", "field required"))
        return out
    kwargs: dict[str, Any] = {}
    for name, hint, required in _fields_of(tp):
        if name in value:
            kwargs[name] = _check(value[name], hint, f"{at}/{name}", problems, form)
        elif required:
            problems.append(Problem(f"{at}/{name}", "field required"))
    if problems:
        return value
    try:
        return tp(**kwargs)
    except (TypeError, ValueError) as exc:  # the model's own __post_init__ refused it
        problems.append(Problem(at, str(exc)))
        return value


@functools.lru_cache(maxsize=1024)
def _fields_of(tp: type) -> tuple[tuple[str, Any, bool], ...]:
    """(name, type, required) of each field a model takes, read once per class.

    Raises:
        ConversionError: if an annotation of the model cannot be resolved.
    """
    try:
        hints = get_type_hints(tp)
    except Exception as exc:  # an unresolvable annotation in the user's model
        raise ConversionError(f"cannot read the fields of {tp.__name__}: {exc}") from None
    if not dataclasses.is_dataclass(tp):
        required = set(getattr(tp, "__required_keys__", hints))
        return tuple((name, _strip_required(hint), name in required)
                     for name, hint in hints.items())
    return tuple(
        (spec.name, hints.get(spec.name, Any),
         spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING)
        for spec in dataclasses.fields(tp) if spec.init
    )


def _strip_required(hint: Any) -> Any:
    origin = get_origin(hint)
    names = {getattr(typing, n, None) for n in ("Required", "NotRequired", "ReadOnly")}
    try:
        import typing_extensions

        names |= {getattr(typing_extensions, n, None)
                  for n in ("Required", "NotRequired", "ReadOnly")}
    except ImportError:  # pragma: no cover - a core dependency
        pass
    if origin is not None and origin in names - {None}:
        return get_args(hint)[0]
    return hint


# --- encoding -------------------------------------------------------------------------------


def to_jsonable(value: Any) -> Any:
    """A model instance (or a list of them) as plain JSON values; anything else unchanged.

    Example:
        >>> @dataclasses.dataclass
        ... class P:
        ...     x: int
        >>> to_jsonable([P(1)]), to_jsonable("s")
        ([{'x': 1}], 's')
    """
    if isinstance(value, list) and value and all(is_model_instance(v) for v in value):
        return [to_jsonable(v) for v in value]
    if _is_pydantic(type(value)):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return json.loads(json.dumps(dataclasses.asdict(value), default=_default))
    return value


def _default(obj: Any) -> Any:
    if isinstance(obj, (datetime, date)):
        return obj.isoformat()
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def problem_details(
    error: PayloadValidationError, *, instance: str | None = None
) -> dict[str, Any]:
    """The RFC 9457 problem-details object for a body that failed validation.

    Example:
        >>> doc = problem_details(PayloadValidationError("Order", [Problem("/id", "x")]))
        >>> doc["status"], doc["errors"]
        (422, [{'pointer': '/id', 'detail': 'x'}])
    """
    document: dict[str, Any] = {
        "type": "about:blank",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": f"the request body is not a valid {error.model}",
        "errors": [{"pointer": p.pointer or "/", "detail": p.detail} for p in error.problems],
    }
    if instance is not None:
        document["instance"] = instance
    return document
