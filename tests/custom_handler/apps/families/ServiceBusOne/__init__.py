"""One Service Bus message."""

import azfunc as func


def main(message: func.ServiceBusMessage, seen: func.Out[dict]) -> None:
    seen.set({"body": message.get_body().decode(), "message_id": message.message_id,
              "delivery_count": message.delivery_count})
