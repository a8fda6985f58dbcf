"""One Kafka event."""

import azfunc as func


def main(event: func.KafkaEvent, seen: func.Out[dict]) -> None:
    seen.set({"body": event.get_body().decode()})
