import json
import logging

import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.timer_trigger(schedule="*/10 * * * * *", arg_name="myTimer", run_on_startup=False)
@app.dapr_publish_output(arg_name="pubEvent", pub_sub_name="pubsub", topic="A")
def dapr_publish(myTimer: func.TimerRequest, pubEvent: func.Out[bytes]) -> None:
    pubEvent.set(json.dumps({"payload": "Hello, World!"}).encode("utf-8"))


@app.function_name(name="DaprTopicTriggerFuncApp")
@app.dapr_topic_trigger(arg_name="subEvent", pub_sub_name="pubsub", topic="A")
def main(subEvent: str) -> None:
    logging.info("Topic A received: %s", json.loads(subEvent)["data"])
