"""A function app for the CORS tests: one plain function, one that sets CORS itself."""

import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="data", methods=["GET", "PUT", "POST"])
def data(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"data:{req.method}", headers={"Vary": "Accept"})


@app.route(route="own", methods=["GET", "OPTIONS"])
def own(req: func.HttpRequest) -> func.HttpResponse:
    # the guide's workaround: the function answers CORS itself
    headers = {"Access-Control-Allow-Origin": "http://own.test"}
    if req.method == "OPTIONS":
        return func.HttpResponse("", status_code=200, headers=headers)
    return func.HttpResponse("own", headers=headers)
