"""The property-based example of docs/testing.md runs against the developer guide's app."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import azfunc

DOC = Path(__file__).resolve().parents[2] / "docs" / "testing.md"

APP = '''
import azfunc as func

app = func.FunctionApp()


@app.route(route="items/{id}", methods=["GET"])
@app.blob_input(arg_name="obj", path="samples/{id}", connection="C")
def GetItem(req: func.HttpRequest, obj: func.InputStream) -> func.HttpResponse:
    if obj is None:
        return func.HttpResponse("no item " + req.route_params["id"], status_code=404)
    return func.HttpResponse(obj.read(), mimetype="application/octet-stream")


@app.queue_trigger(arg_name="msg", queue_name="in", connection="C")
@app.queue_output(arg_name="out", queue_name="out", connection="C")
def Relay(msg: func.QueueMessage, out: func.Out[str]) -> None:
    out.set(msg.get_body().decode("utf-8", "replace"))
'''


def _section_code() -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Property-based tests", 1)[1]
    (code,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    return str(code)


def test_the_documented_properties_run(tmp_path: Path) -> None:
    (tmp_path / "function_app.py").write_text(APP)
    with azfunc.load_app(tmp_path) as app:
        namespace: dict[str, Any] = {"app": app}
        exec(compile(_section_code(), str(DOC), "exec"), namespace)
        namespace["test_get_item_never_fails"]()
        namespace["test_relay"]()
