"""Returns its HTTP answer through a ``$return`` http binding."""

import azfunc as func


def main(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("abcd", status_code=201, headers={"X-A": "1"})
