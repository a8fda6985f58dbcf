"""A Service Bus batch."""

import azfunc as func


def main(messages: list[func.ServiceBusMessage], seen: func.Out[dict]) -> None:
    seen.set({"bodies": [m.get_body().decode() for m in messages],
              "message_ids": [m.message_id for m in messages]})
