"""Answers text that happens to be valid base64, with one cookie: all fit JSON mode."""

import azfunc as func


def main(req: func.HttpRequest, res: func.Out[func.HttpResponse]) -> None:
    response = func.HttpResponse("test", status_code=202, mimetype="text/plain")
    response.set_cookie("session", "abc")
    res.set(response)
