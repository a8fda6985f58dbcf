import json
import logging


def main(changes: str) -> None:
    logging.info("SQL changes: %s", json.loads(changes))
