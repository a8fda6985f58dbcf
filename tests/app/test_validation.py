"""Offline validation: one fixture per rule, messages, and annotation resolution."""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any, List, Optional  # noqa: UP035 - the typing forms are under test

import pytest
from hypothesis import given
from hypothesis import strategies as st

import azfunc as func
from azfunc.app.model import BindingInfo, FunctionInfo
from azfunc.app.validation import check_function, check_functions

#: function folder of fixtures/folder_invalid -> (finding code, binding, words in the message)
RULES: dict[str, tuple[str, str | None, tuple[str, ...]]] = {
    "param_without_binding": ("param-without-binding", "extra", ("'extra'", "no binding")),
    "binding_without_param": ("binding-without-param", "doc", ("'doc'", "add a parameter")),
    "return_direction": ("return-direction", "$return", ("\"out\"",)),
    "out_not_annotated": ("out-not-annotated", "out", ("'out'", "azfunc.Out[...]")),
    "in_annotated_out": ("in-annotated-out", "msg", ("'msg'", "Out[str]")),
    "annotation_mismatch": ("annotation-mismatch", "req", ("'req'", "httpTrigger", "int")),
    "out_annotation_mismatch": ("annotation-mismatch", "out", ("'out'", "Out[int]")),
    "return_annotation_mismatch": ("return-annotation-mismatch", "$return", ("int", "http")),
    "no_trigger": ("no-trigger", None, ("no trigger",)),
    "several_triggers": ("several-triggers", "timer", ("2 triggers", "'msg'", "'timer'")),
    "context_annotation": ("context-annotation", "context", ("\"context\"", "str", "Context")),
    "cardinality_many": ("cardinality-many", "events", ("'events'", "list[...]")),
    "json_invalid": ("function-json-invalid", None, ("not valid JSON",)),
    "no_bindings": ("function-json-no-bindings", None, ("\"bindings\"",)),
    "entry_point_missing": ("entry-point-missing", None, ("'run'", "entryPoint")),
    "import_error": ("import-error", None, ("ModuleNotFoundError", "no_such_module")),
    "script_file_missing": ("script-file-missing", None, ("missing.py",)),
    "annotation_unresolvable": ("annotation-unresolvable", None, ("NoSuchType",)),
}


@pytest.fixture(scope="module")
def invalid_findings() -> list[func.Finding]:
    root = Path(__file__).parent / "fixtures" / "folder_invalid"
    return func.check_app(root)


@pytest.mark.parametrize("function", sorted(RULES))
def test_each_rule_is_reported(invalid_findings: list[func.Finding], function: str) -> None:
    code, binding, words = RULES[function]
    found = [f for f in invalid_findings if f.function == function]
    assert [(f.code, f.binding) for f in found] == [(code, binding)]
    message = found[0].message
    assert not message.startswith("cannot load the "), message  # str(finding) names it
    assert str(found[0].error()).startswith(f"cannot load the {function} function: ")
    for word in words:
        assert word in message


def test_every_problem_is_reported_and_valid_functions_pass(
    invalid_findings: list[func.Finding],
) -> None:
    assert {f.function for f in invalid_findings} == set(RULES)
    assert len(invalid_findings) == len(RULES)  # generic_ok (unknown type, context) passes


def test_app_level_findings(fixtures: Path) -> None:
    (dup,) = func.check_app(fixtures / "decorator_duplicates")
    assert (dup.code, dup.function) == ("duplicate-function", "Same")
    assert "2 functions have this name" in dup.message
    (none,) = func.check_app(fixtures / "decorator_no_app")
    assert none.code == "no-function-app"
    assert "FunctionApp" in none.message
    (err,) = func.check_app(fixtures / "decorator_import_error")
    assert err.code == "import-error"
    assert "RuntimeError" in err.message
    assert isinstance(err.exception, RuntimeError)


def test_check_app_does_not_apply_settings(fixtures: Path) -> None:
    import os

    assert func.check_app(fixtures / "folder_app") == []
    assert "AZFUNC_TEST_FOLDER_SETTING" not in os.environ


def _info(fn: Any, *bindings: BindingInfo) -> FunctionInfo:
    return FunctionInfo(fn.__name__, fn, bindings)


QUEUE = BindingInfo("msg", "queueTrigger", "in", properties={"queueName": "q"})
QUEUE_OUT = BindingInfo("out", "queue", "out", properties={"queueName": "o"})
HUB_MANY = BindingInfo("events", "eventHubTrigger", "in", properties={"cardinality": "many"})
HTTP_RET = BindingInfo("$return", "http", "out")


def f_list(events: list[func.EventHubEvent]) -> None: ...
def f_typing_list(events: List[func.EventHubEvent]) -> None: ...  # noqa: UP006
def f_optional(msg: Optional[func.QueueMessage]) -> None: ...  # noqa: UP045
def f_union_none(msg: func.QueueMessage | None) -> None: ...
def f_str_annotation(msg: "func.QueueMessage") -> None: ...  # noqa: UP037
def f_out_list(msg: str, out: func.Out[list[func.QueueMessage]]) -> None: ...
def f_out_optional(msg: str, out: func.Out[Optional[str]]) -> None: ...  # noqa: UP045
def f_return_optional(msg: str) -> Optional[str]: ...  # noqa: UP045
def f_context(msg: str, context: func.Context) -> None: ...
def f_unannotated(msg, out, context): ...  # type: ignore[no-untyped-def]
def f_var(msg: str, *args: Any, **kwargs: Any) -> None: ...


@pytest.mark.parametrize(
    ("fn", "bindings"),
    [
        (f_list, (HUB_MANY,)),
        (f_typing_list, (HUB_MANY,)),
        (f_optional, (QUEUE,)),
        (f_union_none, (QUEUE,)),
        (f_str_annotation, (QUEUE,)),
        (f_out_list, (QUEUE, QUEUE_OUT)),
        (f_out_optional, (QUEUE, QUEUE_OUT)),
        (f_return_optional, (QUEUE, BindingInfo("$return", "queue", "out"))),
        (f_context, (QUEUE,)),
        (f_unannotated, (QUEUE, QUEUE_OUT)),
        (f_var, (QUEUE,)),
    ],
)
def test_annotation_forms_are_resolved(fn: Any, bindings: tuple[BindingInfo, ...]) -> None:
    assert check_function(_info(fn, *bindings)) == []


def test_future_annotations_module_resolves() -> None:
    # this module itself uses `from __future__ import annotations`: every hint is a string
    assert isinstance(f_list.__annotations__["events"], str)
    assert typing.get_type_hints(f_list)["events"] == list[func.EventHubEvent]
    assert check_function(_info(f_list, HUB_MANY)) == []


def test_return_value_without_return_binding_is_not_a_static_problem() -> None:
    def returns(msg: str) -> str:
        return msg

    assert check_function(_info(returns, QUEUE)) == []


def test_duplicate_bindings_are_reported() -> None:
    def fn(msg: str) -> None: ...

    codes = [f.code for f in check_function(_info(fn, QUEUE, QUEUE))]
    assert codes == ["several-triggers", "duplicate-binding"]


def test_check_functions_reports_duplicate_names_case_insensitively() -> None:
    def a(msg: str) -> None: ...

    infos = [FunctionInfo("Same", a, (QUEUE,)), FunctionInfo("same", a, (QUEUE,))]
    assert [f.code for f in check_functions(infos)] == ["duplicate-function"]


def test_finding_str() -> None:
    finding = func.Finding(None, None, "no-function-app", "cannot load the app: x")
    assert str(finding) == "<app>: cannot load the app: x"


_ANNOTATIONS = st.sampled_from([
    int, str, bytes, dict, list, float, Any, func.QueueMessage, func.HttpRequest,
    func.HttpResponse, func.Out[str], func.Out[int], list[str], Optional[str],  # noqa: UP045
    func.Context, func.InputStream, None,
])
_TYPES = st.sampled_from([
    "queueTrigger", "queue", "httpTrigger", "http", "blob", "blobTrigger", "timerTrigger",
    "eventHubTrigger", "serviceBusTrigger", "cosmosDBTrigger", "sql", "kafka", "unknownThing",
])


@given(
    st.lists(st.tuples(st.sampled_from(["a", "b", "context", "$return"]), _TYPES,
                       st.sampled_from(["in", "out", "inout"])), max_size=4),
    st.fixed_dictionaries({}, optional={"a": _ANNOTATIONS, "b": _ANNOTATIONS,
                                        "context": _ANNOTATIONS, "return": _ANNOTATIONS}),
)
def test_arbitrary_functions_yield_findings_never_exceptions(
    bindings: list[tuple[str, str, str]], annotations: dict[str, Any]
) -> None:
    def fn(a, b, context):  # type: ignore[no-untyped-def]
        return None

    fn.__annotations__ = dict(annotations)
    info = FunctionInfo("fuzz", fn, tuple(BindingInfo(n, t, d) for n, t, d in bindings))
    findings = check_function(info)
    for finding in findings:
        assert "fuzz" not in finding.message  # the finding names the function, once
        assert str(finding.error()).startswith("cannot load the fuzz function: ")


_T = typing.TypeVar("_T")


class _AzOut(typing.Generic[_T]):
    """Stands in for azure.functions.Out (same name and module prefix)."""


class _AzContext:
    """Stands in for azure.functions.Context."""


class _OtherOut(typing.Generic[_T]):
    """An unrelated class called Out."""


_AzOut.__name__ = _OtherOut.__name__ = "Out"
_AzOut.__module__ = "azure.functions.out"
_AzContext.__name__ = "Context"
_AzContext.__module__ = "azure.functions._abc"


def test_azure_functions_out_and_context_are_recognised() -> None:
    from azfunc.app.annotations import is_context, is_out, out_argument

    assert is_out(_AzOut[str])
    assert out_argument(_AzOut[str]) is str
    assert is_context(_AzContext)
    assert not is_out(_OtherOut[str])
    assert not is_context(types.new_class("Context"))

    def fn(msg: str, out: _AzOut[str], context: _AzContext) -> None: ...

    assert check_function(_info(fn, QUEUE, QUEUE_OUT)) == []
