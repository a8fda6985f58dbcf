import json

import azfunc as func


def main(req: func.HttpRequest) -> func.HttpResponse:
    info = {"kind": f"{type(req).__module__}.{type(req).__name__}",
            "tag": req.params.getall("tag", []), "id": req.route_params.get("id"),
            "json": req.get_json() if req.get_body() else None}
    resp = func.HttpResponse(json.dumps(info), mimetype="application/json")
    resp.headers.add("Set-Cookie", "a=1; Path=/")
    resp.headers.add("Set-Cookie", "b=2; Secure; HttpOnly")
    return resp
