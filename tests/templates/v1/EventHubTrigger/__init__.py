import logging
from typing import List  # noqa: UP035 -- the worker refuses list[...] (not a class, not a typing generic)

import azfunc as func


def main(events: List[func.EventHubEvent]) -> None:  # noqa: UP006
    for event in events:
        logging.info("event: %s", event.get_body().decode("utf-8"))
