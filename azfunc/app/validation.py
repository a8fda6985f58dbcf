"""Offline validation: the rules the Python worker applies when it loads a function.

Rules this module keeps:

* Every problem is reported, not just the first: each rule yields zero or more
  :class:`Finding` objects and checking never stops early.
* Messages name the parameter or binding and what to change; the function's name is the
  finding's (``azfunc check`` prints ``<name>: <message>``; :meth:`Finding.error` raises
  ``cannot load the <name> function: <message>``, the worker's style), not the message's.
* A parameter or return annotation the binding cannot serve lists the annotations it
  accepts, asked of the binding's converter (:func:`accepted_annotations`).
* Converters come from the binding registry; an unknown binding type is checked as
  ``generic``. Annotations are resolved as :mod:`azfunc.app.annotations` documents;
  unannotated parameters are always accepted.
* A function returning a value without a ``$return`` binding cannot be seen statically; the
  invocation logs a warning for it and drops the value (see :mod:`azfunc.app.invocation`).
* Function names are compared as the host compares them, case-insensitively
  (:func:`~azfunc.app.model.fold_name`).
* Names follow the Functions host's rules (:mod:`azfunc.wire.custom_handler`,
  ``Utility.cs`` of the host): a function name the host refuses is a finding; a binding name
  it refuses is a finding in the folder model (``function.json`` deploys as it is), and in
  the decorator model only when ``azfunc export`` cannot map it to a valid, unique name
  (:func:`~azfunc.wire.custom_handler.host_binding_name`: ``in_msg`` -> ``inMsg``).
* :func:`check_custom_handler` adds what only a custom handler (``azfunc worker``) needs:
  an HTTP function known to stream its answer (a generator function, or an answer annotated
  as an iterator) that the host will not forward gets ``forwarding-needed``. Whether any
  other answer fits JSON mode (two ``Set-Cookie`` headers, a binary body) cannot be known
  statically; the worker guarantees it at run time (``ForwardingRequiredError``).
* This module checks functions it is given; it never loads an app (that is
  :mod:`azfunc.app.loader`; :func:`~azfunc.app.checks.check_app` loads, then checks).

Finding codes: ``no-trigger``, ``several-triggers``, ``duplicate-binding``,
``return-direction``, ``param-without-binding``, ``binding-without-param``,
``out-not-annotated``, ``in-annotated-out``, ``annotation-mismatch``,
``return-annotation-mismatch``, ``context-annotation``, ``cardinality-many``,
``annotation-unresolvable``, ``converter-unavailable``, ``duplicate-function``,
``function-name-invalid``, ``binding-name-invalid``, ``forwarding-needed``, and from
loading: ``function-json-invalid``, ``function-json-no-bindings``, ``binding-invalid``,
``script-file-missing``, ``entry-point-missing``, ``import-error``, ``no-function-app``,
``several-function-apps``, ``host-json-invalid``, ``settings-invalid``.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import inspect
import re
import typing
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .. import _typed
from .._errors import AnnotationError
from .._typing import unwrap_optional
from ..wire.custom_handler import (
    forwarding_enabled,
    host_binding_name,
    is_http_in_and_out,
    is_valid_binding_name,
    is_valid_function_name,
)
from .annotations import EMPTY, is_context, is_list_like, is_out, out_argument, resolve_signature
from .findings import Finding
from .model import fold_name, several_triggers

if TYPE_CHECKING:
    from .._registry import BindingRegistry, Converter
    from .model import BindingInfo, FunctionInfo

__all__ = ["Finding", "accepted_annotations", "check_custom_handler", "check_function",
           "check_functions"]


def _type_name(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__qualname__
    return re.sub(r"\b(?:[A-Za-z_]\w*\.)+(?=[A-Za-z_])", "", str(tp))


@dataclasses.dataclass
class _SampleModel:
    """A typed payload, to ask :func:`azfunc._typed.accepts` whether a binding takes models."""

    id: int = 0


#: annotations always offered to a converter, before azfunc's public types.
_BUILTIN_CANDIDATES: tuple[type, ...] = (str, bytes, bytearray, dict, list, int, float, bool)


def accepted_annotations(binding_type: str, converter: Converter, *,
                         output: bool = False) -> list[str]:
    """The annotations ``converter`` accepts for a parameter (``output``: for ``Out[...]``
    or a return): builtins and every public azfunc type, alone and as ``list[...]``, as the
    converter's own annotation check answers; and typed models when the binding takes them.

    Example:
        >>> from azfunc._registry import get_binding_registry
        >>> accepted_annotations("timerTrigger", get_binding_registry().get("timerTrigger"))
        ['TimerRequest']
    """
    import azfunc

    candidates = list(_BUILTIN_CANDIDATES)
    for name in sorted(azfunc.__all__):
        try:
            obj = getattr(azfunc, name)
        except Exception:  # an optional extra's type whose dependency is missing
            continue
        if isinstance(obj, type) and not issubclass(obj, (BaseException, enum.Enum)) and (
                obj not in candidates):  # enums are str subclasses, not payload types
            candidates.append(obj)
    check = (converter.check_output_type_annotation if output
             else converter.check_input_type_annotation)
    found: list[str] = []
    for candidate in candidates:
        for form in (candidate, list[candidate]):  # type: ignore[valid-type]
            try:
                ok = bool(check(form))
            except Exception:  # a converter's check that only expects classes
                ok = False
            if ok and _type_name(form) not in found:
                found.append(_type_name(form))
    if _typed.accepts(binding_type, _SampleModel, output=output):
        found.append("a dataclass, TypedDict or pydantic model (the JSON body)")
    return found


def _accepted_text(binding_type: str, converter: Converter, *, output: bool) -> str:
    accepted = accepted_annotations(binding_type, converter, output=output)
    if not accepted:
        return f"the {binding_type} binding accepts no annotation here; leave it unannotated"
    return f"the {binding_type} binding accepts {', '.join(accepted)}"


def _converter(
    info: FunctionInfo, binding: BindingInfo, registry: BindingRegistry
) -> tuple[Converter | None, Finding | None]:
    try:
        return registry.get_or_generic(binding.type), None
    except Exception as exc:  # a broken or missing converter module
        return None, Finding(
            info.name,
            binding.name,
            "converter-unavailable",
            f"no converter can serve binding "
            f"{binding.name!r} of type {binding.type!r} ({type(exc).__name__}: {exc})",
        )


def _check_bindings(info: FunctionInfo) -> Iterator[Finding]:
    name = info.name
    triggers = info.triggers
    if not triggers:
        yield Finding(
            name,
            None,
            "no-trigger",
            "it has no trigger; add exactly one binding "
            "whose type ends with \"Trigger\"",
        )
    elif (problem := several_triggers(info)) is not None:
        yield Finding(name, triggers[1].name, "several-triggers", problem)
    for binding_name, count in Counter(b.name for b in info.bindings).items():
        if count > 1:
            yield Finding(
                name,
                binding_name,
                "duplicate-binding",
                f"binding {binding_name!r} is declared "
                f"{count} times; give each binding its own name",
            )
    ret = info.return_binding
    if ret is not None and ret.direction != "out":
        yield Finding(
            name,
            ret.name,
            "return-direction",
            f"the \"$return\" binding must have direction "
            f"\"out\", not {ret.direction!r}",
        )


def from_function_json(info: FunctionInfo) -> bool:
    """Whether ``info`` comes from a folder app's ``function.json`` (its names deploy as the
    user wrote them), not from a decorator (whose names ``azfunc export`` maps). The loader
    gives decorator functions the app root as their directory, so the folder's own
    ``function.json`` is what tells them apart."""
    return info.directory is not None and (info.directory / "function.json").is_file()


def _check_names(info: FunctionInfo) -> Iterator[Finding]:
    """The host's name rules (``Utility.FunctionNameValidationRegex``,
    ``BindingNameValidationRegex``)."""
    name = info.name
    if not is_valid_function_name(name):
        yield Finding(
            name,
            None,
            "function-name-invalid",
            f"the Functions host refuses the name {name!r}; "
            "a function name starts with a letter, holds only letters, digits, '_' and '-', "
            "is at most 128 characters long and is not 'host'",
        )
    exported: dict[str, str] = {}
    for binding in info.bindings:
        if from_function_json(info):
            if not is_valid_binding_name(binding.name):
                yield Finding(
                    name,
                    binding.name,
                    "binding-name-invalid",
                    f"the Functions host refuses the binding "
                    f"name {binding.name!r}; a binding name starts with a letter and holds "
                    "only letters and digits, at most 128 (hosts from 4.1038 also take "
                    "single underscores, older ones do not); rename the binding and its "
                    "parameter (e.g. inMsg instead of in_msg)",
                )
            continue
        mapped = host_binding_name(binding.name)
        clash = exported.get(mapped)
        if clash == binding.name:
            continue  # the same name twice: duplicate-binding says so
        if not is_valid_binding_name(mapped) or clash is not None:
            why = (f"it would be exported as {mapped!r} like {clash!r}" if clash is not None
                   else "azfunc export cannot map it to a name the host accepts (letters and "
                   "digits, at most 128, starting with a letter)")
            yield Finding(
                name,
                binding.name,
                "binding-name-invalid",
                f"the Functions host refuses the binding "
                f"name {binding.name!r} and {why}; rename the parameter",
            )
        exported[mapped] = binding.name


def check_function(info: FunctionInfo, registry: BindingRegistry | None = None) -> list[Finding]:
    """Every problem the Python worker would refuse ``info`` for.

    Example:
        >>> from azfunc.app.model import BindingInfo, FunctionInfo
        >>> def main(req, extra): ...
        >>> info = FunctionInfo("f", main, (BindingInfo("req", "httpTrigger"),))
        >>> [x.code for x in check_function(info)]
        ['param-without-binding']

    Raises:
        AzFuncError: never; problems are returned.
    """
    from .._registry import get_binding_registry

    reg = registry or get_binding_registry()
    findings = list(_check_names(info))
    findings.extend(_check_bindings(info))
    try:
        sig = resolve_signature(info.func, info.name)
    except AnnotationError as exc:
        findings.append(Finding(info.name, None, "annotation-unresolvable",
                                str(exc).removeprefix(f"cannot load the {info.name} function: ")))
        return findings
    findings.extend(_check_parameters(info, sig.parameters, sig.annotations, reg))
    findings.extend(_check_return(info, sig.returns, reg))
    return findings


def _check_parameters(
    info: FunctionInfo,
    parameters: Iterable[str],
    annotations: dict[str, Any] | Any,
    reg: BindingRegistry,
) -> Iterator[Finding]:
    name = info.name
    bound = {b.name: b for b in info.bindings if not b.is_return}
    params = list(parameters)
    if "context" in params and "context" not in bound:
        params.remove("context")
        tp = annotations["context"]
        if tp is not EMPTY and not is_context(tp):
            yield Finding(
                name,
                "context",
                "context-annotation",
                f"the \"context\" parameter is annotated "
                f"{_type_name(tp)}; annotate it azfunc.Context or leave it unannotated",
            )
    for param in params:
        if param not in bound:
            yield Finding(
                name,
                param,
                "param-without-binding",
                f"parameter {param!r} has no binding; add a "
                f"binding named {param!r} (function.json or decorator) or remove the parameter",
            )
    for binding_name in bound:
        if binding_name not in params:
            yield Finding(
                name,
                binding_name,
                "binding-without-param",
                f"binding {binding_name!r} "
                f"({bound[binding_name].type}) has no parameter; add a parameter "
                f"{binding_name!r} to the function",
            )
    for param in params:
        binding = bound.get(param)
        if binding is None:
            continue
        yield from _check_annotation(info, binding, annotations[param], reg)


def _check_annotation(
    info: FunctionInfo, binding: BindingInfo, tp: Any, reg: BindingRegistry
) -> Iterator[Finding]:
    name = info.name
    if tp is EMPTY:
        return
    annotated_out = is_out(tp)
    if binding.direction == "out" and not annotated_out:
        yield Finding(
            name,
            binding.name,
            "out-not-annotated",
            f"binding {binding.name!r} has direction "
            f"\"out\" but its parameter is annotated {_type_name(tp)}; annotate it "
            f"azfunc.Out[...]",
        )
        return
    if binding.direction == "in" and annotated_out:
        yield Finding(
            name,
            binding.name,
            "in-annotated-out",
            f"binding {binding.name!r} has direction "
            f"\"in\" but its parameter is annotated {_type_name(tp)}; only output bindings "
            "take azfunc.Out",
        )
        return
    converter, problem = _converter(info, binding, reg)
    if converter is None:
        if problem is not None:
            yield problem
        return
    if annotated_out:
        inner = out_argument(tp)
        accepted = inner is EMPTY or converter.check_output_type_annotation(inner)
        accepted = accepted or _typed.accepts(binding.type, inner, output=True)
    else:
        inner = unwrap_optional(tp)
        accepted = converter.check_input_type_annotation(inner)
        accepted = accepted or _typed.accepts(binding.type, inner)
    if not accepted:
        yield Finding(
            name,
            binding.name,
            "annotation-mismatch",
            f"binding {binding.name!r} of type "
            f"{binding.type!r} cannot {'take' if annotated_out else 'give'} "
            f"{_type_name(inner)} (parameter annotated {_type_name(tp)}); "
            f"{_accepted_text(binding.type, converter, output=annotated_out)}",
        )
        return
    if not annotated_out and binding.cardinality == "many" and not is_list_like(inner):
        yield Finding(
            name,
            binding.name,
            "cardinality-many",
            f"binding {binding.name!r} has cardinality "
            f"\"many\" but its parameter is annotated {_type_name(tp)}; annotate it "
            f"list[...] or set cardinality to \"one\"",
        )


def _check_return(info: FunctionInfo, returns: Any, reg: BindingRegistry) -> Iterator[Finding]:
    ret = info.return_binding
    if ret is None or ret.direction != "out" or returns is EMPTY:
        return
    inner = unwrap_optional(returns)
    if inner is type(None) or inner is None:
        return
    converter, problem = _converter(info, ret, reg)
    if converter is None:
        if problem is not None:
            yield problem
        return
    if not converter.check_output_type_annotation(inner) and not _typed.accepts(
        ret.type, inner, output=True
    ):
        yield Finding(
            info.name,
            ret.name,
            "return-annotation-mismatch",
            f"its return annotation "
            f"{_type_name(returns)} does not match the \"$return\" binding of type "
            f"{ret.type!r}; {_accepted_text(ret.type, converter, output=True)}",
        )


def check_functions(
    functions: Iterable[FunctionInfo], registry: BindingRegistry | None = None
) -> list[Finding]:
    """Check several functions, including that their names are unique.

    Raises:
        AzFuncError: never; problems are returned.
    """
    items = list(functions)
    findings: list[Finding] = []
    for folded, count in Counter(fold_name(f.name) for f in items).items():
        if count > 1:
            shown = next(f.name for f in items if fold_name(f.name) == folded)
            findings.append(
                Finding(
                    shown,
                    None,
                    "duplicate-function",
                    f"{count} functions have this name; "
                    "function names must be unique (use function_name(...) to rename one)",
                )
            )
    for info in items:
        findings.extend(check_function(info, registry))
    return findings


_ITERATORS: tuple[Any, ...] = (
    collections.abc.Iterator, collections.abc.Iterable, collections.abc.Generator,
    collections.abc.AsyncIterator, collections.abc.AsyncIterable, collections.abc.AsyncGenerator,
)


def _is_iterator_type(tp: Any) -> bool:
    if tp is EMPTY:
        return False
    tp = unwrap_optional(tp)
    origin = typing.get_origin(tp) or tp
    return origin in _ITERATORS


def streams_http_answer(info: FunctionInfo) -> bool:
    """Whether the function is known to stream its HTTP answer: it is a generator
    function, or its return or ``Out[...]`` annotation of an ``http`` binding is an iterator.

    Example:
        >>> from azfunc.app.model import BindingInfo, FunctionInfo
        >>> def main(req):
        ...     yield b"chunk"
        >>> streams_http_answer(FunctionInfo("f", main, (BindingInfo("req", "httpTrigger"),
        ...                                              BindingInfo("$return", "http", "out"))))
        True
    """
    func = inspect.unwrap(info.func)
    if inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func):
        return True
    try:
        sig = resolve_signature(info.func, info.name)
    except AnnotationError:
        return False
    for binding in info.bindings:
        if binding.type.lower() != "http" or binding.direction != "out":
            continue
        if binding.is_return:
            if _is_iterator_type(sig.returns):
                return True
            continue
        annotation = sig.annotations.get(binding.name, EMPTY)
        if (annotation is not EMPTY and is_out(annotation)
                and _is_iterator_type(out_argument(annotation))):
            return True
    return False


def check_custom_handler(
    functions: Iterable[FunctionInfo],
    host_json: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
) -> list[Finding]:
    """What a custom handler (``azfunc worker``) adds to :func:`check_functions`:
    ``forwarding-needed`` for HTTP functions known to stream whose requests the host will
    not forward (forwarding off, or bindings other than one HTTP trigger and one HTTP
    output).

    Example:
        >>> check_custom_handler([], {"customHandler": {"enableForwardingHttpRequest": True}})
        []

    Raises:
        AzFuncError: never; problems are returned.
    """
    forwarding = forwarding_enabled(host_json, environ or {})
    findings: list[Finding] = []
    for info in functions:
        trigger = info.trigger
        if trigger is None or trigger.type.lower() != "httptrigger":
            continue
        forwarded = forwarding and is_http_in_and_out(info.bindings)
        if forwarded or not streams_http_answer(info):
            continue
        how = ("remove its other bindings (the host forwards only functions with one HTTP "
               "trigger and one HTTP output)" if forwarding else
               "set customHandler.enableForwardingHttpRequest to true in host.json (or "
               "the app setting AzureFunctionsJobHost__customHandler__"
               "enableForwardingHttpRequest=true)")
        findings.append(Finding(
            info.name,
            None,
            "forwarding-needed",
            f"cannot serve the {info.name} function as a custom handler as written: it "
            "streams its HTTP answer, and in the custom-handler JSON protocol the host gets "
            "it collected and written as text (a body that is not UTF-8 fails the "
            f"invocation); {how}",
        ))
    return findings
