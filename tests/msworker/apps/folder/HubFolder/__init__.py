import json
import typing

import azfunc as func


def main(events: typing.List[func.EventHubEvent],  # noqa: UP006 - the worker needs typing.List
         report: func.Out[str]) -> None:
    report.set(json.dumps({"kind": f"{type(events[0]).__module__}.{type(events[0]).__name__}",
                           "count": len(events),
                           "sequence_numbers": [e.sequence_number for e in events[:2]]}))
