from azure.durable_functions import DurableEntityContext, Entity


def entity_function(context: DurableEntityContext) -> None:
    value = context.get_state(lambda: 0)
    if context.operation_name == "add":
        value += context.get_input()
        context.set_result(value)
    elif context.operation_name == "reset":
        value = 0
    elif context.operation_name == "get":
        context.set_result(value)
    context.set_state(value)


main = Entity.create(entity_function)
