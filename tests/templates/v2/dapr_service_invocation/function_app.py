import json
import logging

import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.dapr_service_invocation_trigger(arg_name="payload", method_name="dapr_invoke")
def dapr_invoke(payload: str) -> None:
    logging.info("Dapr service invocation payload: %s", payload)


@app.function_name(name="InvokeOutputBinding")
@app.route(route="invoke/{appId}/{methodName}", auth_level=app.auth_level.ANONYMOUS)
@app.dapr_invoke_output(arg_name="payload", app_id="{appId}", method_name="{methodName}",
                        http_verb="post")
def main(req: func.HttpRequest, payload: func.Out[str]) -> str:
    data = req.params.get("data")
    if not data:
        try:  # noqa: SIM105 - the template's own idiom
            data = req.get_json().get("data")
        except ValueError:
            pass
    payload.set(json.dumps({"body": data}))
    return "Successfully performed service invocation using Dapr invoke output binding."
