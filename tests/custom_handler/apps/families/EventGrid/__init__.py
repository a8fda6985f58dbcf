"""One Event Grid event."""

import azfunc as func


def main(event: func.EventGridEvent, seen: func.Out[dict]) -> None:
    seen.set({"id": event.id, "subject": event.subject, "event_type": event.event_type,
              "data": event.get_json()})
