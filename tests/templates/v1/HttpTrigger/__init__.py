import azfunc as func


def main(req: func.HttpRequest) -> func.HttpResponse:
    name = req.params.get("name")
    if not name:
        try:  # noqa: SIM105 - the template's own idiom
            name = req.get_json().get("name")
        except ValueError:
            pass
    if name:
        return func.HttpResponse(f"Hello, {name}.")
    return func.HttpResponse("Pass a name.", status_code=200)
