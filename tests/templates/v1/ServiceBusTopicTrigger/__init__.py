import logging

import azfunc as func


def main(message: func.ServiceBusMessage) -> None:
    logging.info("message (%s): %s", message.content_type, message.get_body().decode("utf-8"))
