import logging

import azfunc as func


def main(msg: func.QueueMessage) -> None:
    logging.info("queue item: %s", msg.get_body().decode("utf-8"))
