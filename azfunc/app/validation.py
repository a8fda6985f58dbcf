"""Offline validation: the rules the Python worker applies when it loads a function.

Rules this module keeps:

* Every problem is reported, not just the first: each rule yields zero or more
  :class:`Finding` objects and checking never stops early.
* Messages name the function, the parameter or binding, and what to change, in the worker's
  style ``cannot load the <name> function: ...``.
* Converters come from the binding registry; an unknown binding type is checked as
  ``generic``. Annotations are resolved as :mod:`azfunc.app.annotations` documents;
  unannotated parameters are always accepted.
* A function returning a value without a ``$return`` binding cannot be seen statically; the
  invocation logs a warning for it and drops the value (see :mod:`azfunc.app.invocation`).
* Function names are compared as the host compares them, case-insensitively
  (:func:`~azfunc.app.model.fold_name`).
* This module checks functions it is given; it never loads an app (that is
  :mod:`azfunc.app.loader`, whose :func:`~azfunc.app.loader.check_app` loads, then checks).

Finding codes: ``no-trigger``, ``several-triggers``, ``duplicate-binding``,
``return-direction``, ``param-without-binding``, ``binding-without-param``,
``out-not-annotated``, ``in-annotated-out``, ``annotation-mismatch``,
``return-annotation-mismatch``, ``context-annotation``, ``cardinality-many``,
``annotation-unresolvable``, ``converter-unavailable``, ``duplicate-function``, and from
loading: ``function-json-invalid``, ``function-json-no-bindings``, ``binding-invalid``,
``script-file-missing``, ``entry-point-missing``, ``import-error``, ``no-function-app``,
``several-function-apps``, ``host-json-invalid``, ``settings-invalid``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .._errors import AnnotationError
from .._typing import unwrap_optional
from .annotations import EMPTY, is_context, is_list_like, is_out, out_argument, resolve_signature
from .findings import Finding
from .model import fold_name

if TYPE_CHECKING:
    from .._registry import BindingRegistry, Converter
    from .model import BindingInfo, FunctionInfo

__all__ = ["Finding", "check_function", "check_functions"]


def _type_name(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__qualname__
    return re.sub(r"\b(?:[A-Za-z_]\w*\.)+(?=[A-Za-z_])", "", str(tp))


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
            f"cannot load the {info.name} function: no converter can serve binding "
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
            f"cannot load the {name} function: it has no trigger; add exactly one binding "
            "whose type ends with \"Trigger\"",
        )
    elif len(triggers) > 1:
        listed = ", ".join(f"{b.name!r} ({b.type})" for b in triggers)
        yield Finding(
            name,
            triggers[1].name,
            "several-triggers",
            f"cannot load the {name} function: it has {len(triggers)} triggers ({listed}); "
            "a function has exactly one",
        )
    for binding_name, count in Counter(b.name for b in info.bindings).items():
        if count > 1:
            yield Finding(
                name,
                binding_name,
                "duplicate-binding",
                f"cannot load the {name} function: binding {binding_name!r} is declared "
                f"{count} times; give each binding its own name",
            )
    ret = info.return_binding
    if ret is not None and ret.direction != "out":
        yield Finding(
            name,
            ret.name,
            "return-direction",
            f"cannot load the {name} function: the \"$return\" binding must have direction "
            f"\"out\", not {ret.direction!r}",
        )


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
    findings = list(_check_bindings(info))
    try:
        sig = resolve_signature(info.func, info.name)
    except AnnotationError as exc:
        findings.append(Finding(info.name, None, "annotation-unresolvable", str(exc)))
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
                f"cannot load the {name} function: the \"context\" parameter is annotated "
                f"{_type_name(tp)}; annotate it azfunc.Context or leave it unannotated",
            )
    for param in params:
        if param not in bound:
            yield Finding(
                name,
                param,
                "param-without-binding",
                f"cannot load the {name} function: parameter {param!r} has no binding; add a "
                f"binding named {param!r} (function.json or decorator) or remove the parameter",
            )
    for binding_name in bound:
        if binding_name not in params:
            yield Finding(
                name,
                binding_name,
                "binding-without-param",
                f"cannot load the {name} function: binding {binding_name!r} "
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
            f"cannot load the {name} function: binding {binding.name!r} has direction "
            f"\"out\" but its parameter is annotated {_type_name(tp)}; annotate it "
            f"azfunc.Out[...]",
        )
        return
    if binding.direction == "in" and annotated_out:
        yield Finding(
            name,
            binding.name,
            "in-annotated-out",
            f"cannot load the {name} function: binding {binding.name!r} has direction "
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
    else:
        inner = unwrap_optional(tp)
        accepted = converter.check_input_type_annotation(inner)
    if not accepted:
        yield Finding(
            name,
            binding.name,
            "annotation-mismatch",
            f"cannot load the {name} function: binding {binding.name!r} of type "
            f"{binding.type!r} cannot {'take' if annotated_out else 'give'} "
            f"{_type_name(inner)} (parameter annotated {_type_name(tp)}); use a type the "
            f"{binding.type} binding supports",
        )
        return
    if not annotated_out and binding.cardinality == "many" and not is_list_like(inner):
        yield Finding(
            name,
            binding.name,
            "cardinality-many",
            f"cannot load the {name} function: binding {binding.name!r} has cardinality "
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
    if not converter.check_output_type_annotation(inner):
        yield Finding(
            info.name,
            ret.name,
            "return-annotation-mismatch",
            f"cannot load the {info.name} function: its return annotation "
            f"{_type_name(returns)} does not match the \"$return\" binding of type "
            f"{ret.type!r}; return a type the {ret.type} binding supports",
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
                    f"cannot load the {shown} function: {count} functions have this name; "
                    "function names must be unique (use function_name(...) to rename one)",
                )
            )
    for info in items:
        findings.extend(check_function(info, registry))
    return findings
