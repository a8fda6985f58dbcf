import json
import logging

import azfunc as func


def main(event: func.EventGridEvent) -> None:
    logging.info("event: %s", json.dumps({"id": event.id, "data": event.get_json(),
                                           "subject": event.subject}))
