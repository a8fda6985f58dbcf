"""HTTP response helpers."""

import azfunc as func


def not_found(what: str) -> func.HttpResponse:
    """A plain-text 404 response saying what was not found."""
    return func.HttpResponse(f"{what} not found", status_code=404)
