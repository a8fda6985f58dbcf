"""Records the retry context the host sent."""

import azfunc as func


def main(msg: str, seen: func.Out[dict], context: func.Context) -> None:
    rc = context.retry_context
    exc = rc.exception
    seen.set({
        "retry_count": rc.retry_count,
        "max_retry_count": rc.max_retry_count,
        "message": exc.message if exc else None,
        "source": exc.source if exc else None,
        "stack_trace": exc.stack_trace if exc else None,
    })
