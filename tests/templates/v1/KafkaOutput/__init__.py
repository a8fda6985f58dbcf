import azfunc as func


def main(req: func.HttpRequest, out: func.Out[str]) -> func.HttpResponse:
    message = req.params.get("message")
    if message:
        out.set(message)
        return func.HttpResponse(f"Message received: {message}.")
    return func.HttpResponse("Pass a message.", status_code=200)
