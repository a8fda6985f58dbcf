import logging

import azfunc as func

app = func.FunctionApp()


@app.service_bus_topic_trigger(arg_name="azservicebus", subscription_name="sub",
                               topic_name="orders", connection="ServiceBusConnection")
def servicebus_topic_trigger(azservicebus: func.ServiceBusMessage) -> None:
    logging.info("message: %s", azservicebus.get_body().decode("utf-8"))
