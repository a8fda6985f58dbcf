"""Load errors: what the real worker reports for a broken azfunc app is what
:mod:`azfunc.msworker.predict` (``azfunc check``) predicted, word for word."""

from __future__ import annotations

import importlib.util
import json
import textwrap
import uuid
from pathlib import Path

import pytest

import azfunc
from azfunc.msworker.predict import predict_functions, predict_module

from . import harness as h

HEAD = "import typing\nimport azfunc as func\napp = func.FunctionApp()\n"

DECORATOR_CASES = {
    "missing-parameter": HEAD + """
@app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
def work(message: func.QueueMessage) -> None: ...
""",
    "extra-binding": HEAD + """
@app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
@app.queue_output(arg_name="out", queue_name="o", connection="C")
def work(msg: func.QueueMessage) -> None: ...
""",
    "out-binding-without-Out": HEAD + """
@app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
@app.queue_output(arg_name="out", queue_name="o", connection="C")
def work(msg: func.QueueMessage, out: str) -> None: ...
""",
    "in-binding-with-Out": HEAD + """
@app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
def work(msg: func.Out[str]) -> None: ...
""",
    "unsupported-annotation": HEAD + """
@app.route(route="x")
def work(req: func.QueueMessage) -> func.HttpResponse: ...
""",
    "builtin-list-annotation": HEAD + """
@app.event_hub_message_trigger(arg_name="events", connection="C", event_hub_name="h",
                               cardinality="many")
def work(events: list[func.EventHubEvent]) -> None: ...
""",
    "bad-return-annotation": HEAD + """
@app.route(route="x")
def work(req: func.HttpRequest) -> func.QueueMessage: ...
""",
    "context-not-Context": HEAD + """
@app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
def work(msg: func.QueueMessage, context: str) -> None: ...
""",
    "two-triggers": HEAD + """
@app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
@app.timer_trigger(arg_name="timer", schedule="0 * * * * *")
def work(msg: func.QueueMessage, timer: func.TimerRequest) -> None: ...
""",
    "two-apps": HEAD + "other = func.FunctionApp()\n",
    "no-app": "import azfunc as func\n",
}


def _module(path: Path) -> object:
    spec = importlib.util.spec_from_file_location(f"_app_{uuid.uuid4().hex}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("case", sorted(DECORATOR_CASES))
def test_decorator_app_load_error_is_predicted(case: str, tmp_path: Path) -> None:
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    (app_dir / "function_app.py").write_text(DECORATOR_CASES[case])
    init, _meta = h.run_worker("v2", app_dir, [h.init(app_dir), h.metadata(app_dir)], tmp_path)
    assert h.status(init) == "Failure", init
    reported = init["result"]["exception"]["message"]

    module = _module(app_dir / "function_app.py")
    predicted = predict_module(module)  # type: ignore[arg-type]
    if not predicted:
        app = azfunc.load_app(app_dir, apply_settings=False)
        predicted = predict_functions(app.functions.values(), kind=app.kind)
    assert predicted, f"nothing predicted; the worker said {reported!r}"
    assert predicted[0].message == reported
    assert predicted[0].code.startswith("python-worker-")


def test_a_valid_app_is_predicted_to_load() -> None:
    app = azfunc.load_app(h.APPS / "decorator", apply_settings=False)
    assert predict_functions(app.functions.values(), kind="decorator") == []


def test_folder_app_load_error_is_predicted(tmp_path: Path) -> None:
    app_dir = tmp_path / "app"
    fdir = app_dir / "Broken"
    fdir.mkdir(parents=True)
    bindings = [{"name": "msg", "type": "queueTrigger", "direction": "in",
                 "queueName": "q", "connection": "C"}]
    (fdir / "function.json").write_text(json.dumps({"scriptFile": "__init__.py",
                                                    "bindings": bindings}))
    (fdir / "__init__.py").write_text(textwrap.dedent("""
        import azfunc as func

        def main(message: func.QueueMessage) -> None: ...
    """))
    fid = str(uuid.uuid4())
    responses = h.run_worker("v1", app_dir, [
        h.init(app_dir), h.metadata(app_dir),
        h.load(fid, "Broken", fdir, {"msg": {"type": "queueTrigger", "direction": "in"}}),
    ], tmp_path)
    assert h.status(responses[0]) == "Success"
    load = responses[2]
    assert h.status(load) == "Failure"
    reported = load["result"]["exception"]["message"]
    app = azfunc.load_app(app_dir, apply_settings=False)
    predicted = predict_functions(app.functions.values(), kind=app.kind)
    assert [f.message for f in predicted] == [reported]
