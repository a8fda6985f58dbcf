"""GET /api/items/{id}: the blob samples/{id}, or 404 when there is no such blob."""

import logging

import azfunc as func

from ..shared_code import responses  # explicit relative import of shared code


def main(req: func.HttpRequest, obj: func.InputStream) -> func.HttpResponse:
    item_id = req.route_params["id"]
    if obj is None:
        return responses.not_found(f"item {item_id}")
    content = obj.read()
    logging.info('Python HTTP triggered function processed: %s', content)
    return func.HttpResponse(content, mimetype="application/octet-stream")
