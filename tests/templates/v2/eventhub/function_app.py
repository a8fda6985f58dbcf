import logging

import azfunc as func

app = func.FunctionApp()


@app.event_hub_message_trigger(arg_name="azeventhub", event_hub_name="hub",
                               connection="EventHubConnection")
def eventhub_trigger(azeventhub: func.EventHubEvent) -> None:
    logging.info("event: %s", azeventhub.get_body().decode("utf-8"))
