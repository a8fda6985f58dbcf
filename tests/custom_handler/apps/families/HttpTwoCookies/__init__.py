"""Sets two cookies: two Set-Cookie headers the JSON protocol cannot carry."""

import azfunc as func


def main(req: func.HttpRequest, res: func.Out[func.HttpResponse]) -> None:
    response = func.HttpResponse("two cookies")
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    res.set(response)
