"""A queue message as text and JSON; one output of every kind, and a text return value."""

import json

import azfunc as func


def main(msg: func.QueueMessage, seen: func.Out[dict], outText: func.Out[str],
         outJson: func.Out[dict], outBytes: func.Out[bytes], outList: func.Out[list[str]],
         context: func.Context) -> str:
    body = msg.get_body().decode("utf-8")
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    seen.set({
        "body": body,
        "json": parsed,
        "id": msg.id,
        "dequeue_count": msg.dequeue_count,
        "pop_receipt": msg.pop_receipt,
        "insertion_time": msg.insertion_time.isoformat() if msg.insertion_time else None,
        "invocation_id": context.invocation_id,
    })
    outText.set("test")
    outJson.set({"a": 1, "b": [True, None]})
    outBytes.set(b"\x00\xff\x10binary")
    outList.set(["first", "test"])
    return "1234"
