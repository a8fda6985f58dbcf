import logging

import azfunc as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="azqueue", queue_name="jobs", connection="AzureWebJobsStorage")
def queue_trigger(azqueue: func.QueueMessage) -> None:
    logging.info("message: %s", azqueue.get_body().decode("utf-8"))
