import json

import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.dapr_topic_trigger(arg_name="subEvent", pub_sub_name="pubsub", topic="A")
@app.dapr_state_output(arg_name="state", state_store="statestore", key="order")
def dapr_topic(subEvent: str, state: func.Out[str]) -> None:
    state.set(str(json.loads(subEvent)["data"]))
