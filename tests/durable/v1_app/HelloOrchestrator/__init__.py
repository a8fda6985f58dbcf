from azure.durable_functions import DurableOrchestrationContext, Orchestrator


def orchestrator_function(context: DurableOrchestrationContext):  # type: ignore[no-untyped-def]
    first = yield context.call_activity("Hello", "Tokyo")
    second = yield context.call_activity("Hello", "Seattle")
    return [first, second]


main = Orchestrator.create(orchestrator_function)
