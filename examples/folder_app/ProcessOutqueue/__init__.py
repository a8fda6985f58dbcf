"""Read what Enqueue put on ``outqueue``: the other end of the chain."""

import logging

import __app__.shared_code  # absolute import of shared code

import azfunc as func


def main(msg: func.QueueMessage) -> None:
    text = __app__.shared_code.shout(msg.get_body().decode())
    logging.info("outqueue item (dequeue count %d): %s", msg.dequeue_count, text)
