"""The CLI's messages name a function once, and a refused annotation lists what is accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from azfunc._registry import get_binding_registry
from azfunc.app.cli import check_main
from azfunc.app.validation import accepted_annotations

APP = """\
import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

@app.queue_trigger(arg_name="msg", queue_name="jobs", connection="AzureWebJobsStorage")
def on_job(msg: int) -> None:
    pass

@app.route(route="x")
def answer(req: func.HttpRequest) -> int:
    return 1

@app.timer_trigger(arg_name="t", schedule="0 */5 * * * *")
def tick(t: dict) -> None:
    pass
"""


@pytest.fixture
def report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    (tmp_path / "function_app.py").write_text(APP)
    (tmp_path / "host.json").write_text('{"version": "2.0"}')
    assert check_main([str(tmp_path), "--runtime", "custom"]) == 1
    lines = capsys.readouterr().out.splitlines()
    return dict(line.split(": ", 1) for line in lines)


def test_each_line_names_the_function_once(report: dict[str, str]) -> None:
    assert set(report) == {"on_job", "answer", "tick"}
    for name, message in report.items():
        assert f"the {name} function" not in message
        assert name not in message


def test_a_refused_parameter_annotation_lists_the_accepted_ones(report: dict[str, str]) -> None:
    assert "cannot give int" in report["on_job"]
    assert "the queueTrigger binding accepts str, bytes, QueueMessage, a dataclass" in (
        report["on_job"])
    assert report["tick"].endswith("the timerTrigger binding accepts TimerRequest")


def test_a_refused_return_annotation_lists_the_accepted_ones(report: dict[str, str]) -> None:
    assert "its return annotation int" in report["answer"]
    assert "the http binding accepts str, bytes, HttpResponse" in report["answer"]


@pytest.mark.parametrize("binding", ["queueTrigger", "httpTrigger", "blobTrigger", "blob",
                                     "timerTrigger", "eventHubTrigger", "serviceBusTrigger"])
def test_every_listed_annotation_is_one_the_converter_accepts(binding: str) -> None:
    import azfunc

    converter = get_binding_registry().get(binding)
    assert converter is not None
    listed = accepted_annotations(binding, converter)
    assert listed  # every trigger and input accepts something
    for shown in listed:
        if shown.startswith("a dataclass"):
            continue
        inner = shown.removeprefix("list[").removesuffix("]")
        tp = getattr(azfunc, inner, None) or {"str": str, "bytes": bytes, "bytearray": bytearray,
                                              "dict": dict, "list": list, "int": int,
                                              "float": float, "bool": bool}[inner]
        form = list[tp] if shown.startswith("list[") else tp  # type: ignore[valid-type]
        assert converter.check_input_type_annotation(form), shown
    assert "int" not in listed or converter.check_input_type_annotation(int)


def test_start_prints_a_warning_with_the_name_once(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from azfunc.host.cli import _report_findings

    (tmp_path / "function_app.py").write_text(APP)
    (tmp_path / "host.json").write_text('{"version": "2.0"}')
    import azfunc

    with azfunc.load_app(tmp_path, apply_settings=False) as app:
        _report_findings(app)
    lines = capsys.readouterr().err.splitlines()
    assert "warning: on_job: binding 'msg' of type 'queueTrigger' cannot give int" in "\n".join(
        lines)
    assert all(line.count("on_job") <= 1 for line in lines)
