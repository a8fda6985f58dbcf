import logging

import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="http_trigger")
def http_trigger(req: func.HttpRequest) -> func.HttpResponse:
    logging.info("HTTP trigger called")
    name = req.params.get("name")
    if not name:
        try:  # noqa: SIM105 - the template's own idiom
            name = req.get_json().get("name")
        except ValueError:
            pass
    if name:
        return func.HttpResponse(f"Hello, {name}.")
    return func.HttpResponse("Pass a name.", status_code=200)
