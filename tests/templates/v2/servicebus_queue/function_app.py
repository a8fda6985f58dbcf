import logging

import azfunc as func

app = func.FunctionApp()


@app.service_bus_queue_trigger(arg_name="azservicebus", queue_name="orders",
                               connection="ServiceBusConnection")
def servicebus_queue_trigger(azservicebus: func.ServiceBusMessage) -> None:
    logging.info("message: %s", azservicebus.get_body().decode("utf-8"))
