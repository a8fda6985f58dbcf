import json

import azfunc as func


def main(req: func.HttpRequest, items: func.MySqlRowList) -> func.HttpResponse:
    rows = [json.loads(r.to_json()) for r in items]
    return func.HttpResponse(json.dumps(rows), status_code=200, mimetype="application/json")
