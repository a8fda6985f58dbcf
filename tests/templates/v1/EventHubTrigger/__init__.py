import logging

import azfunc as func


def main(events: list[func.EventHubEvent]) -> None:
    for event in events:
        logging.info("event: %s", event.get_body().decode("utf-8"))
