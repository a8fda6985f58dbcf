import azfunc as func


def main(req: func.HttpRequest, items: func.Out[func.SqlRowList]) -> func.HttpResponse:
    rows = func.SqlRowList(func.SqlRow.from_dict(r) for r in req.get_json())
    items.set(rows)
    return func.HttpResponse("OK", status_code=201)
