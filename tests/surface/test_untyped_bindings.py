"""Dapr, OpenAI and Table bindings have no dedicated types in ``azure-functions`` (1.26, 2.3,
2.4.0b1 export none): their values are JSON, read as ``dict``/``list`` or kept as ``str``.
These tests pin that down through ``LoadedApp.invoke`` for each family.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import azfunc as func


def _loaded(app: func.FunctionApp) -> func.LoadedApp:
    return func.LoadedApp(root=Path("."), kind="decorator", functions=app.get_functions())


def _app() -> func.FunctionApp:
    app = func.FunctionApp()

    @app.queue_trigger(arg_name="msg", queue_name="q", connection="Storage")
    @app.table_input(arg_name="rows", connection="Storage", table_name="People",
                     partition_key="p")
    @app.table_output(arg_name="saved", connection="Storage", table_name="People")
    def tables(msg: str, rows: list[dict[str, Any]], saved: func.Out[dict[str, Any]]) -> str:
        saved.set({"PartitionKey": "p", "RowKey": msg, "Count": len(rows)})
        return ",".join(str(r["RowKey"]) for r in rows)

    @app.dapr_topic_trigger(arg_name="event", pub_sub_name="ps", topic="orders")
    @app.dapr_state_input(arg_name="state", state_store="store", key="order")
    @app.dapr_publish_output(arg_name="pub", pub_sub_name="ps", topic="done")
    def dapr(event: dict[str, Any], state: dict[str, Any], pub: func.Out[str]) -> None:
        pub.set(json.dumps({"order": event["id"], "seen": state["seen"] + 1}))

    @app.queue_trigger(arg_name="msg", queue_name="ask", connection="Storage")
    @app.text_completion_input(arg_name="answer", prompt="{msg}")
    @app.embeddings_store_output(arg_name="store", input="{msg}", input_type="rawText",
                                 store_connection_name="S", collection="c")
    def ai(msg: str, answer: dict[str, Any], store: func.Out[dict[str, Any]]) -> str:
        store.set({"title": msg})
        return str(answer["content"])

    return app


def test_table_rows_are_json_lists_and_entities_dicts() -> None:
    rows = json.dumps([{"PartitionKey": "p", "RowKey": "a"}, {"PartitionKey": "p",
                                                             "RowKey": "b"}])
    result = _loaded(_app()).invoke("tables", msg="new", rows=func.Datum(rows, "json"))
    assert result.return_value == "a,b"
    assert result.outputs["saved"] == {"PartitionKey": "p", "RowKey": "new", "Count": 2}
    assert json.loads(result.output_data["saved"].value) == result.outputs["saved"]


def test_dapr_values_are_json() -> None:
    result = _loaded(_app()).invoke(
        "dapr", event=func.Datum('{"id": 7}', "json"), state=func.Datum('{"seen": 1}', "json"))
    assert json.loads(result.outputs["pub"]) == {"order": 7, "seen": 2}


def test_openai_values_are_json() -> None:
    answer = json.dumps({"content": "Paris", "totalTokens": 3})
    result = _loaded(_app()).invoke("ai", msg="capital?", answer=func.Datum(answer, "json"))
    assert result.return_value == "Paris"
    assert result.outputs["store"] == {"title": "capital?"}


def test_a_value_that_is_not_json_is_a_conversion_error() -> None:
    with pytest.raises(func.ConversionError):
        _loaded(_app()).invoke("tables", msg="x", rows=func.Datum("[not json", "json"))
