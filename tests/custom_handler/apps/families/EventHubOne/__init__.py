"""One Event Hubs event."""

import azfunc as func


def main(event: func.EventHubEvent, seen: func.Out[dict]) -> None:
    seen.set({"body": event.get_body().decode(), "sequence_number": event.sequence_number,
              "offset": event.offset})
