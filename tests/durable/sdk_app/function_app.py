"""A Durable app written with Microsoft's Durable SDK, ported to azfunc (``import azfunc``).

Only the upstream environment has the SDK; the tests reach this app through
``sdk_driver.py`` run there.
"""

import azure.durable_functions as df

import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="orchestrators/{name}")
@app.durable_client_input(client_name="client")
async def http_start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> str:
    return f"{type(client).__name__}:{req.route_params['name']}"


@app.orchestration_trigger(context_name="context")
def hello_orchestrator(context: df.DurableOrchestrationContext):  # type: ignore[no-untyped-def]
    cities = context.get_input() or ["Tokyo", "Seattle"]
    results = []
    for city in cities:
        results.append((yield context.call_activity("say_hello", city)))
    return results


@app.orchestration_trigger(context_name="context")
def fan_out(context: df.DurableOrchestrationContext):  # type: ignore[no-untyped-def]
    tasks = [context.call_activity("say_hello", c) for c in context.get_input()]
    return (yield context.task_all(tasks))


@app.orchestration_trigger(context_name="context")
def approval(context: df.DurableOrchestrationContext):  # type: ignore[no-untyped-def]
    deadline = context.current_utc_datetime.replace(microsecond=0)
    import datetime

    timer = context.create_timer(deadline + datetime.timedelta(hours=1))
    event = context.wait_for_external_event("Approved")
    winner = yield context.task_any([timer, event])
    if winner == event:
        timer.cancel()
        return "approved"
    return "timed out"


@app.orchestration_trigger(context_name="context")
def parent(context: df.DurableOrchestrationContext):  # type: ignore[no-untyped-def]
    try:
        child = yield context.call_sub_orchestrator("hello_orchestrator", ["Oslo"])
        return {"child": child}
    except Exception as exc:
        return {"failed": str(exc).split("\n")[0].strip()}


@app.activity_trigger(input_name="city")
def say_hello(city: str) -> str:
    return f"Hello {city}"


@app.entity_trigger(context_name="context")
def counter(context: df.DurableEntityContext) -> None:
    value = context.get_state(lambda: 0)
    if context.operation_name == "add":
        value += context.get_input()
    context.set_state(value)
    context.set_result(value)
