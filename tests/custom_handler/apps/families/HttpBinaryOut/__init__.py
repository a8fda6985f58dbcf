"""Answers bytes that are not UTF-8: the JSON protocol cannot carry them."""

import azfunc as func


def main(req: func.HttpRequest, res: func.Out[func.HttpResponse]) -> None:
    res.set(func.HttpResponse(b"\x89PNG\r\n\x1a\n\x00\xff\xfe", mimetype="image/png"))
