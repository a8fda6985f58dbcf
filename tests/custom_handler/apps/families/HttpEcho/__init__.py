"""Records what an HTTP request looked like to the function; answers JSON with a header."""

import azfunc as func


def main(req: func.HttpRequest, res: func.Out[func.HttpResponse], seen: func.Out[dict],
         context: func.Context) -> None:
    body = req.get_body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    seen.set({
        "method": req.method,
        "url": req.url,
        "body_hex": body.hex(),
        "body_text": text,
        "content_type": req.headers.get("content-type"),
        "x_custom": req.headers.get("x-custom"),
        "params": dict(req.params),
        "route": dict(req.route_params),
        "invocation_id": context.invocation_id,
    })
    res.set(func.HttpResponse(body=b'{"ok": true}', status_code=201, mimetype="application/json",
                              headers={"X-One": "1"}))
