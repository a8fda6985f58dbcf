import json

import azfunc as func


def main(msg: func.QueueMessage) -> func.QueueMessage:
    return func.QueueMessage(body=json.dumps({
        "kind": f"{type(msg).__module__}.{type(msg).__name__}", "id": msg.id,
        "dequeue_count": msg.dequeue_count,
        "insertion_time": msg.insertion_time.isoformat() if msg.insertion_time else None,
    }))
