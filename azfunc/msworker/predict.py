"""What Microsoft's Python worker will say when it loads an app: its load errors, predicted.

Rules this module keeps:

* It follows the worker's own checks in the worker's order (``Registry.add_indexed_function``
  of ``azure-functions-runtime`` for decorator apps, ``add_function`` of
  ``azure-functions-runtime-v1`` for folder apps; the host-bundled worker for 3.10-3.12 has
  the same checks): binding directions, the ``context`` parameter, parameters versus
  bindings, ``Out`` annotations, non-type annotations, the converters' annotation checks,
  then the return annotation. The first failure of a function is the worker's verdict.
* Each prediction is a :class:`~azfunc.app.validation.Finding` whose ``message`` is the text
  the worker reports (``RpcException.message``: ``FunctionLoadError: cannot load the NAME
  function: ...``) and whose ``code`` starts with ``python-worker-``.
* Annotation checks are answered as inside the worker with azfunc's bridge installed:
  azfunc's converters for azfunc annotations (and, in decorator apps, for every parameter);
  ``str``/``bytes`` by the worker's generic binding; other plain annotations of folder apps by
  ``azure.functions``' converters when that package is importable (else not predicted).
* "Is it a type" follows Python 3.11+ (where the worker runs from 3.13, and the host-bundled
  worker on 3.11/3.12): ``list[X]`` is *not* a type there and the worker rejects it; write
  ``typing.List[X]``.
* It never imports the worker.
"""

from __future__ import annotations

import collections.abc
import importlib
import inspect
import types
import typing
from collections.abc import Iterable
from typing import Any, Final

from .. import _typed
from .._errors import ArgumentValueError
from .._registry import get_binding_registry
from ..app.model import FunctionInfo, several_triggers
from ..app.validation import Finding
from .converters import is_azfunc_annotation

__all__ = ["predict_functions", "predict_module", "trigger_problem"]

_GENERIC_ALIASES: Final = tuple(
    getattr(typing, name) for name in ("_GenericAlias", "_SpecialGenericAlias")
    if hasattr(typing, name)
)


class _Verdict(Exception):
    def __init__(self, code: str, binding: str | None, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.binding = binding
        self.message = message


def _is_type(tp: Any) -> bool:
    return isinstance(tp, type) and not isinstance(tp, types.GenericAlias)


def _is_generic(tp: Any) -> bool:
    """The worker's ``typing_inspect.is_generic_type``."""
    if _is_type(tp) and issubclass(tp, typing.Generic):
        return True
    return isinstance(tp, _GENERIC_ALIASES) and getattr(tp, "__origin__", None) not in (
        typing.Union, tuple, typing.ClassVar, collections.abc.Callable)


def _origin(tp: Any) -> Any:
    if isinstance(tp, _GENERIC_ALIASES):
        origin = getattr(tp, "__origin__", None)
        return None if origin is typing.ClassVar else origin
    return tp if tp is typing.Generic else None


def _is_out(anno: Any) -> bool:
    if _is_generic(anno):
        origin = _origin(anno)
        target = origin if origin is not None else anno
    else:
        target = anno
    return _is_type(target) and target.__name__ == "Out"


def _name(tp: Any) -> str:
    return str(getattr(tp, "__name__", None) or repr(tp))


class _Checker:
    """Answers the annotation checks as the worker (with azfunc's bridge) does."""

    def __init__(self, claim_all: bool, bundled: bool = False) -> None:
        self.claim_all = claim_all
        self.bundled = bundled
        #: the worker words its messages for function.json (folder model, bundled worker).
        self.folder = not claim_all or bundled
        self.registry = get_binding_registry()
        self._af: Any = None
        self._af_loaded = False

    def _af_registry(self) -> Any:
        if not self._af_loaded:
            self._af_loaded = True
            try:
                self._af = importlib.import_module("azure.functions").get_binding_registry()
            except ImportError:
                self._af = None
        return self._af

    def implicit_output(self, binding: str) -> bool:
        af = self._af_registry()
        original = af.get(binding) if af is not None else None
        if original is not None:
            return bool(getattr(original, "has_implicit_output", lambda: False)())
        conv = self.registry.get(binding)
        if conv is not None:
            return conv.has_implicit_output()
        return binding != "durableClient"  # the worker's generic binding

    def check(self, binding: str, pytype: Any, *, output: bool) -> bool | None:
        """``True``/``False`` as the worker would answer; ``None`` when it cannot be told."""
        if binding == "generic":
            kinds = (str, bytes, bytearray) if output else (str, bytes)
            return _is_type(pytype) and issubclass(pytype, kinds)
        conv = self.registry.get(binding)
        af = self._af_registry()
        original = af.get(binding) if af is not None else None
        if conv is not None and (self.claim_all or original is None
                                 or is_azfunc_annotation(pytype)):
            if _typed.accepts(binding, pytype, output=output):  # the bridge's typed payloads
                return True
            return (conv.check_output_type_annotation(pytype) if output
                    else conv.check_input_type_annotation(pytype))
        if original is not None:
            return bool(original.check_output_type_annotation(pytype) if output
                        else original.check_input_type_annotation(pytype))
        if af is None:
            return None
        kinds = (str, bytes, bytearray) if output else (str, bytes)
        return _is_type(pytype) and issubclass(pytype, kinds)


def _fail(code: str, binding: str | None, func_name: str, msg: str) -> _Verdict:
    text = f"FunctionLoadError: cannot load the {func_name} function: {msg}"
    return _Verdict(code, binding, text)


def trigger_problem(info: FunctionInfo) -> str | None:
    """Why a function does not have exactly one trigger, or ``None``.

    The worker indexes such a function and the host then refuses the whole app; azfunc's
    bridge refuses it while the worker indexes (through ``FunctionApp.index``, whose
    wording this is), so the failure names the function.
    """
    problem = several_triggers(info) if info.triggers else (
        "it has no trigger; add a trigger decorator")
    return None if problem is None else f"cannot load the {info.name} function: {problem}"


def _verdict(info: FunctionInfo, checker: _Checker) -> None:
    name = info.name
    problem = trigger_problem(info) if checker.claim_all else None
    if problem is not None:
        raise _Verdict("python-worker-triggers", None, f"FunctionLoadError: {problem}")
    func = info.func
    params = dict(inspect.signature(func).parameters)
    try:
        annotations = typing.get_type_hints(func)
    except Exception as exc:
        raise _Verdict("python-worker-annotations", None, f"{type(exc).__name__}: {exc}") from None
    bound: dict[str, Any] = {}
    explicit_return = implicit_return = False
    return_binding: str | None = None
    for b in info.bindings:
        if b.direction == "inout":
            raise _fail("python-worker-direction", b.name, name,
                        '"inout" bindings are not supported')
        if b.name == "$return" and b.direction != "out":
            raise _fail("python-worker-direction", b.name, name,
                        '"$return" binding must have direction set to "out"')
        if b.name == "$return":
            explicit_return = True
        else:
            implicit_return = implicit_return or checker.implicit_output(b.type)
            bound[b.name] = b
        if (return_binding is None or b.name == "$return") and (
                b.name == "$return" or checker.implicit_output(b.type)):
            return_binding = b.type
    if "context" in params and "context" not in bound:
        params.pop("context")
        anno = annotations.get("context", inspect.Parameter.empty)
        if "context" in annotations and (not _is_type(anno) or anno.__name__ != "Context"):
            got = f"{anno!r}" if checker.bundled else f'"{anno!r}"'
            raise _fail("python-worker-context", "context", name,
                        'the "context" parameter is expected to be of type '
                        f"azure.functions.Context, got {got}")
    missing = set(params) - set(bound)
    if missing:
        raise _fail("python-worker-param-without-binding", sorted(missing)[0], name, (
            f"the following parameters are declared in Python but not in function.json: "
            f"{missing!r}" if checker.folder else
            "the following parameters are declared in Python but not in the function "
            f"definition (function.json or function decorators):  {missing!r}"))
    extra = set(bound) - set(params)
    if extra:
        raise _fail("python-worker-binding-without-param", sorted(extra)[0], name, (
            f"the following parameters are declared in function.json but not in Python: "
            f"{extra!r}" if checker.folder else
            "Extra parameters in binding definition — the following parameters are "
            f"declared as bindings but are not present in Python: {extra!r}"))
    for param in params.values():
        _check_param(param.name, bound[param.name], annotations, checker, name)
    _check_return(annotations, explicit_return, return_binding, checker, name)


def _check_param(pname: str, b: Any, annotations: dict[str, Any], checker: _Checker,
                 name: str) -> None:
    has_anno = pname in annotations
    anno = annotations.get(pname)
    is_out = has_anno and _is_out(anno)
    is_binding_out = b.direction == "out"
    if is_out:
        args = typing.get_args(anno)
        if len(args) != 1:
            raise _fail("python-worker-out", pname, name,
                        f"binding {pname} has invalid Out annotation {anno!r}")
        pytype = args[0]
    else:
        pytype = anno
    if has_anno and not _is_type(pytype) and not _is_generic(pytype):
        raise _fail("python-worker-non-type", pname, name,
                    f"binding {pname} has invalid non-type annotation {anno!r}")
    if is_binding_out and has_anno and not is_out:
        raise _fail("python-worker-direction", pname, name,
                    f'binding {pname} is declared to have the "out" direction, but its '
                    "annotation in Python is not a subclass of azure.functions.Out")
    where = "function.json" if checker.folder else "the binding decorator"
    if not is_binding_out and is_out:
        raise _fail("python-worker-direction", pname, name,
                    f'binding {pname} is declared to have the "in" direction in {where}, but '
                    "its annotation is azure.functions.Out in Python")
    if not has_anno:
        return
    binding_type = b.type
    if pytype in (str, bytes) and not checker.implicit_output(b.type):
        binding_type = "generic"
    ok = checker.check(binding_type, pytype, output=is_out)
    if ok is False:
        if b.data_type is not None and checker.bundled:
            number = {"string": 1, "binary": 2, "stream": 3}.get(b.data_type, 0)
            msg = (f'{pname!r} binding type "{b.type}" and dataType "{number}" in '
                   "function.json do not match the corresponding function parameter's Python "
                   f'type annotation "{_name(pytype)}"')
        elif b.data_type is not None:
            msg = (f"binding type \"{pname!r}\" and dataType \"{b.type}\" in {where} do not "
                   "match the corresponding function parameter's Python type annotation "
                   f"{_name(pytype)}")
        else:
            msg = (f'type of {pname} binding in {where} "{b.type}" does not match its '
                   f'Python annotation "{_name(pytype)}"')
        raise _fail("python-worker-annotation", pname, name, msg)


def _check_return(annotations: dict[str, Any], explicit: bool, binding: str | None,
                  checker: _Checker, name: str) -> None:
    if not explicit or "return" not in annotations or binding is None:
        return
    anno = annotations["return"]
    if _is_generic(anno) and _origin(anno) is not None and _origin(anno).__name__ == "Out":
        raise _fail("python-worker-return", "$return", name,
                    "return annotation should not be azure.functions.Out")
    if not _is_type(anno):
        raise _fail("python-worker-return", "$return", name,
                    f"has invalid non-type return annotation {anno!r}")
    if checker.check(binding, anno, output=True) is False:
        raise _fail("python-worker-return", "$return", name,
                    f'Python return annotation "{anno.__name__}" does not match binding type '
                    f'"{binding}"')


def predict_functions(
    functions: Iterable[FunctionInfo], *, kind: str, worker: str = "runtime"
) -> list[Finding]:
    """The load errors Microsoft's Python worker will report for these functions.

    ``kind`` is the app model (``"decorator"`` or ``"folder"``); ``worker`` is
    ``"runtime"`` (``azure-functions-runtime``/``-v1``, Python 3.13+: tested against the
    real packages) or ``"bundled"`` (the host's ``azure-functions-worker`` for Python
    3.10-3.12, whose wording is read from its source). An empty list means the worker loads
    every function.

    Example:
        >>> import azfunc as func
        >>> app = func.FunctionApp()
        >>> @app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
        ... def work(message: func.QueueMessage) -> None: ...
        >>> [f.code for f in predict_functions(app.get_functions(), kind="decorator")]
        ['python-worker-param-without-binding']
    """
    if worker not in ("runtime", "bundled"):
        raise ArgumentValueError(f"worker must be 'runtime' or 'bundled', got {worker!r}")
    checker = _Checker(claim_all=kind == "decorator", bundled=worker == "bundled")
    findings: list[Finding] = []
    for info in functions:
        try:
            _verdict(info, checker)
        except _Verdict as verdict:
            findings.append(Finding(info.name, verdict.binding, verdict.code, verdict.message))
    return findings


def predict_module(
    module: types.ModuleType, script_file: str = "function_app.py"
) -> list[Finding]:
    """The worker's indexing verdict on a decorator app's module: exactly one top-level
    ``FunctionApp`` (azfunc's or ``azure.functions``') must be defined."""
    from ..app.decorators import FunctionApp

    apps = [v for k, v in vars(module).items() if isinstance(v, FunctionApp)]
    if len(apps) > 1:
        return [Finding(None, None, "python-worker-apps", (
            f"ValueError: More than one {type(apps[0]).__name__} or other top level function "
            "app instances are defined."))]
    if not apps:
        return [Finding(None, None, "python-worker-apps", (
            f"ValueError: Could not find top level function app instances in {script_file}."))]
    return []
