"""azfunc.msworker.predict without the worker: the rules it applies (the word-for-word match
with the real worker is in test_load_errors.py)."""

from __future__ import annotations

import dataclasses
import typing

import pytest

import azfunc as func
from azfunc import ArgumentValueError
from azfunc.msworker.predict import predict_functions


def _app() -> func.FunctionApp:
    return func.FunctionApp()


def test_optional_annotation_is_not_a_type_for_the_worker() -> None:
    app = _app()

    @app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
    def work(msg: typing.Optional[func.QueueMessage]) -> None: ...  # noqa: UP045

    [finding] = predict_functions(app.get_functions(), kind="decorator")
    assert finding.code == "python-worker-non-type"
    assert finding.binding == "msg"
    assert "has invalid non-type annotation typing.Optional" in finding.message


def test_bundled_worker_words_messages_for_function_json() -> None:
    app = _app()

    @app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
    def work(message: func.QueueMessage) -> None: ...

    [runtime] = predict_functions(app.get_functions(), kind="decorator")
    [bundled] = predict_functions(app.get_functions(), kind="decorator", worker="bundled")
    assert "(function.json or function decorators)" in runtime.message
    assert bundled.message.endswith("not in function.json: {'message'}")


def test_str_and_bytes_go_to_the_generic_binding() -> None:
    app = _app()

    @app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
    @app.queue_output(arg_name="out", queue_name="o", connection="C")
    def work(msg: str, out: func.Out[bytes]) -> None: ...

    assert predict_functions(app.get_functions(), kind="decorator") == []


def test_out_without_argument_is_invalid() -> None:
    app = _app()

    @app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
    @app.queue_output(arg_name="out", queue_name="o", connection="C")
    def work(msg: func.QueueMessage, out: func.Out) -> None: ...  # type: ignore[type-arg]

    [finding] = predict_functions(app.get_functions(), kind="decorator")
    assert finding.code == "python-worker-out"
    assert "has invalid Out annotation" in finding.message


def test_unknown_worker_is_an_argument_error() -> None:
    with pytest.raises(ArgumentValueError, match="runtime"):
        predict_functions([], kind="decorator", worker="v3")


@dataclasses.dataclass
class Order:
    id: int
    item: str


def test_typed_payloads_load_as_the_bridge_accepts_them() -> None:
    """A model on an HTTP or queue trigger, and ``Out[typing.List[Model]]``, load: the
    worker asks azfunc's bridge, which takes models besides the converter's own types."""
    app = _app()

    @app.route(route="orders", methods=["POST"])
    @app.queue_output(arg_name="out", queue_name="orders", connection="C")
    def place(req: Order, out: func.Out[typing.List[Order]]) -> func.HttpResponse:  # noqa: UP006
        return func.HttpResponse("ok")

    @app.queue_trigger(arg_name="msg", queue_name="orders", connection="C")
    def work(msg: Order) -> None: ...

    assert predict_functions(app.get_functions(), kind="decorator") == []


def test_a_model_where_the_binding_takes_none_is_still_refused() -> None:
    app = _app()

    @app.timer_trigger(arg_name="timer", schedule="0 * * * * *")
    def tick(timer: Order) -> None: ...

    [finding] = predict_functions(app.get_functions(), kind="decorator")
    assert finding.code == "python-worker-annotation"
    assert finding.binding == "timer"
