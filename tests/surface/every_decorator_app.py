"""An app using every ``FunctionApp`` decorator, rendered by azfunc and by ``azure-functions``.

The module names the SDK it runs against in ``SDK`` (``azfunc`` or ``azure.functions``), set
by whoever imports it (``render_app.py``); the app code is the same for both.
"""


import importlib
import os
from typing import Any

func: Any = importlib.import_module(os.environ.get("SURFACE_SDK", "azfunc"))

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="hello", methods=["GET", "POST"])
def http_fn(req: Any) -> Any: ...


@app.route()
def http_default_route(req: Any) -> Any: ...


@app.function_name("Timer")
@app.timer_trigger(arg_name="timer", schedule="0 */5 * * * *", run_on_startup=False)
def timer_fn(timer: Any) -> None: ...


@app.schedule(arg_name="timer", schedule="0 0 * * * *", use_monitor=True)
def schedule_fn(timer: Any) -> None: ...


@app.warm_up_trigger(arg_name="warmup")
def warmup_fn(warmup: Any) -> None: ...


@app.queue_trigger(arg_name="msg", queue_name="in", connection="Storage")
@app.queue_output(arg_name="out", queue_name="out", connection="Storage")
def queue_fn(msg: Any, out: Any) -> None: ...


@app.blob_trigger(arg_name="blob", path="c/{name}", connection="Storage", source="EventGrid")
@app.blob_input(arg_name="inblob", path="c/other", connection="Storage", data_type="binary")
@app.blob_output(arg_name="outblob", path="c/out", connection="Storage")
def blob_fn(blob: Any, inblob: Any, outblob: Any) -> None: ...


@app.event_hub_message_trigger(arg_name="ev", connection="EH", event_hub_name="hub",
                               cardinality="many", consumer_group="$Default")
@app.event_hub_output(arg_name="evout", connection="EH", event_hub_name="hub2")
def eventhub_fn(ev: Any, evout: Any) -> None: ...


@app.service_bus_queue_trigger(arg_name="sb", connection="SB", queue_name="q",
                               is_sessions_enabled=True, access_rights="listen")
@app.service_bus_queue_output(arg_name="sbout", connection="SB", queue_name="q2")
def sb_queue_fn(sb: Any, sbout: Any) -> None: ...


@app.service_bus_topic_trigger(arg_name="sb", connection="SB", topic_name="t",
                               subscription_name="s", cardinality="one")
@app.service_bus_topic_output(arg_name="sbout", connection="SB", topic_name="t2")
def sb_topic_fn(sb: Any, sbout: Any) -> None: ...


@app.event_grid_trigger(arg_name="eg")
@app.event_grid_output(arg_name="egout", topic_endpoint_uri="Uri", topic_key_setting="Key")
def eventgrid_fn(eg: Any, egout: Any) -> None: ...


@app.cosmos_db_trigger(arg_name="docs", connection="Cosmos", database_name="db",
                       container_name="c", lease_container_name="leases",
                       create_lease_container_if_not_exists=True)
@app.cosmos_db_input(arg_name="doc", connection="Cosmos", database_name="db",
                     container_name="c", id="{id}", partition_key="{pk}")
@app.cosmos_db_output(arg_name="docout", connection="Cosmos", database_name="db",
                      container_name="c2", create_if_not_exists=True)
def cosmos_fn(docs: Any, doc: Any, docout: Any) -> None: ...


@app.cosmos_db_trigger_v3(arg_name="docs", database_name="db", collection_name="c",
                          connection_string_setting="Cosmos", lease_collection_name="leases",
                          create_lease_collection_if_not_exists=True, checkpoint_interval=5)
@app.cosmos_db_input_v3(arg_name="doc", database_name="db", collection_name="c",
                        connection_string_setting="Cosmos", sql_query="SELECT * FROM c")
@app.cosmos_db_output_v3(arg_name="docout", database_name="db", collection_name="c2",
                         connection_string_setting="Cosmos", use_multiple_write_locations=True)
def cosmos_v3_fn(docs: Any, doc: Any, docout: Any) -> None: ...


@app.kafka_trigger(arg_name="k", topic="t", broker_list="B", consumer_group="g",
                   protocol="SASLSSL", authentication_mode="PLAIN", cardinality="MANY")
@app.kafka_output(arg_name="kout", topic="t2", broker_list="B", username="u")
def kafka_fn(k: Any, kout: Any) -> None: ...


@app.sql_trigger(arg_name="rows", table_name="dbo.T", connection_string_setting="Sql")
@app.sql_input(arg_name="inrows", command_text="SELECT 1", connection_string_setting="Sql")
@app.sql_output(arg_name="outrows", command_text="dbo.T2", connection_string_setting="Sql")
def sql_fn(rows: Any, inrows: Any, outrows: Any) -> None: ...


@app.mysql_trigger(arg_name="rows", table_name="T", connection_string_setting="My",
                   leases_table_name="L")
@app.mysql_input(arg_name="inrows", command_text="SELECT 1", connection_string_setting="My",
                 parameters="@Id={id}")
@app.mysql_output(arg_name="outrows", command_text="T2", connection_string_setting="My")
def mysql_fn(rows: Any, inrows: Any, outrows: Any) -> None: ...


@app.route(route="table")
@app.table_input(arg_name="row", connection="Storage", table_name="T", row_key="{rk}",
                 partition_key="p", take=5, filter="x eq 1")
@app.table_output(arg_name="rowout", connection="Storage", table_name="T", partition_key="p")
def table_fn(req: Any, row: Any, rowout: Any) -> Any: ...


@app.generic_trigger(arg_name="g", type="customTrigger", some_setting="x")
@app.generic_input_binding(arg_name="gin", type="customIn", path="p")
@app.generic_output_binding(arg_name="gout", type="customOut", data_type="string")
def generic_fn(g: Any, gin: Any, gout: Any) -> None: ...


@app.connector_trigger(arg_name="payload", connection_name="Conn")
def connector_fn(payload: Any) -> None: ...


@app.function_name("Named", setting_extra_fields={"note": "ignored"})
@app.retry(strategy="exponential_backoff", max_retry_count="5", minimum_interval="00:00:01",
           maximum_interval="00:01:00", setting_extra_fields={"extra_thing": 1})
@app.connector_trigger(arg_name="payload", data_type="string", cardinality="many")
def connector_more_fn(payload: Any) -> None: ...


@app.orchestration_trigger(context_name="context")
def orchestrator_fn(context: Any) -> Any:
    yield None


@app.orchestration_trigger(context_name="context", orchestration="Named")
def orchestrator_named(context: Any) -> Any:
    yield None


@app.activity_trigger(input_name="city")
def activity_fn(city: str) -> str:
    return f"Hello {city}"


@app.activity_trigger(input_name="city", activity="NamedActivity")
def activity_named(city: str) -> str:
    return city


@app.entity_trigger(context_name="context")
def entity_fn(context: Any) -> None: ...


@app.entity_trigger(context_name="context", entity_name="Counter")
def entity_named(context: Any) -> None: ...


@app.route(route="start")
@app.durable_client_input(client_name="client", task_hub="hub", connection_name="Storage")
async def client_fn(req: Any, client: Any) -> Any: ...


@app.dapr_service_invocation_trigger(arg_name="payload", method_name="m")
@app.dapr_state_input(arg_name="state", state_store="store", key="k")
@app.dapr_secret_input(arg_name="secret", secret_store_name="ss", key="k", metadata="m")
def dapr_invoke_fn(payload: Any, state: Any, secret: Any) -> None: ...


@app.dapr_binding_trigger(arg_name="payload", binding_name="b")
@app.dapr_state_output(arg_name="stateout", state_store="store", key="k",
                       dapr_address="http://localhost:3500")
@app.dapr_invoke_output(arg_name="invokeout", app_id="a", method_name="m", http_verb="post")
def dapr_binding_fn(payload: Any, stateout: Any, invokeout: Any) -> None: ...


@app.dapr_topic_trigger(arg_name="payload", pub_sub_name="ps", topic="t")
@app.dapr_publish_output(arg_name="pubout", pub_sub_name="ps", topic="t2")
@app.dapr_binding_output(arg_name="bindout", binding_name="b", operation="create")
def dapr_topic_fn(payload: Any, pubout: Any, bindout: Any) -> None: ...


@app.dapr_topic_trigger(arg_name="payload", pub_sub_name="ps", topic="t", route="/r")
def dapr_topic_route_fn(payload: Any) -> None: ...


@app.assistant_skill_trigger(arg_name="task", function_description="Adds a todo")
def skill_fn(task: Any) -> None: ...


@app.route(route="ai")
@app.text_completion_input(arg_name="completion", prompt="Who is {name}?")
@app.assistant_create_output(arg_name="create")
@app.assistant_query_input(arg_name="history", id="{id}", timestamp_utc="{ts}")
def ai_fn(req: Any, completion: Any, create: Any, history: Any) -> Any: ...


@app.route(route="ai2")
@app.assistant_post_input(arg_name="state", id="{id}", user_message="{msg}",
                          chat_model="gpt-4o")
@app.embeddings_input(arg_name="emb", input="{text}", input_type="rawText")
@app.semantic_search_input(arg_name="search", search_connection_name="S", collection="c",
                           query="{q}")
@app.embeddings_store_output(arg_name="store", input="{url}", input_type="url",
                             store_connection_name="S", collection="c")
def ai2_fn(req: Any, state: Any, emb: Any, search: Any, store: Any) -> Any: ...


@app.mcp_tool_trigger(arg_name="context", tool_name="hello", description="Says hello",
                      tool_properties='[{"propertyName": "name"}]')
def mcp_trigger_fn(context: Any) -> str:
    return "hi"


@app.mcp_tool()
@app.mcp_tool_property(arg_name="count", description="How many", is_required=False)
def add_items(name: str, count: int, tags: list[str], note: str | None = None) -> str:
    """Add items to the list."""
    return f"{name}:{count}"


@func.mcp_content
class ToolResult:
    def __init__(self, name: str) -> None:
        self.name = name


@app.mcp_tool()
def structured_tool(name: str) -> ToolResult:
    """Return a structured result."""
    return ToolResult(name)


@app.mcp_resource_trigger(arg_name="context", uri="file://readme", resource_name="readme",
                          description="The readme", mime_type="text/plain")
def mcp_resource_fn(context: Any) -> str:
    return "text"


@app.mcp_prompt_trigger(arg_name="context", prompt_name="greet", description="Greets",
                        prompt_arguments=[func.PromptArgument("name", "Who", True)])
def mcp_prompt_fn(context: Any) -> str:
    return "Hello"


@app.retry(strategy="fixed_delay", max_retry_count="3", delay_interval="00:00:10")
@app.queue_trigger(arg_name="msg", queue_name="retry", connection="Storage")
def retry_fn(msg: Any) -> None: ...


@app.http_type(http_type="wsgi")
@app.route(route="wsgi/{*route}")
def http_type_fn(req: Any) -> Any: ...


bp = func.Blueprint()


@bp.queue_trigger(arg_name="msg", queue_name="bp", connection="Storage")
def blueprint_fn(msg: Any) -> None: ...


app.register_functions(bp)
