"""An Event Hubs batch."""

import azfunc as func


def main(events: list[func.EventHubEvent], seen: func.Out[dict]) -> None:
    seen.set({"bodies": [e.get_body().decode() for e in events],
              "sequence_numbers": [e.sequence_number for e in events]})
